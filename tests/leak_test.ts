// Leak test (issue 10, "Done when"): each public method family runs 100,000
// times inside ONE withGil scope with the tier's release idiom, and memory
// stays bounded.
//
// - stable tier: every iteration is a `py.withPool(() => ...)`;
// - experimental tier: every object an iteration gets back (and every caught
//   error) is disposed at the end of the iteration (`[Symbol.dispose]()`, what
//   `using` does), with no withPool.
//
// Measured after a 1,000-iteration warm-up, at 10% and at 100% of the
// iterations, each time after `gc.collect()` and `gc()`:
// - `sys.getallocatedblocks()` grows by fewer than 1,000 blocks;
// - the reference counts of the fixture's objects (a sentinel, the objects
//   and functions the families use, `math` and its name string) do not change;
// - the number of live TypeScript functions (`pyfunctionTableSize()`) does
//   not change;
// - the JS heap grows by less than 1 MB from 10% to 100%. The owned tier's
//   slot table is not observable through the public API; a record the tier
//   keeps per iteration (a slot, a pool entry: about 70 bytes each) shows
//   here, and a slot that holds a reference shows in the refcounts or blocks.
//
// The slowest families (30-150 us per iteration) run fewer iterations to keep
// the file under 90 s: attributes 50,000 (hasattr's AttributeError path),
// conversions 30,000, strings/bytes 40,000, pyfunction creation 30,000, a JS
// function as an argument 25,000, the two exception families 50,000 each.
// PYEMBED_LEAK_N scales every count (default 100,000). Needs
// --v8-flags=--expose-gc (deno task test sets it).

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as owned from "../experimental/mod.ts";

const {
  Extract,
  Py,
  PyByteArray,
  PyBytes,
  PyDict,
  PyErr,
  PyFrozenSet,
  PyList,
  PyModule,
  PySet,
  PyString,
  PyTuple,
  PyValueError,
  pyfunction,
  pyfunctionTableSize,
  pymodule,
} = stable;
type PyAny = stable.PyAny;
type Token = stable.Python;

const N = Number(Deno.env.get("PYEMBED_LEAK_N") ?? 100_000);
const WARMUP = 1_000;
const MAX_BLOCKS = 1_000;
/** JS heap growth allowed (after gc()): a Ref kept per iteration is about 70 bytes. */
const MAX_HEAP = 1024 * 1024;

/** Registers an object for release at the end of the iteration; returns it. */
type Keep = <T extends { [Symbol.dispose](): void }>(o: T) => T;

interface Tier {
  name: "stable" | "owned";
  withGil<R>(f: (py: Token) => R): R;
  /** One iteration, released with the tier's idiom. */
  each<R>(py: Token, body: (k: Keep) => R): R;
}

const same: Keep = (o) => o;
const TIERS: Tier[] = [
  {
    name: "stable",
    withGil: (f) => stable.Python.withGil(f),
    each: (py, body) => py.withPool(() => body(same)),
  },
  {
    name: "owned",
    withGil: (f) => owned.Python.withGil((py) => f(py as unknown as Token)),
    each: (_py, body) => {
      const kept: { [Symbol.dispose](): void }[] = [];
      try {
        return body((o) => (kept.push(o), o));
      } finally {
        for (const o of kept) o[Symbol.dispose]();
      }
    },
  },
];

const FIXTURE = `
import sys, gc, math
class Sentinel:
    pass
S = Sentinel()
class Box:
    def __init__(self):
        self.attr = S
    def meth(self, *a, **k):
        return S
box = Box()
def f(*a, **k):
    return S
def boom(*a, **k):
    raise ValueError('boom')
def call_it(fn, *a):
    return fn(*a)
lst = [S, 1, 2]
dct = {'a': S, 'b': 2}
ints = [3, 1, 2]
data = {'ints': [1, 2, 3], 'mixed': [1, 2.5, 'x', None, True, b'xy', (1, 'a')],
        'set': {1, 2}, 'big': 2**70}
TRACK = [S, box, f, boom, call_it, lst, dct, ints, data, Box, Sentinel, math,
         math.__name__, sys.modules[__name__] if __name__ in sys.modules else None]
def measure(extra):
    gc.collect()
    return (sys.getallocatedblocks(),
            [sys.getrefcount(o) for o in TRACK + list(extra)])
`;

interface Measure {
  blocks: number;
  refs: number[];
  functions: number;
  heap: number;
}

function gc(): void {
  const f = (globalThis as { gc?: () => void }).gc;
  assert.ok(typeof f === "function", "run with --v8-flags=--expose-gc");
  f();
}

function measure(
  tier: Tier,
  py: Token,
  g: stable.PyDict,
  track: PyAny[],
): Measure {
  gc();
  const heap = Deno.memoryUsage().heapUsed;
  const [blocks, refs] = tier.each(
    py,
    (k) => k(k(g.getItem("measure")!).call1(k(PyList.new(py, track)))).toJs(),
  ) as [number, number[]];
  return { blocks, refs, functions: pyfunctionTableSize(), heap };
}

/** What a family does once per iteration (`step`) or n times in one Python loop (`batch`). */
interface Loop {
  step?: (k: Keep, i: number) => void;
  batch?: (n: number) => void;
  /** More objects whose reference counts must not change. */
  track?: PyAny[];
}
type Family = (py: Token, g: stable.PyDict) => Loop;

function get(g: stable.PyDict, name: string): PyAny {
  return g.getItem(name)!;
}

function runFamily(
  tier: Tier,
  name: string,
  family: Family,
  n: number,
): void {
  const mid = n / 10;
  tier.withGil((py) => {
    const g = PyDict.new(py);
    py.run(FIXTURE, g);
    const loop = family(py, g);
    const track = loop.track ?? [];
    const run = (n: number) => {
      if (loop.batch !== undefined) {
        tier.each(py, () => loop.batch!(n));
      } else {
        for (let i = 0; i < n; i++) tier.each(py, (k) => loop.step!(k, i));
      }
    };
    const t0 = performance.now();
    run(WARMUP);
    const m0 = measure(tier, py, g, track);
    run(mid - WARMUP);
    const m1 = measure(tier, py, g, track);
    run(n - mid);
    const m2 = measure(tier, py, g, track);
    const ms = performance.now() - t0;
    const grow = (m: Measure) =>
      `${m.blocks - m0.blocks} blocks, ${
        m.functions - m0.functions
      } TS functions, JS heap ${
        ((m.heap - m0.heap) / 1024 / 1024).toFixed(1)
      } MB`;
    console.log(
      `[${tier.name}] ${name}: ${n.toLocaleString()} iterations in ${
        (ms / 1000).toFixed(1)
      } s; growth at ${mid.toLocaleString()}: ${
        grow(m1)
      }; at ${n.toLocaleString()}: ${grow(m2)}`,
    );
    assert.ok(
      m2.blocks - m0.blocks < MAX_BLOCKS,
      `Python blocks grew by ${m2.blocks - m0.blocks} over ${n} iterations (${
        m1.blocks - m0.blocks
      } at ${mid})`,
    );
    assert.deepStrictEqual(
      m2.refs,
      m0.refs,
      "reference counts of the fixture's objects changed",
    );
    assert.equal(
      m2.functions,
      m0.functions,
      "live TypeScript functions (pyfunctionTableSize) grew",
    );
    // From 10% on: the first iterations may still grow the heap once (JIT).
    assert.ok(
      m2.heap - m1.heap < MAX_HEAP,
      `the JS heap grew by ${
        ((m2.heap - m1.heap) / 1024 / 1024).toFixed(1)
      } MB from iteration ${mid} to ${n}: bookkeeping kept per iteration`,
    );
  });
}

// --- the families ----------------------------------------------------------------------

/**
 * [name, family, iterations as a fraction of N]: the slowest families (tens
 * of microseconds per iteration) run fewer iterations so that the file stays
 * under 90 s; still enough for one leaked reference or bookkeeping record
 * per iteration to cross the limits.
 */
const FAMILIES: [string, Family, number?][] = [
  ["attributes: getattr/setattr/hasattr/delattr", (_py, g) => {
    const box = get(g, "box");
    const S = get(g, "S");
    return {
      step: (k, i) => {
        k(box.getattr("attr"));
        box.setattr("x", i);
        box.setattr("y", S);
        assert.ok(box.hasattr("x"));
        assert.ok(!box.hasattr("nope")); // an AttributeError, cleared
        box.delattr("x");
        box.delattr("y");
      },
    };
  }, 0.5],
  ["calls: call0/call1/call with kwargs/callMethod", (_py, g) => {
    const f = get(g, "f");
    const box = get(g, "box");
    const S = get(g, "S");
    const callIt = get(g, "call_it");
    return {
      step: (k, i) => {
        k(f.call0());
        k(f.call1(i, S, "x"));
        k(f.call([i, S], { a: i, b: S }));
        k(f.call(undefined, new Map([["c", S]])));
        k(box.callMethod("meth", [S], { k: S }));
        k(box.callMethod0("meth"));
        k(box.callMethod1("meth", S, i));
        k(callIt.call1(f, S));
      },
    };
  }],
  ["items: getItem/setItem/delItem/contains/len", (_py, g) => {
    const d = get(g, "dct");
    const l = get(g, "lst");
    const S = get(g, "S");
    const t = get(g, "data");
    return {
      step: (k, i) => {
        d.setItem("k", S);
        d.setItem(i, i);
        k(d.getItem("k"));
        assert.ok(d.contains("k"));
        assert.equal(d.len(), 4);
        d.delItem("k");
        d.delItem(i);
        l.setItem(1, S);
        l.setItem(1, i);
        k(l.getItem(0));
        k(l.getItem(-1));
        assert.ok(l.contains(S));
        assert.equal(l.len(), 3);
        k(k(t.getItem("mixed")).getItem(6));
      },
    };
  }],
  ["comparisons: eq/ne/lt/le/gt/ge", (py, g) => {
    const S = get(g, "S");
    const l = get(g, "lst");
    return {
      step: (k, i) => {
        const x = k(py.eval("7"));
        assert.ok(S.eq(S));
        assert.ok(S.ne(l));
        assert.ok(x.lt(i + 8));
        assert.ok(x.le(7));
        assert.ok(x.gt(-i));
        assert.ok(x.ge(x));
        assert.ok(l.eq(l));
        assert.ok(!l.eq([S, 1, 3]));
      },
    };
  }],
  ["iteration: for...of and iter()/nextItem()", (_py, g) => {
    const l = get(g, "lst");
    const d = get(g, "dct");
    return {
      step: (k) => {
        let n = 0;
        for (const x of l) (k(x), n++);
        for (const x of d) (k(x), n++);
        for (const x of l) {
          k(x);
          break; // return(): the iterator is released
        }
        const it = k(l.iter());
        for (let x = it.nextItem(); x !== undefined; x = it.nextItem()) k(x);
        assert.equal(n, 5);
      },
    };
  }],
  ["conversions: toJs and JS -> Python", (py, g) => {
    const data = get(g, "data");
    const bytes = new Uint8Array([1, 2, 3]);
    return {
      step: (k, i) => {
        assert.equal((data.toJs() as Map<string, unknown>).size, 4);
        k(PyList.new(py, [
          i,
          -0,
          2.5,
          "héllo",
          "\ud800",
          null,
          true,
          2n ** 70n,
          bytes,
          [1, [2]],
          new Map([[1, "a"]]),
          new Set([1, 2]),
          { a: 1, b: [null] },
        ])).toJs();
      },
    };
  }, 0.3],
  ["conversions: extract with Extract.*", (py) => {
    const vals = py.eval(
      "(42, 2**70, 2.5, 'str', True, b'xy', [1, 2], (1, 'a'), {'a': 1}, {1, 2}, None)",
    );
    const at = (i: number) => vals.getItem(i);
    const [int, big, flt, str, bool, bytes, list, tup, dict, set, none] = [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10,
    ].map(at);
    return {
      step: () => {
        int.extract(Extract.int);
        big.extract(Extract.bigint);
        flt.extract(Extract.float);
        str.extract(Extract.str);
        bool.extract(Extract.bool);
        bytes.extract(Extract.bytes);
        list.extract(Extract.list(Extract.int));
        tup.extract(Extract.tuple(Extract.int, Extract.str));
        dict.extract(Extract.dict(Extract.str, Extract.int));
        set.extract(Extract.set(Extract.int));
        none.extract(Extract.optional(Extract.int));
        int.extract(Extract.optional(Extract.int));
      },
    };
  }],
  ["PyDict methods", (py, g) => {
    const S = get(g, "S");
    return {
      step: (k, i) => {
        const d = k(PyDict.new(py));
        d.setItem("a", S);
        d.setItem(i, [i]);
        k(d.getItem("a")!);
        assert.equal(d.getItem("missing"), undefined);
        assert.ok(d.contains("a"));
        assert.equal(d.len(), 2);
        k(d.keys());
        k(d.values());
        k(d.items());
        for (const [a, b] of d.entries()) (k(a), k(b));
        k(d.copy());
        d.update({ b: S });
        d.update(k(PyDict.fromEntries(py, [["c", S]])));
        k(PyDict.fromEntries(py, new Map([["x", S]])));
        d.clear();
      },
    };
  }],
  ["PyList methods", (py, g) => {
    const S = get(g, "S");
    return {
      step: (k, i) => {
        const l = k(PyList.new(py, [3, 1, 2]));
        l.append(i);
        l.insert(0, -i);
        k(l.getItem(0));
        assert.equal(l.len(), 5);
        l.sort();
        l.reverse();
        k(l.toTuple());
        k(l.getSlice(1, -1));
        const m = k(PyList.new(py, new Set([S])));
        m.append(S);
        m.setItem(0, S);
      },
    };
  }],
  ["PyTuple methods", (py, g) => {
    const S = get(g, "S");
    return {
      step: (k, i) => {
        const t = k(PyTuple.new(py, [i, S, "x"]));
        k(t.getItem(1));
        assert.equal(t.len(), 3);
        k(t.toList());
        k(t.getSlice(0, 2));
        k(PyTuple.empty(py));
      },
    };
  }],
  ["PySet/PyFrozenSet methods", (py, g) => {
    const S = get(g, "S");
    return {
      step: (k, i) => {
        const s = k(PySet.new(py, [1, 2]));
        s.add(S);
        s.add(i);
        assert.ok(s.contains(S));
        assert.ok(s.discard(S));
        assert.ok(s.len() >= 2);
        k(s.pop());
        const fs = k(PyFrozenSet.new(py, [1, S]));
        assert.ok(fs.contains(S));
        assert.equal(fs.len(), 2);
      },
    };
  }],
  ["PyString/PyBytes/PyByteArray", (py) => {
    const data = new Uint8Array([0, 1, 2, 255]);
    return {
      step: (k, i) => {
        k(PyString.new(py, `héllo ${i}`)).toStr();
        k(PyString.new(py, "\ud83d")).toStr();
        k(PyString.intern(py, "interned")).toStr();
        k(PyBytes.new(py, data)).asBytes();
        k(PyByteArray.new(py, data)).toBytes();
      },
    };
  }, 0.4],
  ["PyModule: import, getattr, dict", (py) => ({
    step: (k) => {
      const m = k(py.import("math"));
      k(m.getattr("pi"));
      k(m.dict());
      k(py.builtins());
    },
  })],
  ["PyModule.name", (py) => {
    const m = py.import("math");
    return { step: () => void assert.equal(m.name(), "math"), track: [m] };
  }],
  ["PyModule: new, add, register", (py, g) => {
    const S = get(g, "S");
    return {
      step: (k, i) => {
        const m = k(PyModule.new(py, "leak_mod"));
        m.add("S", S);
        m.add("i", i);
        m.register();
      },
    };
  }],
  ["pymodule + addFunction", (py) => {
    const fn = pyfunction(py, "leak_fn(x)", ({ x }) => x);
    return {
      step: (k) => void k(pymodule(py, "leak_ts", (m) => m.addFunction(fn))),
      track: [fn],
    };
  }],
  ["pyfunction: create, call from JS, drop", (py, g) => {
    const S = get(g, "S");
    return {
      step: (k, i) => {
        const fn = k(pyfunction(py, "made(a, /, *rest, k=None)", ({ a }) => a));
        k(fn.call1(S, i));
        k(fn.call([i], { k: S }));
      },
    };
  }, 0.3],
  ["PyCFunction.name", (py) => {
    const fn = pyfunction(py, "named(x)", ({ x }) => x);
    return { step: () => void assert.equal(fn.name(), "named"), track: [fn] };
  }],
  ["pyfunction called from Python (py.run loop)", (py, g) => {
    const S = get(g, "S");
    const fn = pyfunction(py, "tsf(a, b, *args, k, **kw)", ({ a, b, k }) => {
      a.extract(Extract.int);
      return [b, k, S];
    });
    g.setItem("tsf", fn);
    return {
      batch: (n) =>
        py.run(`for i in range(${n}): tsf(i, S, 1, 2, k=S, z=i)`, g),
      track: [fn],
    };
  }],
  ["pyfunction with defaults called from Python (py.run loop)", (py, g) => {
    const fn = pyfunction(py, "tsd(a, b=1, *, c='x')", ({ a, b, c }) => {
      b.extract(Extract.int);
      c.extract(Extract.str);
      return a;
    });
    g.setItem("tsd", fn);
    return {
      batch: (n) => py.run(`for i in range(${n}): tsd(S)`, g),
      track: [fn],
    };
  }],
  ["a plain JS function passed as an argument", (_py, g) => {
    const callIt = get(g, "call_it");
    const S = get(g, "S");
    return {
      step: (k, i) => {
        k(callIt.call1(() => 1));
        k(callIt.call1((x: unknown) => x, S));
        k(callIt.call1((n: number) => n + i, i));
      },
    };
  }, 0.25],
  ["exceptions: a raising Python call caught in JS", (_py, g) => {
    const boom = get(g, "boom");
    const S = get(g, "S");
    return {
      step: (k) => {
        try {
          boom.call1(S);
          assert.fail("no exception");
        } catch (e) {
          assert.ok(e instanceof PyValueError);
          k(e as InstanceType<typeof PyErr>); // the owned tier's idiom; the pool ignores it
        }
      },
    };
  }, 0.5],
  [
    "exceptions: PyValueError.newErr thrown from a handler, caught in Python",
    (py, g) => {
      const fn = pyfunction(py, "raiser(x)", () => {
        throw PyValueError.newErr("x");
      });
      g.setItem("raiser", fn);
      return {
        batch: (n) =>
          py.run(
            `for i in range(${n}):\n  try:\n    raiser(S)\n  except ValueError:\n    pass`,
            g,
          ),
        track: [fn],
      };
    },
    0.5,
  ],
  ["Py.from/bind/cloneRef/dispose, clone/unbind", (py, g) => {
    const S = get(g, "S");
    return {
      step: (k) => {
        const p = Py.from(S);
        k(p.bind(py));
        const q = p.cloneRef(py);
        q[Symbol.dispose]();
        p[Symbol.dispose]();
        const u = S.clone().unbind();
        k(u.bind(py));
        u[Symbol.dispose]();
      },
    };
  }],
];

for (const tier of TIERS) {
  for (const [name, family, part = 1] of FAMILIES) {
    const n = Math.max(10 * WARMUP, Math.round(N * part / 1000) * 1000);
    Deno.test(
      `[${tier.name}] leak: ${name}`,
      () => runFamily(tier, name, family, n),
    );
  }
}
