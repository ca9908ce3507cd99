// The behavioural suite shared by both tiers (issues 3 and 4).
//
// `defineSuite("stable", stable)` and `defineSuite("owned", experimental)`
// register the same tests against each entry point, through the public API
// only. Where the tiers differ only in *how* a reference is released, the
// suite abstracts it with `region(py, keep => ...)`: in the stable tier the
// region is a `py.withPool`, in the experimental tier every object passed to
// `keep` is disposed at the end of the region. Reference counts are checked
// both right after such a region and across whole `withGil` scopes (with
// `sys.getrefcount`, from a fresh scope).
//
// Tests needing `gc()` need `--v8-flags=--expose-gc` (set in deno.json's
// `test` task); the process-exit test spawns `deno` and needs `--allow-run`.

import assert from "node:assert/strict";
import fc from "fast-check";
import type * as Stable from "../../mod.ts";

/** Either entry point (the experimental one is cast: its `Python` has no `withPool`). */
export type TierModule = typeof Stable;
type Token = Stable.Python;
type Any = Stable.PyAny;
type Disposable_ = { [Symbol.dispose](): void };
/** Registers an object for release at the end of a region; returns it. */
export type Keep = <T extends Disposable_>(o: T) => T;
type ErrClass = abstract new (...args: never[]) => Error;

/** The Python code every reference-count test works on. */
export const FIXTURE = `
import sys, gc
class Sentinel:
    pass
S = Sentinel()
class Box:
    def __init__(self):
        self.attr = S
    def meth(self, *a, **k):
        return S
    def __call__(self, *a, **k):
        return S
    def __getitem__(self, k):
        return S
    def __iter__(self):
        return iter([S, S, S])
    def __len__(self):
        return 3
box = Box()
lst = [S, S, S]
tup = (S, S, S)
dct = {'a': S, S: 'b'}
def ident(x):
    return x
def boom(*a, **k):
    raise ValueError('boom')
N = None
T = True
`;

/** Assert that `fn` throws an instance of `cls` (and a message matching `msg`); return the error. */
export function throwsLike<E extends Error>(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => E,
  msg?: string | RegExp,
): E {
  let caught: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (e) {
    caught = e;
    threw = true;
  }
  assert.ok(threw, `expected a ${cls.name} to be thrown, nothing was`);
  assert.ok(
    caught instanceof cls,
    `expected a ${cls.name}, got ${(caught as Error)?.constructor?.name}: ${
      (caught as Error)?.message ?? caught
    }`,
  );
  const m = (caught as Error).message;
  if (typeof msg === "string") assert.equal(m, msg);
  else if (msg !== undefined) assert.match(m, msg);
  return caught as E;
}

/** [Python expression, extractor, error class, exact message]: extracting it must throw. */
type Rejection = readonly [
  string,
  Parameters<Any["extract"]>[0],
  ErrClass,
  string,
];

/** For each rejection, `ev(code).extract(extractor)` throws that class with that message. */
function assertRejects(
  ev: (code: string) => Any,
  cases: readonly Rejection[],
): void {
  for (const [code, extractor, cls, msg] of cases) {
    throwsLike(() => ev(code).extract(extractor), cls, msg);
  }
}

/** `gc()` from `--v8-flags=--expose-gc`, or a failure saying how to get it. */
export function requireGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(
    typeof gc === "function",
    "this test needs gc(): run deno test with --v8-flags=--expose-gc (deno task test does)",
  );
  return gc;
}

/** Let FinalizationRegistry callbacks run. */
export async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

// --- JS values <-> Python literals (for the conversion properties) -----------------

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** What `toJs()` gives back for a JS value converted to Python. */
export function expectedJs(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") {
    return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
  }
  if (typeof v !== "object") return v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(expectedJs);
  if (v instanceof Map) {
    return new Map([...v].map(([k, x]) => [expectedJs(k), expectedJs(x)]));
  }
  if (v instanceof Set) return new Set([...v].map(expectedJs));
  const o = v as Record<string, unknown>;
  return new Map(Object.keys(o).map((k) => [k, expectedJs(o[k])]));
}

function pyStr(s: string): string {
  let out = "'";
  for (const ch of s) {
    out += "\\U" + ch.codePointAt(0)!.toString(16).padStart(8, "0");
  }
  return out + "'";
}

function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "float('nan')";
  if (x === Infinity) return "float('inf')";
  if (x === -Infinity) return "float('-inf')";
  if (Object.is(x, -0)) return "-0.0";
  const s = String(x);
  return /^-?\d+$/.test(s) ? s + ".0" : s;
}

/** The Python literal for a JS value, as the conversion rules of DESIGN.md read it. */
export function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return "None";
  switch (typeof v) {
    case "boolean":
      return v ? "True" : "False";
    case "number":
      return Number.isSafeInteger(v) && !Object.is(v, -0)
        ? String(v)
        : pyFloat(v);
    case "bigint":
      return String(v);
    case "string":
      return pyStr(v);
  }
  if (v instanceof Uint8Array) {
    return "b'" + [...v].map((b) =>
      "\\x" + b.toString(16).padStart(2, "0")
    ).join("") + "'";
  }
  if (Array.isArray(v)) return "[" + v.map(pyLiteral).join(", ") + "]";
  if (v instanceof Map) {
    return "{" + [...v].map(([k, x]) =>
      `${pyLiteral(k)}: ${pyLiteral(x)}`
    ).join(", ") + "}";
  }
  // `set([...])`, not `{...}`: CPython compiles a constant set display through a
  // frozenset, which may order a set's table differently from insertion order.
  if (v instanceof Set) {
    return "set([" + [...v].map(pyLiteral).join(", ") + "])";
  }
  const o = v as Record<string, unknown>;
  return "{" +
    Object.keys(o).map((k) => `${pyStr(k)}: ${pyLiteral(o[k])}`).join(", ") +
    "}";
}

// --- arbitraries ---------------------------------------------------------------------

const unit = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom(
    "\0",
    "\ud800",
    "\udc00",
    "\udbff",
    "\udfff",
    "'",
    '"',
    "\\",
    "\n",
    "\u{1F600}",
  ),
);
/** Strings with NUL, lone surrogates, quotes and astral characters. */
export const anyString: fc.Arbitrary<string> = fc.string({
  unit,
  maxLength: 12,
});

const POWERS = [31n, 32n, 53n, 63n, 64n, 200n].flatMap((e) => {
  const p = 2n ** e;
  return [p - 1n, p, p + 1n, -(p - 1n), -p, -(p + 1n)];
});
/** Bigints: random up to 2^300 and the boundaries of the brief. */
export const anyBigint: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.constantFrom(...POWERS),
);
/** Numbers: doubles (NaN, -0, ±Infinity included), ints, safe ints, and boundaries. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(
    2 ** 31,
    2 ** 32,
    2 ** 53,
    -(2 ** 53),
    2 ** 63,
    2 ** 64,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    -0,
    NaN,
    Infinity,
    -Infinity,
    5e-324,
    Number.MAX_VALUE,
    0.1,
  ),
);
const key = fc.oneof(anyString, fc.integer(), anyBigint);
const keyId = (k: unknown): string =>
  typeof k === "string" ? "s" + k : "n" + BigInt(k as number | bigint);
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  anyNumber,
  anyBigint,
  anyString,
  fc.uint8Array({ maxLength: 8 }),
);
/** Every convertible value shape, nested (arrays, Maps, Sets, plain objects). */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec<{
  value: unknown;
  array: unknown;
  map: unknown;
  set: unknown;
  object: unknown;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    leaf,
    tie("array"),
    tie("map"),
    tie("set"),
    tie("object"),
  ),
  array: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.uniqueArray(fc.tuple(key, tie("value")), {
    selector: (e) => keyId(e[0]),
    maxLength: 4,
  })
    .map((es) => new Map(es)),
  set: fc.uniqueArray(key, { selector: keyId, maxLength: 4 }).map((xs) =>
    new Set(xs)
  ),
  object: fc.dictionary(anyString, tie("value"), { maxKeys: 4 }),
})).value;

// --- the suite -------------------------------------------------------------------------

/** Register the behavioural suite for one tier. */
export function defineSuite(name: "stable" | "owned", tier: TierModule): void {
  const {
    Python,
    Py,
    PyAny,
    PyDict,
    PyList,
    PyTuple,
    PyString,
    PyBytes,
    PyByteArray,
    PyInt,
    PyFloat,
    PyBool,
    PySet,
    PyFrozenSet,
    PySlice,
    PyIterator,
    PyType,
    PyModule,
    Extract,
    PyErr,
    PyBaseException,
    PyException,
    PyLookupError,
    PyKeyError,
    PyIndexError,
    PyTypeError,
    PyValueError,
    PyOverflowError,
    PyAttributeError,
    PyArithmeticError,
    PyZeroDivisionError,
    PySyntaxError,
    PyNameError,
    PyImportError,
    PyModuleNotFoundError,
    PyRuntimeError,
  } = tier;
  const isStable = name === "stable";
  const test = (n: string, fn: (t: Deno.TestContext) => void | Promise<void>) =>
    Deno.test({ name: `[${name}] ${n}`, fn });

  /** Run `f`; release whatever it made (withPool, or dispose what was kept). */
  function region<R>(py: Token, f: (keep: Keep) => R): R {
    const held: Disposable_[] = [];
    const keep: Keep = (o) => {
      held.push(o);
      return o;
    };
    const run = () => {
      try {
        return f(keep);
      } finally {
        for (const o of held.reverse()) o[Symbol.dispose]();
      }
    };
    return isStable ? py.withPool(run) : run();
  }

  interface Fix {
    g: Stable.PyDict;
    S: Any;
    Sentinel: Any;
    box: Any;
    lst: Stable.PyList;
    tup: Stable.PyTuple;
    dct: Stable.PyDict;
    ident: Any;
    boom: Any;
  }
  function fixFrom(g: Stable.PyDict): Fix {
    const get = (k: string) => {
      const v = g.getItem(k);
      assert.ok(v !== undefined, `fixture has no ${k}`);
      return v;
    };
    return {
      g,
      S: get("S"),
      Sentinel: get("Sentinel"),
      box: get("box"),
      lst: get("lst").downcast(PyList),
      tup: get("tup").downcast(PyTuple),
      dct: get("dct").downcast(PyDict),
      ident: get("ident"),
      boom: get("boom"),
    };
  }
  function freshFixture(py: Token): Fix {
    const g = PyDict.new(py);
    py.run(FIXTURE, g);
    return fixFrom(g);
  }
  const MODNAME = `pyembed_suite_fixture_${name}`;
  let moduleMade = false;
  function fixtureModule(py: Token): Stable.PyModule {
    if (!moduleMade) {
      moduleMade = true;
      return PyModule.fromCode(py, FIXTURE, `${MODNAME}.py`, MODNAME);
    }
    return py.import(MODNAME);
  }
  /** `sys.getrefcount(x)`, called from Python (the argument tuple adds one). */
  function sysRefcount(py: Token, obj: Any): number {
    return region(
      py,
      (k) =>
        k(k(py.import("sys")).callMethod1("getrefcount", obj)).extract(
          Extract.int,
        ),
    );
  }
  const identity = (py: Token, keep: Keep) => keep(py.eval("lambda x: x"));
  const immortal = (): boolean =>
    Python.withGil(() => Python.version.minor >= 12);

  // ==================================================================================
  // Runtime, token, scopes
  // ==================================================================================

  test("Python.version and libraryPath describe the running interpreter", () => {
    const v = Python.version;
    assert.equal(v.major, 3);
    assert.ok(v.minor >= 8 && v.minor <= 13, `minor ${v.minor}`);
    assert.ok(v.full.startsWith(`${v.major}.${v.minor}.${v.micro}`));
    assert.match(Python.libraryPath, /python3/);
    Python.withGil((py) =>
      region(py, (k) => {
        const vi = k(k(py.import("sys")).getattr("version_info"));
        assert.deepEqual(vi.getItem(0).toJs(), 3);
        assert.deepEqual(vi.getItem(1).toJs(), v.minor);
      })
    );
  });

  test("withGil returns the callback's JS value and is re-entrant", () => {
    const r = Python.withGil((py) => {
      const outer = py.eval("[1, 2]");
      const inner = Python.withGil((py2) => {
        // an outer object is usable in the nested scope, and vice versa
        assert.equal(outer.len(), 2);
        return py2.eval("{'k': 3}");
      });
      // the nested scope reused the outer one: its object is still alive
      assert.equal(inner.getItem("k").toJs(), 3);
      return outer.toJs();
    });
    assert.deepEqual(r, [1, 2]);
  });

  test("withGil rejects a callback returning a Promise, and stays usable", () => {
    throwsLike(
      () => Python.withGil(() => Promise.resolve(1)),
      TypeError,
      /synchronous/,
    );
    throwsLike(
      () => Python.withGil((py) => Python.withGil(() => Promise.resolve(py))),
      TypeError,
      /synchronous/,
    );
    assert.equal(
      Python.withGil((py) => py.eval("6 * 7").extract(Extract.int)),
      42,
    );
  });

  test("an exception thrown in withGil propagates and releases the scope", () => {
    let kept: Any | undefined;
    throwsLike(
      () =>
        Python.withGil((py) => {
          kept = py.eval("object()");
          throw new RangeError("out");
        }),
      RangeError,
      "out",
    );
    throwsLike(() => kept!.repr(), Error, /released/);
    assert.equal(Python.withGil((py) => py.eval("1").extract(Extract.int)), 1);
  });

  test("py.import, py.builtins, py.None", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const math = k(py.import("math"));
        assert.ok(math.isInstanceOf(PyModule));
        assert.equal(math.name(), "math");
        assert.equal(k(math.getattr("pi")).extract(Extract.float), Math.PI);
        const os = k(py.import("os.path"));
        assert.equal(os.name(), "posixpath");
        throwsLike(
          () => py.import("no_such_module_zz"),
          PyModuleNotFoundError,
          "No module named 'no_such_module_zz'",
        );
        throwsLike(() => py.import("no_such_module_zz"), PyImportError);
        const b = k(py.builtins());
        assert.equal(b.name(), "builtins");
        assert.equal(
          k(k(b.getattr("len")).call1("abc")).extract(Extract.int),
          3,
        );
        const none = k(py.None());
        assert.ok(none.isNone());
        assert.ok(none.is(k(py.eval("None"))));
        assert.equal(none.toJs(), null);
        assert.equal(none.repr(), "None");
        assert.ok(!k(py.eval("0")).isNone());
      })
    );
  });

  test("py.eval and py.run without globals use __main__", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        py.run(`suite_main_${name} = 40 + 2`);
        assert.equal(k(py.eval(`suite_main_${name}`)).toJs(), 42);
        const main = k(py.import("__main__"));
        assert.equal(k(main.getattr(`suite_main_${name}`)).toJs(), 42);
        // run returns nothing; eval is an expression only
        assert.equal(py.run("1 + 1"), undefined);
        throwsLike(() => py.eval("x = 1"), PySyntaxError);
        throwsLike(
          () => py.eval("nope_not_defined_zz"),
          PyNameError,
          "name 'nope_not_defined_zz' is not defined",
        );
        assert.equal(
          k(py.eval("len([1, 2, 3])")).toJs(),
          3,
          "builtins are reachable",
        );
      })
    );
  });

  test("py.eval and py.run with explicit globals and locals", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run("x = 10\ndef f(y):\n    return x + y\n", g);
        assert.equal(k(py.eval("f(5)", g)).toJs(), 15);
        assert.ok(
          g.contains("__builtins__"),
          "globals get __builtins__ as in PyO3",
        );
        assert.equal(k(py.eval("len('ab')", g)).toJs(), 2);
        // not leaked into __main__
        throwsLike(() => py.eval("f"), PyNameError);
        // locals receive assignments, globals do not
        const l = k(PyDict.fromEntries(py, { z: 1 }));
        py.run("w = x + z", g, l);
        assert.equal(l.getItem("w")?.toJs(), 11);
        assert.equal(g.getItem("w"), undefined);
        assert.equal(k(py.eval("x * z + w", g, l)).toJs(), 21);
        // an empty globals dict works (gets builtins)
        const g2 = k(PyDict.new(py));
        assert.equal(k(py.eval("abs(-3)", g2)).toJs(), 3);
      })
    );
  });

  test("py.allowThreads releases the GIL: Python threads run, Python objects throw", () => {
    Python.withGil((py) => {
      const g = PyDict.new(py);
      py.run(
        "import threading, time\nflag = []\ndef work():\n    time.sleep(0.02)\n    flag.append(1)\nt = threading.Thread(target=work)\nt.start()\n",
        g,
      );
      const r = py.allowThreads(() => {
        // Python objects must not be touched without the GIL
        throwsLike(() => g.len(), Error, /without the GIL/);
        throwsLike(() => py.eval("1"), Error, /without the GIL/);
        throwsLike(() => PyDict.new(py), Error, /without the GIL/);
        throwsLike(() => PyList.new(py, [1]), Error, /without the GIL/);
        // a nested withGil takes the GIL again
        const two = Python.withGil((py2) =>
          py2.eval("1 + 1").extract(Extract.int)
        );
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        return two;
      });
      assert.equal(r, 2);
      py.run("t.join()", g);
      assert.deepEqual(
        g.getItem("flag")?.toJs(),
        [1],
        "the Python thread ran while the GIL was released",
      );
      assert.equal(g.len() > 0, true, "objects work again after allowThreads");
    });
  });

  // ==================================================================================
  // PyAny: the object protocol
  // ==================================================================================

  test("PyAny attributes: getattr, setattr, hasattr, delattr", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run(
          "class C:\n    a = 1\n    @property\n    def bad(self):\n        raise ValueError('prop')\nc = C()\n",
          g,
        );
        const c = k(g.getItem("c")!);
        assert.equal(k(c.getattr("a")).toJs(), 1);
        assert.equal(k(c.getattr(k(PyString.new(py, "a")))).toJs(), 1);
        c.setattr("b", [1, "x"]);
        assert.deepEqual(k(c.getattr("b")).toJs(), [1, "x"]);
        c.setattr(k(PyString.new(py, "d")), 2.5);
        assert.equal(k(py.eval("c.d", g)).toJs(), 2.5);
        assert.ok(c.hasattr("b"));
        assert.ok(c.hasattr(k(PyString.new(py, "d"))));
        assert.ok(!c.hasattr("nope"));
        c.delattr("b");
        assert.ok(!c.hasattr("b"));
        c.delattr(k(PyString.new(py, "d")));
        assert.ok(!c.hasattr("d"));
        throwsLike(
          () => c.getattr("nope"),
          PyAttributeError,
          "'C' object has no attribute 'nope'",
        );
        throwsLike(() => c.delattr("nope"), PyAttributeError);
        // hasattr reports only AttributeError as "no"; other errors propagate
        throwsLike(() => c.hasattr("bad"), PyValueError, "prop");
        throwsLike(() => k(py.eval("1")).setattr("x", 1), PyAttributeError);
      })
    );
  });

  test("PyAny calls: call, call0, call1, kwargs (object, Map, PyDict), callMethod*", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run(
          "def f(*a, **kw):\n    return [list(a), kw]\nclass C:\n    def m(self, *a, **kw):\n        return [list(a), kw]\nc = C()\n",
          g,
        );
        const f = k(g.getItem("f")!);
        const c = k(g.getItem("c")!);
        const M = (o: Record<string, unknown>) => new Map(Object.entries(o));
        assert.deepEqual(k(f.call0()).toJs(), [[], M({})]);
        assert.deepEqual(k(f.call()).toJs(), [[], M({})]);
        assert.deepEqual(k(f.call([])).toJs(), [[], M({})]);
        assert.deepEqual(k(f.call1(1, "a", null)).toJs(), [
          [1, "a", null],
          M({}),
        ]);
        assert.deepEqual(k(f.call([1], { x: 2 })).toJs(), [[1], M({ x: 2 })]);
        assert.deepEqual(k(f.call(undefined, new Map([["y", 3]]))).toJs(), [
          [],
          M({ y: 3 }),
        ]);
        assert.deepEqual(
          k(f.call([true], k(PyDict.fromEntries(py, { z: "q" })))).toJs(),
          [[true], M({ z: "q" })],
        );
        assert.deepEqual(k(c.callMethod0("m")).toJs(), [[], M({})]);
        assert.deepEqual(k(c.callMethod1("m", 1, 2)).toJs(), [[1, 2], M({})]);
        assert.deepEqual(k(c.callMethod("m", [3], { k: [4] })).toJs(), [
          [3],
          M({ k: [4] }),
        ]);
        assert.deepEqual(k(c.callMethod("m")).toJs(), [[], M({})]);
        throwsLike(
          () => c.callMethod0("nope"),
          PyAttributeError,
          "'C' object has no attribute 'nope'",
        );
        throwsLike(
          () => k(py.eval("1")).call0(),
          PyTypeError,
          "'int' object is not callable",
        );
        throwsLike(
          () => k(py.eval("1")).call1(2),
          PyTypeError,
          "'int' object is not callable",
        );
        throwsLike(
          () => k(py.eval("len")).call([1, 2]),
          PyTypeError,
          "len() takes exactly one argument (2 given)",
        );
        // kwargs must be a mapping with str keys
        throwsLike(() => f.call([], k(py.eval("{1: 2}"))), PyTypeError);
        // methods of builtins
        assert.deepEqual(
          k(k(PyString.new(py, "a,b")).callMethod1("split", ",")).toJs(),
          ["a", "b"],
        );
      })
    );
  });

  test("PyAny items: getItem, setItem, delItem, contains, len", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const l = k(py.eval("[1, 2, 3]"));
        assert.equal(k(l.getItem(0)).toJs(), 1);
        assert.equal(k(l.getItem(-1)).toJs(), 3);
        l.setItem(1, "two");
        assert.deepEqual(l.toJs(), [1, "two", 3]);
        l.delItem(0);
        assert.deepEqual(l.toJs(), ["two", 3]);
        assert.ok(l.contains(3));
        assert.ok(!l.contains(1));
        assert.equal(l.len(), 2);
        throwsLike(() => l.getItem(5), PyIndexError, "list index out of range");
        throwsLike(
          () => l.getItem("x"),
          PyTypeError,
          "list indices must be integers or slices, not str",
        );
        // a dict seen as PyAny raises KeyError for a missing key
        const d = k(py.eval("{'a': 1}"));
        assert.ok(!(d instanceof PyDict), "py.eval returns a plain PyAny");
        const e = throwsLike(
          () => d.getItem("missing"),
          PyKeyError,
          "'missing'",
        );
        assert.equal(e.typeName, "KeyError");
        throwsLike(() => d.delItem("missing"), PyKeyError);
        d.setItem("b", 2);
        assert.equal(k(d.getItem("b")).toJs(), 2);
        assert.ok(d.contains("a"));
        assert.equal(d.len(), 2);
        assert.ok(k(PyString.new(py, "hello")).contains("ell"));
        assert.equal(
          k(PyString.new(py, "h\u{1F600}")).len(),
          2,
          "len counts code points",
        );
        throwsLike(() => k(PyString.new(py, "abc")).contains(1), PyTypeError);
      })
    );
  });

  test("PyAny tests: isNone, isTruthy, isCallable", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const truthy: [string, boolean][] = [
          ["0", false],
          ["1", true],
          ["''", false],
          ["'a'", true],
          ["[]", false],
          ["[0]", true],
          ["{}", false],
          ["None", false],
          ["0.0", false],
          ["object()", true],
        ];
        for (const [code, want] of truthy) {
          assert.equal(k(py.eval(code)).isTruthy(), want, code);
        }
        assert.ok(k(py.eval("None")).isNone());
        assert.ok(!k(py.eval("0")).isNone());
        assert.ok(k(py.eval("len")).isCallable());
        assert.ok(k(py.eval("int")).isCallable());
        assert.ok(k(py.eval("lambda: 0")).isCallable());
        assert.ok(!k(py.eval("1")).isCallable());
        const bad = k(
          py.eval("type('B', (), {'__bool__': lambda self: 1/0})()"),
        );
        throwsLike(() => bad.isTruthy(), PyZeroDivisionError);
      })
    );
  });

  test("PyAny iteration: iter() and for...of", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const out: unknown[] = [];
        for (const x of k(py.eval("[1, 'a', None]"))) out.push(k(x).toJs());
        assert.deepEqual(out, [1, "a", null]);
        const keys: unknown[] = [];
        for (const x of k(py.eval("{'a': 1, 'b': 2}"))) keys.push(k(x).toJs());
        assert.deepEqual(keys, ["a", "b"]);
        const gen: unknown[] = [];
        for (const x of k(py.eval("(i * i for i in range(4))"))) {
          gen.push(k(x).toJs());
        }
        assert.deepEqual(gen, [0, 1, 4, 9]);
        const it = k(k(py.eval("range(3)")).iter());
        assert.ok(it instanceof PyIterator);
        assert.equal(k(it.nextItem()!).toJs(), 0);
        const rest: unknown[] = [];
        for (const x of it) rest.push(k(x).toJs());
        assert.deepEqual(rest, [1, 2]);
        assert.equal(it.nextItem(), undefined);
        // spread and Array.from work
        assert.deepEqual([...k(py.eval("'abc'"))].map((x) => k(x).toJs()), [
          "a",
          "b",
          "c",
        ]);
        // an exception from __next__ surfaces from the loop
        const g = k(PyDict.new(py));
        py.run("def gen():\n    yield 1\n    raise KeyError('mid')\n", g);
        const seen: unknown[] = [];
        throwsLike(
          () => {
            for (const x of k(k(g.getItem("gen")!).call0())) {
              seen.push(k(x).toJs());
            }
          },
          PyKeyError,
          "'mid'",
        );
        assert.deepEqual(seen, [1]);
      })
    );
  });

  test("PyAny repr, str, toString", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const s = k(py.eval("'a\\nb'"));
        assert.equal(s.repr(), "'a\\nb'");
        assert.equal(s.str(), "a\nb");
        assert.equal(s.toString(), "a\nb");
        assert.equal(`${k(py.eval("[1, 'x']"))}`, "[1, 'x']");
        assert.equal(String(k(py.eval("3.5"))), "3.5");
        const g = k(PyDict.new(py));
        py.run(
          "class Bad:\n    def __repr__(self):\n        raise ValueError('bad repr')\n    def __str__(self):\n        raise ValueError('bad str')\nb = Bad()\n",
          g,
        );
        const b = k(g.getItem("b")!);
        throwsLike(() => b.repr(), PyValueError, "bad repr");
        throwsLike(() => b.str(), PyValueError, "bad str");
        const placeholder = b.toString();
        assert.match(
          placeholder,
          /bad str/,
          "toString never throws; it names the error",
        );
        assert.match(placeholder, /^<PyAny: /);
        assert.equal(
          k(py.eval("1 + 1")).toJs(),
          2,
          "no Python error is left pending",
        );
      })
    );
  });

  test("PyAny getType, isInstance, isInstanceOf, PyType", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const three = k(py.eval("3"));
        const t = k(three.getType());
        assert.ok(t.isInstanceOf(PyType));
        const tt = t.downcast(PyType);
        assert.equal(tt.name(), "int");
        assert.equal(tt.qualname(), "int");
        assert.equal(tt.module(), "builtins");
        assert.ok(t.is(k(py.eval("int"))));
        assert.ok(three.isInstance(t));
        assert.ok(three.isInstance(k(py.eval("object"))));
        assert.ok(!three.isInstance(k(py.eval("str"))));
        assert.ok(k(py.eval("True")).isInstance(t), "bool is an int");
        assert.ok(
          three.isInstance(k(py.eval("(str, int)"))),
          "a tuple of types, as isinstance",
        );
        throwsLike(() => three.isInstance(k(py.eval("1"))), PyTypeError);
        const g = k(PyDict.new(py));
        py.run("class Outer:\n    class Inner:\n        pass\n", g);
        const inner = k(py.eval("Outer.Inner", g)).downcast(PyType);
        assert.equal(inner.name(), "Inner");
        assert.equal(inner.qualname(), "Outer.Inner");
        assert.equal(
          inner.module(),
          "builtins",
          "module of a class made in a bare globals dict",
        );
        assert.ok(inner.isSubclassOf(k(py.eval("object"))));
        assert.ok(k(py.eval("bool")).downcast(PyType).isSubclassOf(t));
        assert.ok(!t.downcast(PyType).isSubclassOf(k(py.eval("str"))));
      })
    );
  });

  test("isInstanceOf and downcast agree with Python's isinstance for every concrete class", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run(
          "import types, collections.abc, json\nclass D(dict): pass\nclass L(list): pass\nclass I(int): pass\nclass S(str): pass\nvalues = [{}, D(), [], L(), (), 'a', S('s'), b'b', bytearray(b'x'), 1, I(2), True, 1.5, {1}, frozenset(), slice(1), iter([]), (x for x in ()), int, json, None, object()]\n",
          g,
        );
        const classes: [Stable.PyTypeInfo<Any> & { name: string }, string][] = [
          [PyAny, "object"],
          [PyDict, "dict"],
          [PyList, "list"],
          [PyTuple, "tuple"],
          [PyString, "str"],
          [PyBytes, "bytes"],
          [PyByteArray, "bytearray"],
          [PyInt, "int"],
          [PyFloat, "float"],
          [PyBool, "bool"],
          [PySet, "set"],
          [PyFrozenSet, "frozenset"],
          [PySlice, "slice"],
          [PyIterator, "collections.abc.Iterator"],
          [PyType, "type"],
          [PyModule, "types.ModuleType"],
        ];
        const values = [...k(g.getItem("values")!)].map(k);
        for (const [cls, pyType] of classes) {
          assert.equal(cls.typeName, cls.name, `${cls.name}.typeName`);
          for (const v of values) {
            const want = k(
              py.eval(
                `isinstance(v, ${pyType})`,
                g,
                k(PyDict.fromEntries(py, { v })),
              ),
            ).isTruthy();
            assert.equal(
              v.isInstanceOf(cls),
              want,
              `${v.repr()} isInstanceOf ${cls.name}`,
            );
            if (want) {
              const d = v.downcast(cls);
              assert.ok(
                d instanceof (cls as unknown as ErrClass),
                `downcast gives a ${cls.name}`,
              );
              assert.ok(d.is(v));
            } else {
              const tn = k(v.getType()).downcast(PyType).name();
              throwsLike(
                () => v.downcast(cls),
                PyTypeError,
                `'${tn}' object cannot be converted to '${cls.typeName}'`,
              );
            }
          }
        }
        throwsLike(
          () => k(py.eval("1")).downcast(PyDict),
          PyTypeError,
          "'int' object cannot be converted to 'PyDict'",
        );
      })
    );
  });

  test("PyAny extract and toJs", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const v = k(
          py.eval(
            "{'a': [1, 2.5, 'x', b'\\x00', None, True, (1,), {3}, bytearray(b'z')]}",
          ),
        );
        assert.deepEqual(
          v.toJs(),
          new Map([["a", [
            1,
            2.5,
            "x",
            new Uint8Array([0]),
            null,
            true,
            [1],
            new Set([3]),
            new Uint8Array([122]),
          ]]]),
        );
        assert.deepEqual(
          v.extract(
            Extract.dict(
              Extract.str,
              Extract.list({ extract: (o: Any) => o.repr() }),
            ),
          ),
          new Map([["a", [
            "1",
            "2.5",
            "'x'",
            "b'\\x00'",
            "None",
            "True",
            "(1,)",
            "{3}",
            "bytearray(b'z')",
          ]]]),
        );
        throwsLike(
          () => k(py.eval("object()")).toJs(),
          PyTypeError,
          /'object' object has no JS equivalent/,
        );
        // number-like objects convert through __index__ / __float__
        assert.equal(
          k(py.eval("__import__('fractions').Fraction(1, 4)")).toJs(),
          0.25,
        );
        assert.equal(
          k(py.eval("type('I', (), {'__index__': lambda s: 7})()")).toJs(),
          7,
        );
        assert.equal(
          k(py.eval("type('F', (), {'__float__': lambda s: 0.5})()")).toJs(),
          0.5,
        );
      })
    );
  });

  test("PyAny rich comparison eq/ne/lt/le/gt/ge, hash, is", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const two = k(py.eval("2"));
        assert.ok(two.eq(2) && two.eq(2.0) && two.eq(2n) && !two.eq("2"));
        assert.ok(two.ne(3) && !two.ne(2));
        assert.ok(
          two.lt(3) && !two.lt(2) && two.le(2) && two.gt(1) && !two.gt(2) &&
            two.ge(2),
        );
        assert.ok(two.eq(k(py.eval("2"))));
        assert.ok(k(py.eval("[1, [2]]")).eq([1, [2]]));
        assert.ok(k(py.eval("'b'")).gt("a"));
        throwsLike(
          () => two.lt("a"),
          PyTypeError,
          "'<' not supported between instances of 'int' and 'str'",
        );
        const nan = k(py.eval("float('nan')"));
        assert.ok(!nan.eq(NaN) && nan.ne(NaN));
        // hash
        assert.equal(k(py.eval("1")).hash(), 1n);
        assert.equal(k(py.eval("-1")).hash(), -2n, "hash(-1) is -2 in CPython");
        assert.equal(k(py.eval("12345")).hash(), 12345n);
        const s = k(PyString.new(py, "hash me"));
        const pyHash = k(k(py.builtins()).getattr("hash")).call1(s).extract(
          Extract.bigint,
        );
        assert.equal(s.hash(), pyHash, "exact, even beyond 2**53");
        assert.equal(
          k(py.eval("(1, 'a')")).hash(),
          k(PyTuple.new(py, [1, "a"])).hash(),
        );
        throwsLike(
          () => k(py.eval("[]")).hash(),
          PyTypeError,
          "unhashable type: 'list'",
        );
        const g = k(PyDict.new(py));
        py.run(
          "class H:\n    def __hash__(self):\n        raise ValueError('no hash')\n    def __eq__(self, o):\n        raise ValueError('no eq')\nh = H()\n",
          g,
        );
        const h = k(g.getItem("h")!);
        throwsLike(() => h.hash(), PyValueError, "no hash");
        throwsLike(() => h.eq(1), PyValueError, "no eq");
        // is
        const a = k(py.eval("[]"));
        assert.ok(a.is(a));
        assert.ok(!a.is(k(py.eval("[]"))));
        assert.ok(a.is(k(a.clone())));
        assert.ok(k(py.eval("None")).is(k(py.None())));
      })
    );
  });

  test("refCnt matches sys.getrefcount", () => {
    Python.withGil((py) => {
      const f = freshFixture(py);
      const base = f.S.refCnt();
      // getrefcount sees the argument tuple's reference too
      assert.equal(sysRefcount(py, f.S), base + 1);
      region(py, (k) => {
        const extra = [k(f.S.clone()), k(f.S.clone())];
        assert.equal(f.S.refCnt(), base + 2);
        assert.equal(sysRefcount(py, f.S), base + 3);
        assert.equal(extra.length, 2);
      });
      assert.equal(f.S.refCnt(), base);
    });
  });

  // ==================================================================================
  // Concrete types
  // ==================================================================================

  test("PyDict: new, fromEntries (Map, object, pairs, iterable), getItem -> undefined", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const d = k(PyDict.new(py));
        assert.equal(d.len(), 0);
        assert.equal(d.repr(), "{}");
        const fromMap = k(
          PyDict.fromEntries(
            py,
            new Map<unknown, unknown>([[1, "a"], ["b", [2]]]),
          ),
        );
        assert.equal(fromMap.repr(), "{1: 'a', 'b': [2]}");
        const fromObj = k(PyDict.fromEntries(py, { x: 1, y: { z: null } }));
        assert.equal(fromObj.repr(), "{'x': 1, 'y': {'z': None}}");
        const fromPairs = k(
          PyDict.fromEntries(py, [["p", 1], [2n ** 70n, true]]),
        );
        assert.equal(
          fromPairs.repr(),
          "{'p': 1, 1180591620717411303424: True}",
        );
        function* gen(): Generator<[string, number]> {
          yield ["g", 1];
          yield ["h", 2];
        }
        assert.equal(
          k(PyDict.fromEntries(py, gen())).repr(),
          "{'g': 1, 'h': 2}",
        );
        assert.equal(
          k(PyDict.fromEntries(
            py,
            Object.create(null) as Record<string, unknown>,
          )).len(),
          0,
        );
        // getItem: undefined for a missing key, a PyAny otherwise
        assert.equal(fromObj.getItem("missing"), undefined);
        assert.equal(k(fromObj.getItem("x")!).toJs(), 1);
        assert.equal(k(fromMap.getItem(1)!).toJs(), "a");
        assert.equal(
          k(fromMap.getItem(1.0)!).toJs(),
          "a",
          "1 and 1.0 are the same key",
        );
        throwsLike(
          () => fromMap.getItem([1]),
          PyTypeError,
          "unhashable type: 'list'",
        );
        // the same dict viewed as PyAny raises KeyError
        const asAny = k(
          py.eval("d", k(PyDict.fromEntries(py, { d: fromObj }))),
        );
        throwsLike(() => asAny.getItem("missing"), PyKeyError, "'missing'");
        throwsLike(
          () => PyDict.fromEntries(py, [["k", Symbol("s")]]),
          PyTypeError,
          /symbol/,
        );
      })
    );
  });

  test("PyDict: setItem, contains, delItem, len, keys/values/items/entries, copy, update, clear", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const d = k(PyDict.new(py));
        d.setItem("a", 1);
        d.setItem(2, [3]);
        d.setItem(k(PyString.new(py, "c")), k(py.eval("None")));
        assert.equal(d.len(), 3);
        assert.ok(
          d.contains("a") && d.contains(2) && d.contains(2.0) &&
            !d.contains("zz"),
        );
        throwsLike(
          () => d.contains([]),
          PyTypeError,
          "unhashable type: 'list'",
        );
        throwsLike(
          () => d.setItem([], 1),
          PyTypeError,
          "unhashable type: 'list'",
        );
        assert.deepEqual(k(d.keys()).toJs(), ["a", 2, "c"]);
        assert.ok(k(d.keys()) instanceof PyList);
        assert.deepEqual(k(d.values()).toJs(), [1, [3], null]);
        assert.deepEqual(k(d.items()).toJs(), [["a", 1], [2, [3]], [
          "c",
          null,
        ]]);
        const ents: unknown[] = [];
        for (const [kk, vv] of d.entries()) {
          ents.push([k(kk).toJs(), k(vv).toJs()]);
        }
        assert.deepEqual(ents, [["a", 1], [2, [3]], ["c", null]]);
        const c = k(d.copy());
        assert.ok(c instanceof PyDict && !c.is(d));
        c.setItem("new", 1);
        assert.ok(!d.contains("new"), "copy is independent");
        assert.ok(k(c.getItem(2)!).is(k(d.getItem(2)!)), "copy is shallow");
        d.update(new Map([["a", 10]]));
        d.update({ b: 20 });
        d.update(c); // c was copied before: its 'a' is 1
        assert.deepEqual(
          d.toJs(),
          new Map<unknown, unknown>([
            ["a", 1],
            [2, [3]],
            ["c", null],
            ["b", 20],
            ["new", 1],
          ]),
        );
        throwsLike(() => d.update(k(py.eval("[1]"))), PyAttributeError);
        d.delItem("a");
        assert.ok(!d.contains("a"));
        throwsLike(() => d.delItem("a"), PyKeyError, "'a'");
        d.clear();
        assert.equal(d.len(), 0);
        assert.deepEqual(d.toJs(), new Map());
      })
    );
  });

  test("PyList: new, getItem, setItem, append, insert, sort, reverse, toTuple, getSlice", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const l = k(PyList.new(py, [3, 1, 2]));
        assert.equal(l.len(), 3);
        assert.equal(k(PyList.new(py)).len(), 0);
        assert.deepEqual(k(PyList.new(py, new Set(["a", "b"]))).toJs(), [
          "a",
          "b",
        ]);
        assert.equal(k(l.getItem(0)).toJs(), 3);
        assert.equal(k(l.getItem(-1)).toJs(), 2);
        throwsLike(() => l.getItem(3), PyIndexError, "list index out of range");
        throwsLike(
          () => l.getItem(-4),
          PyIndexError,
          "list index out of range",
        );
        l.append("x");
        l.insert(0, null);
        assert.deepEqual(l.toJs(), [null, 3, 1, 2, "x"]);
        l.delItem(0);
        l.delItem(-1);
        l.sort();
        assert.deepEqual(l.toJs(), [1, 2, 3]);
        l.reverse();
        assert.deepEqual(l.toJs(), [3, 2, 1]);
        l.setItem(0, 30);
        assert.deepEqual(l.toJs(), [30, 2, 1]);
        const t = k(l.toTuple());
        assert.ok(t instanceof PyTuple);
        assert.equal(t.repr(), "(30, 2, 1)");
        assert.deepEqual(k(l.getSlice(1, 3)).toJs(), [2, 1]);
        assert.deepEqual(k(l.getSlice(2, 100)).toJs(), [1]);
        assert.deepEqual(
          k(l.getItem(k(PySlice.new(py, null, null, -1)))).toJs(),
          [1, 2, 30],
        );
        const mixed = k(PyList.new(py, [1, "a"]));
        throwsLike(
          () => mixed.sort(),
          PyTypeError,
          "'<' not supported between instances of 'str' and 'int'",
        );
      })
    );
  });

  test("PyTuple: new, empty, getItem, len, toList, getSlice, immutability", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const t = k(PyTuple.new(py, [1, "two", 3.0]));
        assert.equal(
          t.repr(),
          "(1, 'two', 3)",
          "3.0 is a safe integer: it converts to int",
        );
        assert.equal(k(PyTuple.new(py, [1])).repr(), "(1,)");
        assert.equal(k(PyTuple.new(py, new Set([5]))).repr(), "(5,)");
        const e = k(PyTuple.empty(py));
        assert.equal(e.len(), 0);
        assert.equal(e.repr(), "()");
        assert.equal(k(PyTuple.new(py)).repr(), "()");
        assert.equal(t.len(), 3);
        assert.equal(k(t.getItem(1)).toJs(), "two");
        assert.equal(k(t.getItem(-1)).toJs(), 3);
        throwsLike(
          () => t.getItem(3),
          PyIndexError,
          "tuple index out of range",
        );
        const l = k(t.toList());
        assert.ok(l instanceof PyList);
        assert.deepEqual(l.toJs(), [1, "two", 3]);
        assert.equal(k(t.getSlice(0, 2)).repr(), "(1, 'two')");
        throwsLike(
          () => t.setItem(0, 1),
          PyTypeError,
          "'tuple' object does not support item assignment",
        );
        assert.ok(
          t.eq([1, "two", 3]) === false,
          "a tuple is not equal to a list",
        );
        assert.ok(t.eq(k(PyTuple.new(py, [1, "two", 3]))));
      })
    );
  });

  test("PyString: new, intern, toStr, NUL, astral and lone surrogates, leading U+FEFF", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const samples = [
          "",
          "héllo",
          "a\0b",
          "\u{1F600}x",
          "\ud800",
          "x\udfffy",
          "\udc00\ud800",
          "\ud83d\ude00",
          // U+FEFF at the start is text; a default TextDecoder would drop it.
          "\ufeff",
          "\ufeffab\ufeff",
        ];
        for (const s of samples) {
          const p = k(PyString.new(py, s));
          assert.equal(p.toStr(), s, JSON.stringify(s));
          assert.equal(p.toJs(), s);
          assert.equal(p.extract(Extract.str), s);
          assert.equal(p.len(), [...s].length, `len of ${JSON.stringify(s)}`);
          assert.equal(p.repr(), k(py.eval(pyLiteral(s))).repr());
        }
        const a = k(PyString.intern(py, "pyembed_interned_name"));
        const b = k(PyString.intern(py, "pyembed_interned_name"));
        assert.ok(a.is(b), "interned strings are the same object");
        assert.equal(a.toStr(), "pyembed_interned_name");
        assert.ok(k(PyString.new(py, "abc")).eq("abc"));
        assert.ok(k(PyString.new(py, "x")).isInstanceOf(PyString));
      })
    );
  });

  test("PyBytes and PyByteArray", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const data = new Uint8Array([0, 1, 255, 0, 65]);
        const b = k(PyBytes.new(py, data));
        assert.deepEqual(b.asBytes(), data);
        assert.equal(b.len(), 5);
        assert.equal(b.repr(), "b'\\x00\\x01\\xff\\x00A'");
        assert.deepEqual(b.toJs(), data);
        assert.deepEqual(b.extract(Extract.bytes), data);
        assert.equal(k(PyBytes.new(py, new Uint8Array())).repr(), "b''");
        const big = new Uint8Array(1 << 20).map((_, i) => i * 7);
        assert.deepEqual(k(PyBytes.new(py, big)).asBytes(), big);
        // a subarray view converts only its own bytes
        assert.equal(
          k(PyBytes.new(py, data.subarray(1, 3))).repr(),
          "b'\\x01\\xff'",
        );
        const ba = k(PyByteArray.new(py, new Uint8Array([1, 2])));
        ba.callMethod1("append", 3);
        assert.deepEqual(ba.toBytes(), new Uint8Array([1, 2, 3]));
        assert.deepEqual(ba.toJs(), new Uint8Array([1, 2, 3]));
        assert.equal(ba.repr(), "bytearray(b'\\x01\\x02\\x03')");
        assert.ok(!ba.isInstanceOf(PyBytes) && !b.isInstanceOf(PyByteArray));
        assert.deepEqual(
          k(PyByteArray.new(py, new Uint8Array())).toBytes(),
          new Uint8Array(),
        );
        throwsLike(
          () => ba.extract(Extract.bytes),
          PyTypeError,
          "'bytearray' object cannot be converted to 'PyBytes'",
        );
      })
    );
  });

  test("PyInt, PyFloat, PyBool", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        assert.equal(k(PyInt.new(py, 5)).value(), 5);
        assert.equal(k(PyInt.new(py, -5n)).value(), -5);
        assert.equal(k(PyInt.new(py, 2n ** 100n)).value(), 2n ** 100n);
        assert.equal(
          k(PyInt.new(py, 2n ** 100n)).repr(),
          "1267650600228229401496703205376",
        );
        assert.equal(
          k(PyInt.new(py, 2 ** 60)).repr(),
          String(2n ** 60n),
          "an integral number beyond 2^53 is exact",
        );
        assert.equal(k(PyInt.new(py, -0)).repr(), "0");
        throwsLike(() => PyInt.new(py, 1.5), PyTypeError, /not an integer/);
        throwsLike(() => PyInt.new(py, NaN), PyTypeError, /not an integer/);
        const f = k(PyFloat.new(py, 2));
        assert.equal(f.repr(), "2.0");
        assert.equal(f.value(), 2);
        assert.ok(f.isInstanceOf(PyFloat) && !f.isInstanceOf(PyInt));
        assert.equal(k(PyFloat.new(py, -0)).repr(), "-0.0");
        assert.ok(Object.is(k(PyFloat.new(py, -0)).value(), -0));
        assert.ok(Number.isNaN(k(PyFloat.new(py, NaN)).value()));
        assert.equal(k(PyFloat.new(py, -Infinity)).repr(), "-inf");
        assert.equal(k(PyFloat.new(py, 0.1)).repr(), "0.1");
        const t = k(PyBool.new(py, true));
        const fa = k(PyBool.new(py, false));
        assert.ok(t.isTrue() && !fa.isTrue());
        assert.ok(t.is(k(py.eval("True"))) && fa.is(k(py.eval("False"))));
        assert.ok(t.isInstanceOf(PyInt), "bool is an int");
        assert.ok(!k(py.eval("1")).isInstanceOf(PyBool));
        assert.equal(t.toJs(), true);
        assert.equal(t.repr(), "True");
      })
    );
  });

  test("PySet and PyFrozenSet", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const s = k(PySet.new(py, [1, 2]));
        assert.equal(s.len(), 2);
        s.add(3);
        s.add(3);
        assert.equal(s.len(), 3);
        assert.ok(s.contains(3) && !s.contains(4));
        assert.equal(s.discard(1), true);
        assert.equal(s.discard(1), false);
        assert.deepEqual(s.toJs(), new Set([2, 3]));
        throwsLike(() => s.add([]), PyTypeError, "unhashable type: 'list'");
        throwsLike(
          () => s.contains([]),
          PyTypeError,
          "unhashable type: 'list'",
        );
        const popped = [k(s.pop()).toJs(), k(s.pop()).toJs()].sort();
        assert.deepEqual(popped, [2, 3]);
        throwsLike(() => s.pop(), PyKeyError, "'pop from an empty set'");
        assert.equal(k(PySet.new(py)).repr(), "set()");
        assert.deepEqual(
          k(PySet.new(py, new Set(["a"]))).toJs(),
          new Set(["a"]),
        );
        const fs = k(PyFrozenSet.new(py, ["a", "b", "a"]));
        assert.equal(fs.len(), 2);
        assert.ok(fs.contains("a") && !fs.contains("c"));
        assert.equal(fs.hash(), k(py.eval("frozenset(['a', 'b'])")).hash());
        assert.deepEqual(fs.toJs(), new Set(["a", "b"]));
        assert.ok(!fs.isInstanceOf(PySet) && !s.isInstanceOf(PyFrozenSet));
        throwsLike(() => fs.callMethod1("add", "c"), PyAttributeError);
        assert.equal(k(PyFrozenSet.new(py)).repr(), "frozenset()");
        throwsLike(
          () => PySet.new(py, [[1]]),
          PyTypeError,
          "unhashable type: 'list'",
        );
      })
    );
  });

  test("PySlice and PyIterator", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const sl = k(PySlice.new(py, 2, 8, 2));
        assert.equal(sl.repr(), "slice(2, 8, 2)");
        assert.equal(k(PySlice.new(py)).repr(), "slice(None, None, None)");
        assert.equal(
          k(PySlice.new(py, null, 3)).repr(),
          "slice(None, 3, None)",
        );
        assert.equal(
          k(PySlice.new(py, 2n ** 70n)).repr(),
          `slice(${2n ** 70n}, None, None)`,
        );
        const r = k(py.eval("list(range(10))"));
        assert.deepEqual(k(r.getItem(sl)).toJs(), [2, 4, 6]);
        r.setItem(k(PySlice.new(py, 0, 2)), ["a"]);
        assert.deepEqual(r.toJs(), ["a", 2, 3, 4, 5, 6, 7, 8, 9]);
        r.delItem(k(PySlice.new(py, 1, null)));
        assert.deepEqual(r.toJs(), ["a"]);
        // iterators
        const it = k(k(py.eval("iter([10, 20])")).downcast(PyIterator));
        assert.equal(k(it.nextItem()!).toJs(), 10);
        assert.equal(k(it.nextItem()!).toJs(), 20);
        assert.equal(it.nextItem(), undefined);
        assert.equal(it.nextItem(), undefined);
        const gen = k(k(py.eval("(c for c in 'ab')")).downcast(PyIterator));
        assert.deepEqual([...gen].map((x) => k(x).toJs()), ["a", "b"]);
        throwsLike(
          () => k(py.eval("[1]")).downcast(PyIterator),
          PyTypeError,
          "'list' object cannot be converted to 'PyIterator'",
        );
        const g = k(PyDict.new(py));
        py.run("def gen():\n    yield 1\n    raise IndexError('x')\n", g);
        const bad = k(k(py.eval("gen()", g)).downcast(PyIterator));
        assert.equal(k(bad.nextItem()!).toJs(), 1);
        throwsLike(() => bad.nextItem(), PyIndexError, "x");
      })
    );
  });

  test("PyModule: import, new, fromCode, dict, name, add, register", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const modName = `pyembed_suite_fromcode_${name}`;
        const m = k(
          PyModule.fromCode(
            py,
            "def double(x):\n    return 2 * x\nVALUE = 7\n",
            `${modName}.py`,
            modName,
          ),
        );
        assert.equal(m.name(), modName);
        assert.equal(k(k(m.getattr("double")).call1(21)).toJs(), 42);
        assert.equal(k(m.getattr("__file__")).toJs(), `${modName}.py`);
        const again = k(py.import(modName));
        assert.ok(again.is(m), "fromCode registers the module in sys.modules");
        assert.equal(k(PyModule.import(py, modName)).name(), modName);
        const d = k(m.dict());
        assert.ok(d instanceof PyDict);
        assert.equal(k(d.getItem("VALUE")!).toJs(), 7);
        m.add("added", [1, 2]);
        assert.deepEqual(k(m.getattr("added")).toJs(), [1, 2]);
        throwsLike(
          () => PyModule.fromCode(py, "def (:", "bad.py", `${modName}_bad`),
          PySyntaxError,
        );
        throwsLike(() =>
          PyModule.fromCode(
            py,
            "raise KeyError('at import')",
            "raise.py",
            `${modName}_raise`,
          ), PyKeyError);
        const newName = `pyembed_suite_new_${name}`;
        const nm = k(PyModule.new(py, newName));
        assert.equal(nm.name(), newName);
        throwsLike(() => py.import(newName), PyModuleNotFoundError);
        nm.add("answer", 42);
        nm.register();
        assert.equal(k(k(py.import(newName)).getattr("answer")).toJs(), 42);
      })
    );
  });

  // ==================================================================================
  // Reference counts
  // ==================================================================================

  type During = "more" | "same" | "any";
  interface Op {
    name: string;
    during: During;
    /** Which fixture object's count to watch (default `S`). */
    probe?: (f: Fix) => Any;
    run(py: Token, f: Fix, keep: Keep): void;
  }
  const noneDuring = (): During => (immortal() ? "any" : "more");
  /** An operation that holds one more reference to the probe while its result lives. */
  const more = (name: string, run: Op["run"]): Op => ({
    name,
    during: "more",
    run,
  });
  const OPS: Op[] = [
    more("getattr(str)", (_, f, k) => void k(f.box.getattr("attr"))),
    more(
      "getattr(PyString)",
      (py, f, k) => void k(f.box.getattr(k(PyString.new(py, "attr")))),
    ),
    {
      name: "setattr + hasattr + delattr",
      during: "same",
      run: (_, f) => {
        f.box.setattr("other", f.S);
        assert.ok(f.box.hasattr("other"));
        f.box.delattr("other");
      },
    },
    more("call0", (_, f, k) => void k(f.box.call0())),
    more(
      "call(args, kwargs object)",
      (_, f, k) => void k(f.box.call([f.S, 1], { k: f.S })),
    ),
    more(
      "call(args, Map kwargs)",
      (_, f, k) => void k(f.box.call([f.S], new Map([["k", f.S]]))),
    ),
    more(
      "call(args, PyDict kwargs)",
      (py, f, k) =>
        void k(f.box.call([], k(PyDict.fromEntries(py, { k: f.S })))),
    ),
    more(
      "call1 (same object many times)",
      (_, f, k) => void k(f.box.call1(f.S, f.S, f.S)),
    ),
    more(
      "callMethod",
      (_, f, k) => void k(f.box.callMethod("meth", [f.S], { k: f.S })),
    ),
    more("callMethod0", (_, f, k) => void k(f.box.callMethod0("meth"))),
    more("callMethod1", (_, f, k) => void k(f.box.callMethod1("meth", f.S))),
    more("PyAny.getItem", (_, f, k) => void k(f.box.getItem(0))),
    more("PyList.getItem(i) (borrowed)", (_, f, k) => void k(f.lst.getItem(1))),
    more("PyList.getItem(-1)", (_, f, k) => void k(f.lst.getItem(-1))),
    more(
      "PyTuple.getItem(i) (borrowed)",
      (_, f, k) => void k(f.tup.getItem(2)),
    ),
    more("PyTuple.getItem(-1)", (_, f, k) => void k(f.tup.getItem(-1))),
    more("PyDict.getItem (borrowed)", (_, f, k) => void k(f.dct.getItem("a")!)),
    {
      name: "PyDict.getItem missing -> undefined",
      during: "same",
      run: (_, f) => assert.equal(f.dct.getItem("zz"), undefined),
    },
    more("PyDict.keys", (_, f, k) => void k(f.dct.keys())),
    more("PyDict.values", (_, f, k) => void k(f.dct.values())),
    more("PyDict.items", (_, f, k) => void k(f.dct.items())),
    more("PyDict.copy", (_, f, k) => void k(f.dct.copy())),
    more(
      "PyDict.entries",
      (_, f, k) => {
        for (const [a, b] of f.dct.entries()) k(a), k(b);
      },
    ),
    more("PyDict.update", (py, f, k) => k(PyDict.new(py)).update(f.dct)),
    more(
      "PyDict.fromEntries(pairs)",
      (py, f, k) => void k(PyDict.fromEntries(py, [["k", f.S]])),
    ),
    more(
      "PyDict.fromEntries(Map)",
      (py, f, k) => void k(PyDict.fromEntries(py, new Map([[f.S, f.S]]))),
    ),
    more(
      "PyDict.fromEntries(object)",
      (py, f, k) => void k(PyDict.fromEntries(py, { a: f.S })),
    ),
    {
      name: "PyDict setItem/contains/delItem",
      during: "same",
      run: (py, f, k) => {
        const d = k(PyDict.new(py));
        d.setItem(f.S, f.S);
        assert.ok(d.contains(f.S));
        d.delItem(f.S);
      },
    },
    more("PyList.new", (py, f, k) => void k(PyList.new(py, [f.S, f.S]))),
    more(
      "PyList append/insert/toTuple/getSlice",
      (py, f, k) => {
        const l = k(PyList.new(py));
        l.append(f.S);
        l.insert(0, f.S);
        k(l.toTuple());
        k(l.getSlice(0, 1));
      },
    ),
    more(
      "PyTuple.new/toList/getSlice",
      (py, f, k) => {
        const t = k(PyTuple.new(py, [f.S]));
        k(t.toList());
        k(t.getSlice(0, 1));
      },
    ),
    more(
      "PySet new/add/discard/pop",
      (py, f, k) => {
        const s = k(PySet.new(py, [f.S]));
        s.add(f.S);
        assert.ok(s.contains(f.S));
        k(s.pop());
        s.add(f.S);
        s.discard(f.S);
        s.add(f.S);
      },
    ),
    more("PyFrozenSet.new", (py, f, k) => void k(PyFrozenSet.new(py, [f.S]))),
    more(
      "iter() + nextItem()",
      (_, f, k) => {
        const it = k(f.box.iter());
        k(it.nextItem()!);
        k(it.nextItem()!);
      },
    ),
    more(
      "for...of, run to the end",
      (_, f, k) => {
        for (const x of f.lst) k(x);
      },
    ),
    more(
      "for...of, break early",
      (_, f, k) => {
        for (const x of f.box) {
          k(x);
          break;
        }
      },
    ),
    more(
      "for...of, exception in the body",
      (_, f, k) => {
        assert.throws(() => {
          for (const x of f.lst) {
            k(x);
            throw new Error("body");
          }
        }, /body/);
      },
    ),
    {
      name: "getType",
      during: "more",
      probe: (f) => f.Sentinel,
      run: (_, f, k) => void k(f.S.getType()),
    },
    { name: "clone", during: "more", run: (_, f, k) => void k(f.S.clone()) },
    {
      name: "downcast (shares the reference)",
      during: "same",
      run: (_, f) => void f.S.downcast(PyAny),
    },
    more(
      "Py.from + bind + dispose",
      (py, f, k) => void k(k(Py.from(f.S)).bind(py)),
    ),
    more(
      "clone + unbind + bind + cloneRef",
      (py, f, k) => {
        const p = k(k(f.S.clone()).unbind());
        k(p.bind(py));
        k(k(p.cloneRef(py)).bind(py));
      },
    ),
    more("py.eval", (py, f, k) => void k(py.eval("S", f.g))),
    more(
      "py.run with locals",
      (py, f, k) => py.run("y = S", f.g, k(PyDict.new(py))),
    ),
    {
      name:
        "eq/ne/lt.. /is/contains/hash/repr/str/isTruthy/isCallable/isInstance",
      during: "same",
      run: (_, f) => {
        assert.ok(f.S.eq(f.S) && !f.S.ne(f.S) && f.S.is(f.S));
        assert.throws(() => f.S.lt(f.S));
        assert.ok(f.lst.contains(f.S));
        f.S.hash();
        f.S.repr();
        f.S.str();
        f.S.isTruthy();
        f.S.isCallable();
        assert.ok(f.S.isInstance(f.Sentinel));
        assert.ok(f.S.isInstanceOf(PyAny));
      },
    },
    {
      name: "Extract.list / tuple / dict / set over objects",
      during: "any",
      run: (_, f) => {
        const same = { extract: (o: Any) => o.is(f.S) };
        assert.deepEqual(f.lst.extract(Extract.list(same)), [true, true, true]);
        assert.deepEqual(f.tup.extract(Extract.tuple(same, same, same)), [
          true,
          true,
          true,
        ]);
        assert.equal(
          f.dct.extract(Extract.dict({
            extract: (o: Any) => o.repr(),
          }, { extract: () => 1 })).size,
          2,
        );
      },
    },
    {
      name: "toJs of a container",
      during: "same",
      probe: (f) => f.lst,
      run: (_, f) => void assert.throws(() => f.lst.toJs(), /no JS equivalent/),
    },
    more(
      "PyModule.add + dict + getattr",
      (py, f, k) => {
        const m = k(PyModule.new(py, "tmp_refcount_mod"));
        m.add("S", f.S);
        k(m.dict());
        k(m.getattr("S"));
      },
    ),
    more(
      "slice getItem",
      (py, f, k) => void k(f.lst.getItem(k(PySlice.new(py, 0, 2)))),
    ),
    {
      name: "py.None()",
      during: noneDuring(),
      probe: (f) => f.g.getItem("N")!,
      run: (py, _, k) => void k(py.None()),
    },
    {
      name: "PyBool.new",
      during: noneDuring(),
      probe: (f) => f.g.getItem("T")!,
      run: (py, _, k) => void k(PyBool.new(py, true)),
    },
    {
      name: "misuse: call1 with an unconvertible argument after S",
      during: "same",
      run: (_, f) =>
        void throwsLike(() => f.box.call1(f.S, f.S, Symbol("x")), PyTypeError),
    },
    {
      name: "misuse: call with unconvertible kwargs",
      during: "same",
      run: (_, f) =>
        void throwsLike(
          () => f.box.call([f.S], { k: f.S, bad: Symbol("x") }),
          PyTypeError,
        ),
    },
    {
      name:
        "misuse: PyList.new / fromEntries / setItem with an unconvertible value",
      during: "same",
      run: (py, f, k) => {
        throwsLike(
          () => PyList.new(py, [f.S, f.S, new Date()]),
          PyTypeError,
          /Date/,
        );
        throwsLike(
          () => PyDict.fromEntries(py, { a: f.S, b: Symbol("x") }),
          PyTypeError,
        );
        throwsLike(() => PyTuple.new(py, [f.S, Symbol("x")]), PyTypeError);
        throwsLike(() => PySet.new(py, [f.S, Symbol("x")]), PyTypeError);
        const d = k(PyDict.new(py));
        throwsLike(() => d.setItem(f.S, Symbol("x")), PyTypeError);
        throwsLike(() => f.box.setattr("x", [f.S, Symbol("x")]), PyTypeError);
        assert.equal(d.len(), 0);
      },
    },
    {
      name: "a raising call; error released",
      during: "same",
      run: (_, f) =>
        throwsLike(() => f.boom.call1(f.S), PyValueError, "boom")
          .releaseValue(),
    },
  ];

  test("refcounts: every operation is undone when its region ends (withPool / dispose)", async (t) => {
    for (const op of OPS) {
      await t.step(op.name, () =>
        Python.withGil((py) => {
          const f = freshFixture(py);
          const probe = op.probe ? op.probe(f) : f.S;
          const before = probe.refCnt();
          let during = -1;
          region(py, (keep) => {
            op.run(py, f, keep);
            during = probe.refCnt();
          });
          const after = probe.refCnt();
          assert.equal(
            after,
            before,
            `${op.name}: refcount ${before} -> ${after} after the region (during: ${during})`,
          );
          if (op.during === "more") {
            assert.ok(
              during > before,
              `${op.name}: held no reference during the region`,
            );
          }
          if (op.during === "same") {
            assert.equal(
              during,
              before,
              `${op.name}: changed the count during the region`,
            );
          }
        }));
    }
  });

  test("refcounts: every operation is undone when its withGil scope ends (sys.getrefcount)", async (t) => {
    for (const op of OPS) {
      await t.step(op.name, () => {
        const count = () =>
          Python.withGil((py) => {
            const f = fixFrom(fixtureModule(py).dict());
            const probe = op.probe ? op.probe(f) : f.S;
            return sysRefcount(py, probe);
          });
        const before = count();
        Python.withGil((py) => {
          const f = fixFrom(fixtureModule(py).dict());
          const pys: Disposable_[] = [];
          // leave tier objects to the scope; dispose only the Py handles (they outlive scopes)
          op.run(py, f, (o) => {
            if (o instanceof Py) pys.push(o);
            return o;
          });
          for (const p of pys) p[Symbol.dispose]();
        });
        assert.equal(
          count(),
          before,
          `${op.name}: sys.getrefcount changed across scopes`,
        );
      });
    }
  });

  test("refcounts: an abandoned for...of iterator is released with its scope, and throws afterwards", () => {
    const keep = Python.withGil((py) => Py.from(PyList.new(py, [1, 2, 3])));
    const count = () => Python.withGil((py) => keep.refCnt(py));
    const before = count();
    let stash: Iterator<Any> | undefined;
    Python.withGil((py) => {
      stash = keep.bind(py)[Symbol.iterator]();
      assert.equal(stash.next().value?.toJs(), 1);
      assert.equal(
        keep.refCnt(py),
        before + 2,
        "the bound list and the iterator hold it",
      );
    });
    assert.equal(count(), before, "the iterator was released with the scope");
    Python.withGil(() => throwsLike(() => stash!.next(), Error, /released/));
    assert.deepEqual(
      stash!.next(),
      { done: true, value: undefined },
      "a failed iterator is closed",
    );
    assert.equal(count(), before);
    assert.deepEqual(
      stash!.return!(),
      { done: true, value: undefined },
      "return() after release is harmless",
    );
    keep[Symbol.dispose]();
  });

  test("refcounts: clone, downcast, Py.from, unbind/bind, Py dispose (double dispose harmless)", () => {
    Python.withGil((py) => {
      const f = freshFixture(py);
      const base = f.S.refCnt();
      const c = f.S.clone();
      assert.equal(f.S.refCnt(), base + 1);
      const view = c.downcast(PyAny);
      assert.equal(f.S.refCnt(), base + 1, "downcast takes no new reference");
      const p = Py.from(f.S);
      assert.equal(f.S.refCnt(), base + 2);
      assert.equal(p.refCnt(py), base + 2);
      const b = p.bind(py);
      assert.equal(f.S.refCnt(), base + 3);
      assert.ok(b.is(f.S));
      p[Symbol.dispose]();
      assert.ok(p.disposed);
      assert.equal(f.S.refCnt(), base + 2, "Py dispose releases at once");
      p[Symbol.dispose]();
      assert.equal(f.S.refCnt(), base + 2, "a second dispose is harmless");
      throwsLike(() => p.bind(py), Error, /disposed/);
      throwsLike(() => p.cloneRef(py), Error, /disposed/);
      const cr = Py.from(f.S);
      const cr2 = cr.cloneRef(py);
      assert.equal(f.S.refCnt(), base + 4);
      cr[Symbol.dispose]();
      cr2[Symbol.dispose]();
      assert.equal(f.S.refCnt(), base + 2);
      assert.ok(view.is(c));
      // `using` works on Py
      {
        using q = Py.from(f.S);
        assert.equal(q.refCnt(py), base + 3);
      }
      assert.equal(f.S.refCnt(), base + 2);
      // disposing a tier object twice is harmless in both tiers
      b[Symbol.dispose]();
      b[Symbol.dispose]();
      c[Symbol.dispose]();
      c[Symbol.dispose]();
      assert.equal(
        f.S.refCnt(),
        isStable ? base + 2 : base,
        "stable: pool-owned until the pool ends",
      );
    });
  });

  test("refcounts: a Py keeps its object across scopes; disposing it outside any scope takes the GIL", () => {
    const kept = Python.withGil((py) => {
      const f = freshFixture(py);
      f.g.setItem("probe_holder", f.S);
      const p = Py.from(f.S);
      return { p, g: Py.from(f.g) };
    });
    Python.withGil((py) => {
      const g = kept.g.bind(py);
      const s = kept.p.bind(py);
      assert.ok(s.is(g.getItem("S")!));
      assert.equal(sysRefcount(py, s), 1 + s.refCnt());
    });
    const before = Python.withGil((py) =>
      kept.g.bind(py).getItem("S")!.refCnt()
    );
    throwsLike(() => kept.p.unsafePtr, Error, /without the GIL/);
    kept.p[Symbol.dispose](); // no GIL held here
    const after = Python.withGil((py) =>
      kept.g.bind(py).getItem("S")!.refCnt()
    );
    assert.equal(after, before - 1);
    kept.g[Symbol.dispose]();
    kept.g[Symbol.dispose]();
  });

  test("refcounts: an undisposed Py is released by the FinalizationRegistry backstop", async () => {
    const gc = requireGc();
    const g = Python.withGil((py) => Py.from(freshFixture(py).g));
    const count = () =>
      Python.withGil((py) => g.bind(py).getItem("S")!.refCnt());
    const before = count();
    (() => {
      Python.withGil((py) => {
        const s = g.bind(py).getItem("S")!;
        for (let i = 0; i < 100; i++) Py.from(s);
      });
    })();
    assert.equal(count(), before + 100);
    for (let i = 0; i < 10 && count() !== before; i++) {
      gc();
      await ticks();
    }
    assert.equal(count(), before, "the backstop released all 100 references");
    g[Symbol.dispose]();
  });

  test("refcounts: a PyErr's exception (traceback frames) is released with its scope, by releaseValue, or by GC once it escaped", async () => {
    const gc = requireGc();
    const g = Python.withGil((py) => Py.from(freshFixture(py).g));
    const count = () =>
      Python.withGil((py) => g.bind(py).getItem("S")!.refCnt());
    const before = count();
    // Caught inside the scope: released when the scope ends, deterministically.
    let caught: unknown;
    Python.withGil((py) => {
      const fx = fixFrom(g.bind(py));
      caught = throwsLike(() => fx.boom.call1(fx.S), PyValueError);
      assert.ok(count() > before, "the traceback's frame holds the argument");
      for (let i = 0; i < 20; i++) {
        throwsLike(() => fx.boom.call1(fx.S), PyValueError);
      }
    });
    assert.equal(count(), before, "released when the scope ended");
    const c = caught as Stable.PyErr;
    assert.equal(c.typeName, "ValueError");
    throwsLike(() => c.value, Error, /exception object was released/);
    // Thrown out of withGil: kept (GIL-independent) until releaseValue.
    let escaped: unknown;
    try {
      Python.withGil((py) => fixFrom(g.bind(py)).boom.call1(42));
    } catch (e) {
      escaped = e;
    }
    assert.ok(escaped instanceof PyValueError);
    assert.match((escaped as Stable.PyErr).traceback, /boom/);
    let kept: unknown;
    try {
      Python.withGil((py) => {
        const fx = fixFrom(g.bind(py));
        fx.boom.call1(fx.S);
      });
    } catch (e) {
      kept = e;
    }
    assert.ok(count() > before, "the escaped error keeps its traceback");
    (kept as Stable.PyErr).releaseValue();
    assert.equal(count(), before);
    (kept as Stable.PyErr).releaseValue(); // idempotent
    // Escaped and dropped: the backstop releases it.
    for (let i = 0; i < 20; i++) {
      try {
        Python.withGil((py) => {
          const fx = fixFrom(g.bind(py));
          fx.boom.call1(fx.S);
        });
      } catch {
        // dropped
      }
    }
    for (let i = 0; i < 10 && count() !== before; i++) {
      gc();
      await ticks();
    }
    assert.equal(
      count(),
      before,
      "dropped PyErrs are released by the backstop",
    );
    g[Symbol.dispose]();
  });

  // ==================================================================================
  // Use after release
  // ==================================================================================

  const KINDS = kindsOf(tier);
  const assertReleased = (o: Any, kind: Kind, where: string) =>
    assertReleasedIn(tier, o, kind, where);

  test("use after release: every concrete type, after its withGil scope ended", async (t) => {
    for (const kind of KINDS) {
      await t.step(kind.cls.name, () => {
        const o = Python.withGil((py) => {
          const o = kind.make(py);
          assert.ok(o instanceof (kind.cls as unknown as ErrClass));
          kind.use(o); // usable inside
          return o;
        });
        // outside any scope
        assertReleased(o, kind, "after withGil");
        // and when a later scope is open
        Python.withGil(() => assertReleased(o, kind, "inside a later withGil"));
      });
    }
  });

  test("use outside any GIL scope: stashed tokens, objects and Py never crash", () => {
    let stale: Token | undefined;
    let obj: Any | undefined;
    const p = Python.withGil((py) => {
      stale = py;
      obj = py.eval("[1, 2]");
      return Py.from(obj);
    });
    const tokenMsg = /outside its Python.withGil scope|without the GIL/;
    throwsLike(() => obj!.len(), Error, /released/);
    throwsLike(() => p.bind(stale!), Error, /without the GIL/);
    throwsLike(() => p.unsafePtr, Error, /without the GIL/);
    const py = stale!;
    const factories: [string, () => unknown][] = [
      ["py.eval", () => py.eval("1")],
      ["py.run", () => py.run("x = 1")],
      ["py.import", () => py.import("math")],
      ["py.builtins", () => py.builtins()],
      ["py.None", () => py.None()],
      ["PyDict.new", () => PyDict.new(py)],
      ["PyDict.fromEntries", () => PyDict.fromEntries(py, { a: 1 })],
      ["PyList.new", () => PyList.new(py, [1])],
      ["PyTuple.new", () => PyTuple.new(py, [1])],
      ["PyTuple.empty", () => PyTuple.empty(py)],
      ["PyString.new", () => PyString.new(py, "s")],
      ["PyString.intern", () => PyString.intern(py, "s")],
      ["PyBytes.new", () => PyBytes.new(py, new Uint8Array([1]))],
      ["PyByteArray.new", () => PyByteArray.new(py, new Uint8Array([1]))],
      ["PyInt.new", () => PyInt.new(py, 1)],
      ["PyFloat.new", () => PyFloat.new(py, 1.5)],
      ["PyBool.new", () => PyBool.new(py, true)],
      ["PySet.new", () => PySet.new(py, [1])],
      ["PyFrozenSet.new", () => PyFrozenSet.new(py, [1])],
      ["PySlice.new", () => PySlice.new(py, 1, 2)],
      ["PyModule.new", () => PyModule.new(py, "m")],
      [
        "PyModule.fromCode",
        () => PyModule.fromCode(py, "x = 1", "x.py", "pyembed_stale_x"),
      ],
      ["PyModule.import", () => PyModule.import(py, "math")],
      ["py.allowThreads", () => py.allowThreads(() => 1)],
    ];
    for (const [what, f] of factories) {
      const e = throwsLike(f, Error, tokenMsg);
      assert.ok(e.message.length > 0, what);
    }
    // the stale token inside a new scope: still rejected, and nothing leaks
    Python.withGil((py2) => {
      const probe = p.bind(py2);
      const base = probe.refCnt();
      for (const [, f] of factories) {
        throwsLike(f, Error, /outside its Python.withGil scope/);
      }
      throwsLike(() => p.bind(py), Error, /outside its Python.withGil scope/);
      assert.equal(probe.refCnt(), base, "a rejected bind took no reference");
    });
    p[Symbol.dispose]();
    assert.equal(
      Python.withGil((py2) => py2.eval("2 + 2").extract(Extract.int)),
      4,
    );
  });

  // ==================================================================================
  // Conversions
  // ==================================================================================

  test("conversion property: JS -> Python -> JS is the identity (modulo the documented rules)", () => {
    Python.withGil((py) => {
      const id = identity(py, (o) => o);
      fc.assert(
        fc.property(anyValue, (v) =>
          region(py, (k) => {
            assert.deepStrictEqual(k(id.call1(v)).toJs(), expectedJs(v));
            assert.deepStrictEqual(k(PyList.new(py, [v])).toJs(), [
              expectedJs(v),
            ]);
          })),
        { numRuns: 300 },
      );
    });
  });

  test("conversion property: repr of the converted value equals repr(eval(python literal))", () => {
    Python.withGil((py) => {
      const id = identity(py, (o) => o);
      fc.assert(
        fc.property(anyValue, (v) =>
          region(py, (k) => {
            const lit = pyLiteral(v);
            assert.equal(k(id.call1(v)).repr(), k(py.eval(lit)).repr(), lit);
          })),
        { numRuns: 300 },
      );
    });
  });

  test("conversion property: Python literal -> JS matches (strings, numbers, bigints)", () => {
    Python.withGil((py) => {
      fc.assert(
        fc.property(
          fc.oneof(anyString, anyNumber, anyBigint),
          (v) =>
            region(py, (k) => {
              const o = k(py.eval(pyLiteral(v)));
              assert.deepStrictEqual(o.toJs(), expectedJs(v));
              if (typeof v === "string") {
                assert.equal(o.extract(Extract.str), v);
              }
              if (typeof v === "bigint") {
                assert.equal(o.extract(Extract.bigint), v);
              }
              if (typeof v === "number") {
                assert.ok(Object.is(o.extract(Extract.float), v));
              }
            }),
        ),
        { numRuns: 500 },
      );
    });
  });

  test("conversions: undefined -> None, -0 -> float, unsafe integral numbers -> float", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const id = identity(py, k);
        assert.equal(k(id.call1(undefined)).repr(), "None");
        assert.equal(k(id.call1(-0)).repr(), "-0.0");
        assert.equal(k(id.call1(0)).repr(), "0");
        assert.equal(k(id.call1(3)).getType().repr(), "<class 'int'>");
        assert.equal(k(id.call1(3.5)).getType().repr(), "<class 'float'>");
        assert.equal(
          k(id.call1(2 ** 53)).repr(),
          k(py.eval("float(2**53)")).repr(),
        );
        assert.equal(k(id.call1(2 ** 63)).repr(), "9.223372036854776e+18");
        assert.equal(
          k(id.call1(Number.MAX_SAFE_INTEGER)).repr(),
          "9007199254740991",
        );
        assert.equal(k(id.call1(3n)).repr(), "3");
        assert.equal(k(id.call1(new Uint8Array([1]))).repr(), "b'\\x01'");
        assert.equal(
          k(id.call1(new Uint8Array([1]).buffer)).repr(),
          "b'\\x01'",
        );
        assert.equal(k(id.call1(new Set())).repr(), "set()");
        assert.equal(k(id.call1({})).repr(), "{}");
        assert.equal(k(id.call1([])).repr(), "[]");
        assert.equal(k(id.call1(new Map())).repr(), "{}");
        // an object with [toPyObject](py)
        const custom = {
          [tier.toPyObject]: (_py: unknown) => ({ custom: [1, 2] }),
        };
        assert.equal(k(id.call1(custom)).repr(), "{'custom': [1, 2]}");
        // tier objects and Py convert to themselves
        const l = k(PyList.new(py, [1]));
        assert.ok(k(id.call1(l)).is(l));
        const p = k(Py.from(l));
        assert.ok(k(id.call1(p)).is(l));
        assert.ok(k(id.call1([l, { l }])).getItem(0).is(l));
      })
    );
  });

  test("integers are exact at 2^31, 2^32, 2^53, 2^63, 2^64, 2^200, both directions, in containers", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const id = identity(py, k);
        for (const v of POWERS) {
          const s = String(v);
          const e = expectedJs(v);
          // JS -> Python
          assert.equal(k(id.call1(v)).repr(), s);
          assert.ok(k(id.call1(v)).eq(k(py.eval(s))), s);
          if (typeof e === "number") {
            assert.equal(k(id.call1(e)).repr(), s, "as a safe number");
          }
          // Python -> JS
          const o = k(py.eval(s));
          assert.equal(o.toJs(), e, s);
          assert.equal(o.extract(Extract.bigint), v);
          assert.equal(k(PyInt.new(py, v)).value(), e);
          if (typeof e === "number") {
            assert.equal(o.extract(Extract.int), e);
          } else {throwsLike(
              () => o.extract(Extract.int),
              PyOverflowError,
              /too large/,
            );}
          // inside containers, both directions
          const want = [e, new Map([[e, [e, new Set([e])]]])];
          assert.deepStrictEqual(
            k(py.eval(`[${s}, {${s}: (${s}, {${s}})}]`)).toJs(),
            want,
          );
          assert.deepStrictEqual(
            k(py.eval(`(${s}, {${s}: [${s}, frozenset({${s}})]})`)).toJs(),
            want,
          );
          const lit = `[${s}, {${s}: [${s}, {${s}}]}]`;
          assert.equal(
            k(id.call1([v, new Map([[v, [v, new Set([v])]]])])).repr(),
            k(py.eval(lit)).repr(),
          );
          assert.ok(
            k(id.call1([v, new Map([[v, [v, new Set([v])]]])])).eq(
              k(py.eval(lit)),
            ),
            lit,
          );
          assert.deepStrictEqual(
            k(py.eval(`(${s}, ${s})`)).extract(
              Extract.tuple(Extract.bigint, Extract.bigint),
            ),
            [v, v],
          );
        }
        // the boundaries of Extract.int: ±(2^53 - 1) pass, ±2^53 overflow
        assert.equal(
          k(py.eval("2**53 - 1")).extract(Extract.int),
          Number.MAX_SAFE_INTEGER,
        );
        assert.equal(
          k(py.eval("-(2**53 - 1)")).extract(Extract.int),
          Number.MIN_SAFE_INTEGER,
        );
        throwsLike(
          () => k(py.eval("2**53")).extract(Extract.int),
          PyOverflowError,
        );
        throwsLike(
          () => k(py.eval("-(2**53)")).extract(Extract.int),
          PyOverflowError,
        );
        throwsLike(
          () => k(py.eval("2**64")).extract(Extract.int),
          PyOverflowError,
        );
      })
    );
  });

  test("Extract: int, bigint, float, str, bool, bytes with CPython's wording", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const ev = (c: string) => k(py.eval(c));
        assert.equal(ev("42").extract(Extract.int), 42);
        assert.equal(ev("True").extract(Extract.int), 1);
        assert.equal(
          ev("type('I', (), {'__index__': lambda s: 7})()").extract(
            Extract.int,
          ),
          7,
        );
        assert.equal(
          ev("type('I', (), {'__index__': lambda s: -3})()").extract(
            Extract.int,
          ),
          -3,
        );
        assertRejects(ev, [
          [
            "'x'",
            Extract.int,
            PyTypeError,
            "'str' object cannot be interpreted as an integer",
          ],
          [
            "1.5",
            Extract.int,
            PyTypeError,
            "'float' object cannot be interpreted as an integer",
          ],
          [
            "None",
            Extract.int,
            PyTypeError,
            "'NoneType' object cannot be interpreted as an integer",
          ],
        ]);
        const ov = throwsLike(
          () => ev("2**100").extract(Extract.int),
          PyOverflowError,
        );
        assert.ok(
          ov instanceof PyArithmeticError && ov.typeName === "OverflowError",
        );
        assert.equal(ev("-2**100").extract(Extract.bigint), -(2n ** 100n));
        assert.equal(
          ev("type('I', (), {'__index__': lambda s: 2**70})()").extract(
            Extract.bigint,
          ),
          2n ** 70n,
        );
        assertRejects(ev, [
          [
            "'x'",
            Extract.bigint,
            PyTypeError,
            "'str' object cannot be interpreted as an integer",
          ],
          [
            "2.0",
            Extract.bigint,
            PyTypeError,
            "'float' object cannot be interpreted as an integer",
          ],
        ]);
        assert.equal(ev("2.5").extract(Extract.float), 2.5);
        assert.equal(ev("3").extract(Extract.float), 3);
        assert.equal(
          ev("__import__('fractions').Fraction(1, 2)").extract(Extract.float),
          0.5,
        );
        assertRejects(ev, [
          ["'x'", Extract.float, PyTypeError, "must be real number, not str"],
          [
            "2**2000",
            Extract.float,
            PyOverflowError,
            "int too large to convert to float",
          ],
        ]);
        assert.equal(ev("'é\\x00'").extract(Extract.str), "é\0");
        assertRejects(ev, [
          [
            "1",
            Extract.str,
            PyTypeError,
            "'int' object cannot be converted to 'PyString'",
          ],
          [
            "b'x'",
            Extract.str,
            PyTypeError,
            "'bytes' object cannot be converted to 'PyString'",
          ],
        ]);
        assert.equal(ev("True").extract(Extract.bool), true);
        assert.equal(ev("False").extract(Extract.bool), false);
        assertRejects(ev, [
          [
            "1",
            Extract.bool,
            PyTypeError,
            "'int' object cannot be converted to 'PyBool'",
          ],
          [
            "None",
            Extract.bool,
            PyTypeError,
            "'NoneType' object cannot be converted to 'PyBool'",
          ],
        ]);
        assert.deepEqual(
          ev("b'\\x00\\xff'").extract(Extract.bytes),
          new Uint8Array([0, 255]),
        );
        throwsLike(
          () => ev("'x'").extract(Extract.bytes),
          PyTypeError,
          "'str' object cannot be converted to 'PyBytes'",
        );
      })
    );
  });

  test("Extract: list, tuple, dict, set, optional, nested, with CPython's wording", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const ev = (c: string) => k(py.eval(c));
        assert.deepEqual(ev("[1, 2]").extract(Extract.list(Extract.int)), [
          1,
          2,
        ]);
        assert.deepEqual(ev("(1.5, 2)").extract(Extract.list(Extract.float)), [
          1.5,
          2,
        ]);
        assert.deepEqual(ev("[]").extract(Extract.list(Extract.str)), []);
        assertRejects(ev, [
          [
            "'abc'",
            Extract.list(Extract.str),
            PyTypeError,
            "Can't extract `str` to `Vec`",
          ],
          [
            "1",
            Extract.list(Extract.int),
            PyTypeError,
            "'int' object cannot be converted to 'PySequence'",
          ],
          [
            "[1, 'a']",
            Extract.list(Extract.int),
            PyTypeError,
            "'str' object cannot be interpreted as an integer",
          ],
        ]);
        assert.deepEqual(
          ev("(1, 'a', None)").extract(
            Extract.tuple(
              Extract.int,
              Extract.str,
              Extract.optional(Extract.int),
            ),
          ),
          [1, "a", null],
        );
        assertRejects(ev, [
          [
            "(1, 2, 3)",
            Extract.tuple(Extract.int, Extract.int),
            PyTypeError,
            "expected tuple of length 2, but got tuple of length 3",
          ],
          [
            "[1, 2]",
            Extract.tuple(Extract.int, Extract.int),
            PyTypeError,
            "'list' object cannot be converted to 'PyTuple'",
          ],
        ]);
        assert.deepEqual(
          ev("{'a': [1], 'b': []}").extract(
            Extract.dict(Extract.str, Extract.list(Extract.int)),
          ),
          new Map([["a", [1]], ["b", []]]),
        );
        assertRejects(ev, [
          [
            "[('a', 1)]",
            Extract.dict(Extract.str, Extract.int),
            PyTypeError,
            "'list' object cannot be converted to 'PyDict'",
          ],
          [
            "{1: 1}",
            Extract.dict(Extract.str, Extract.int),
            PyTypeError,
            "'int' object cannot be converted to 'PyString'",
          ],
        ]);
        assert.deepEqual(
          ev("{1, 2}").extract(Extract.set(Extract.int)),
          new Set([1, 2]),
        );
        assert.deepEqual(
          ev("frozenset({'x'})").extract(Extract.set(Extract.str)),
          new Set(["x"]),
        );
        throwsLike(
          () => ev("[1]").extract(Extract.set(Extract.int)),
          PyTypeError,
          "'list' object cannot be converted to 'PySet'",
        );
        assert.equal(ev("None").extract(Extract.optional(Extract.str)), null);
        assert.equal(ev("'s'").extract(Extract.optional(Extract.str)), "s");
        throwsLike(
          () => ev("1").extract(Extract.optional(Extract.str)),
          PyTypeError,
          "'int' object cannot be converted to 'PyString'",
        );
        assert.deepEqual(
          ev("{'k': [(1, {2**64}), None]}").extract(
            Extract.dict(
              Extract.str,
              Extract.list(
                Extract.optional(
                  Extract.tuple(Extract.int, Extract.set(Extract.bigint)),
                ),
              ),
            ),
          ),
          new Map([["k", [[1, new Set([2n ** 64n])], null]]]),
        );
        // a custom FromPyObject
        const upper = {
          extract: (o: Any) => o.extract(Extract.str).toUpperCase(),
        };
        assert.deepEqual(ev("['a', 'b']").extract(Extract.list(upper)), [
          "A",
          "B",
        ]);
      })
    );
  });

  // ==================================================================================
  // Errors
  // ==================================================================================

  test("errors: the PyErr hierarchy, typeName, message", () => {
    Python.withGil((py) => {
      const e = throwsLike(() => py.eval("{}['k']"), PyKeyError, "'k'");
      for (
        const cls of [
          PyKeyError,
          PyLookupError,
          PyException,
          PyBaseException,
          PyErr,
          Error,
        ]
      ) {
        assert.ok(e instanceof cls, `KeyError instanceof ${cls.name}`);
      }
      assert.ok(!(e instanceof PyIndexError) && !(e instanceof PyTypeError));
      assert.equal(e.typeName, "KeyError");
      assert.equal(e.name, "KeyError");
      const z = throwsLike(
        () => py.eval("1/0"),
        PyZeroDivisionError,
        "division by zero",
      );
      assert.ok(z instanceof PyArithmeticError && z instanceof PyException);
      const idx = throwsLike(() => py.eval("[][1]"), PyIndexError);
      assert.ok(idx instanceof PyLookupError);
      const si = throwsLike(
        () => py.run("raise SystemExit(3)"),
        PyBaseException,
      );
      assert.ok(!(si instanceof PyException), "SystemExit is not an Exception");
      assert.equal(si.typeName, "SystemExit");
      const ki = throwsLike(
        () => py.run("raise KeyboardInterrupt"),
        PyBaseException,
      );
      assert.equal(ki.typeName, "KeyboardInterrupt");
      const bom = throwsLike(
        () => py.run("raise ValueError('\\ufeffmsg')"),
        PyValueError,
      );
      assert.equal(bom.message, "\ufeffmsg", "a leading U+FEFF is kept");
      assert.equal(
        py.eval("1 + 1").extract(Extract.int),
        2,
        "the error indicator was cleared",
      );
    });
  });

  test("errors: traceback text contains the Python frames; stack has both", () => {
    Python.withGil((py) => {
      const modName = `pyembed_suite_tb_${name}`;
      const m = PyModule.fromCode(
        py,
        "def inner(x):\n    raise ValueError('deep ' + str(x))\n\ndef outer(x):\n    return inner(x)\n",
        `${modName}.py`,
        modName,
      );
      const e = throwsLike(
        () => m.getattr("outer").call1(5),
        PyValueError,
        "deep 5",
      );
      assert.match(e.traceback, /^Traceback \(most recent call last\):/);
      assert.match(
        e.traceback,
        new RegExp(`File "${modName}\\.py", line 5, in outer`),
      );
      assert.match(
        e.traceback,
        new RegExp(`File "${modName}\\.py", line 2, in inner`),
      );
      assert.match(e.traceback, /ValueError: deep 5\n?$/);
      assert.ok(
        e.traceback.indexOf("in outer") < e.traceback.indexOf("in inner"),
      );
      assert.match(e.stack!, /in inner/);
      assert.match(e.stack!, /JavaScript stack/);
      const s = throwsLike(() => py.eval("1 +"), PySyntaxError);
      assert.match(s.traceback, /SyntaxError/);
      // a JS-made error has no traceback
      const made = PyValueError.newErr("made in JS");
      assert.equal(made.traceback, "");
      assert.equal(made.message, "made in JS");
      assert.equal(made.typeName, "ValueError");
      assert.ok(made instanceof PyValueError && made instanceof PyException);
      assert.equal(PyRuntimeError.newErr("r").typeName, "RuntimeError");
    });
  });

  test("errors: user-defined exception classes map to their nearest builtin ancestor", () => {
    Python.withGil((py) => {
      const g = PyDict.new(py);
      py.run(
        "class MyErr(KeyError):\n    pass\nclass Deeper(MyErr):\n    pass\nclass Plain(Exception):\n    pass\nclass Base(BaseException):\n    pass\nclass Multi(Plain, IndexError):\n    pass\nclass Msg(ValueError):\n    def __str__(self):\n        return 'custom str'\nclass BadStr(ValueError):\n    def __str__(self):\n        raise RuntimeError('no')\n",
        g,
      );
      const my = throwsLike(
        () => py.run("raise MyErr('m')", g),
        PyKeyError,
        "'m'",
      );
      assert.equal(my.typeName, "MyErr");
      assert.equal(my.name, "MyErr");
      assert.ok(my instanceof PyLookupError && !(my instanceof PyIndexError));
      const deeper = throwsLike(
        () => py.run("raise Deeper('d')", g),
        PyKeyError,
      );
      assert.equal(deeper.typeName, "Deeper");
      const plain = throwsLike(
        () => py.run("raise Plain('p')", g),
        PyException,
        "p",
      );
      assert.equal(plain.constructor, PyException);
      assert.equal(plain.typeName, "Plain");
      const base = throwsLike(() => py.run("raise Base()", g), PyBaseException);
      assert.equal(base.constructor, PyBaseException);
      const multi = throwsLike(() => py.run("raise Multi()", g), PyIndexError);
      assert.equal(multi.typeName, "Multi");
      throwsLike(() => py.run("raise Msg()", g), PyValueError, "custom str");
      const bad = throwsLike(() => py.run("raise BadStr()", g), PyValueError);
      assert.equal(bad.typeName, "BadStr");
      // isInstanceOf with Python types and JS classes
      assert.ok(my.isInstanceOf(g.getItem("MyErr")!));
      assert.ok(my.isInstanceOf(py.eval("KeyError")));
      assert.ok(my.isInstanceOf(py.eval("LookupError")));
      assert.ok(my.isInstanceOf(py.eval("(ValueError, LookupError)")));
      assert.ok(!my.isInstanceOf(py.eval("ValueError")));
      assert.ok(!my.isInstanceOf(g.getItem("Deeper")!));
      assert.ok(deeper.isInstanceOf(g.getItem("MyErr")!));
      assert.ok(my.isInstanceOf(PyKeyError) && !my.isInstanceOf(PyTypeError));
      assert.ok(PyValueError.newErr("x").isInstanceOf(py.eval("ValueError")));
      assert.ok(!PyValueError.newErr("x").isInstanceOf(py.eval("KeyError")));
      assert.equal(py.eval("2").extract(Extract.int), 2);
    });
  });

  // ==================================================================================
  // Misuse never crashes
  // ==================================================================================

  test("misuse: JS values that cannot convert raise TypeError/ValueError, leaving nothing behind", () => {
    class Custom {}
    const selfRef: unknown[] = [];
    selfRef.push(selfRef);
    const selfObj: Record<string, unknown> = {};
    selfObj.me = selfObj;
    const bad: [string, unknown, RegExp][] = [
      ["symbol", Symbol("s"), /symbol/],
      ["Date", new Date(0), /Date/],
      ["WeakMap", new WeakMap(), /WeakMap/],
      ["class instance", new Custom(), /Custom/],
      ["Promise", Promise.resolve(), /Promise/],
      ["RegExp", /x/, /RegExp/],
      ["nested symbol", [1, { a: Symbol("deep") }], /symbol/],
      ["self-referencing array", selfRef, /nesting deeper/],
      ["self-referencing object", selfObj, /nesting deeper/],
      ["throwing toPyObject", {
        [tier.toPyObject]: () => {
          throw new RangeError("nope");
        },
      }, /nope/],
    ];
    Python.withGil((py) =>
      region(py, (k) => {
        const id = identity(py, k);
        const l = k(PyList.new(py, [0]));
        const d = k(PyDict.new(py));
        for (const [what, v, msg] of bad) {
          const check = (f: () => unknown) => {
            let threw = false;
            try {
              f();
            } catch (e) {
              threw = true;
              assert.ok(e instanceof Error, what);
              assert.match((e as Error).message, msg, what);
            }
            assert.ok(threw, `${what}: no error`);
          };
          check(() => id.call1(v));
          check(() => id.call([], { v }));
          check(() => l.append(v));
          check(() => l.setItem(0, v));
          check(() => l.contains(v));
          check(() => d.setItem("k", v));
          check(() => d.setItem(v, 1));
          check(() => PyList.new(py, [1, v]));
          check(() => PyDict.fromEntries(py, { v }));
          check(() => l.eq(v));
        }
        assert.deepEqual(l.toJs(), [0]);
        assert.equal(d.len(), 0);
        throwsLike(
          () => l.getItem(Symbol("i") as unknown as number),
          PyTypeError,
          /symbol/,
        );
        assert.equal(
          py.eval("3 * 3").extract(Extract.int),
          9,
          "no Python error left pending",
        );
      })
    );
  });

  test("misuse: iterating, indexing, sizing, calling what does not support it", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const one = k(py.eval("1"));
        throwsLike(
          () => {
            for (const _ of one) assert.fail("iterated");
          },
          PyTypeError,
          "'int' object is not iterable",
        );
        throwsLike(
          () => one.iter(),
          PyTypeError,
          "'int' object is not iterable",
        );
        throwsLike(() => [...one], PyTypeError, "'int' object is not iterable");
        throwsLike(
          () => one.getItem(0),
          PyTypeError,
          "'int' object is not subscriptable",
        );
        throwsLike(
          () => one.setItem(0, 1),
          PyTypeError,
          "'int' object does not support item assignment",
        );
        throwsLike(
          () => one.delItem(0),
          PyTypeError,
          /'int' object does(n't| not) support item deletion/,
        );
        throwsLike(
          () => one.len(),
          PyTypeError,
          "object of type 'int' has no len()",
        );
        throwsLike(
          () => one.contains(1),
          PyTypeError,
          "argument of type 'int' is not iterable",
        );
        throwsLike(
          () => one.call0(),
          PyTypeError,
          "'int' object is not callable",
        );
        throwsLike(
          () => one.callMethod0("nope"),
          PyAttributeError,
          "'int' object has no attribute 'nope'",
        );
        throwsLike(() => one.extract(Extract.list(Extract.int)), PyTypeError);
        throwsLike(
          () => k(py.eval("[1]")).getItem(10),
          PyIndexError,
          "list index out of range",
        );
        // a Python exception inside special methods
        const g = k(PyDict.new(py));
        py.run(
          "class Evil:\n    def __repr__(self): raise ValueError('r')\n    def __hash__(self): raise ValueError('h')\n    def __eq__(self, o): raise ValueError('e')\n    def __len__(self): raise ValueError('l')\n    def __iter__(self): raise ValueError('i')\n    def __bool__(self): raise ValueError('b')\n    def __getitem__(self, k): raise ValueError('g')\n    def __contains__(self, k): raise ValueError('c')\n    def __call__(self): raise ValueError('call')\nevil = Evil()\n",
          g,
        );
        const evil = k(g.getItem("evil")!);
        throwsLike(() => evil.repr(), PyValueError, "r");
        throwsLike(() => evil.hash(), PyValueError, "h");
        throwsLike(() => evil.eq(1), PyValueError, "e");
        throwsLike(() => evil.len(), PyValueError, "l");
        throwsLike(() => [...evil], PyValueError, "i");
        throwsLike(() => evil.isTruthy(), PyValueError, "b");
        throwsLike(() => evil.getItem(0), PyValueError, "g");
        throwsLike(() => evil.contains(0), PyValueError, "c");
        throwsLike(() => evil.call0(), PyValueError, "call");
        throwsLike(() => k(PyDict.new(py)).setItem(evil, 1), PyValueError, "h");
        throwsLike(() => k(PyDict.new(py)).getItem(evil), PyValueError, "h");
        throwsLike(() => k(PyDict.new(py)).contains(evil), PyValueError, "h");
        throwsLike(() => k(PySet.new(py)).add(evil), PyValueError, "h");
        throwsLike(() => k(PyList.new(py, [evil])).repr(), PyValueError, "r");
        assert.match(
          evil.toString(),
          /^<PyAny: /,
          "toString falls back (str() uses __repr__)",
        );
        assert.equal(py.eval("1").extract(Extract.int), 1);
      })
    );
  });

  test("misuse: the same object passed many times, then JS gc() and Python gc.collect()", async () => {
    const gc = requireGc();
    const g = Python.withGil((py) => Py.from(freshFixture(py).g));
    const count = () =>
      Python.withGil((py) => g.bind(py).getItem("S")!.refCnt());
    const before = count();
    Python.withGil((py) => {
      const f = fixFrom(g.bind(py));
      for (let i = 0; i < 200; i++) {
        region(py, (k) => {
          k(f.box.call1(...Array(50).fill(f.S)));
          k(f.ident.call1([f.S, f.S, { s: f.S }]));
          k(PyList.new(py, Array(20).fill(f.S)));
          k(Py.from(f.S));
          throwsLike(() => f.box.call1(f.S, f.S, Symbol("x")), PyTypeError);
        });
      }
    });
    assert.equal(count(), before, "no reference leaked or lost");
    for (let i = 0; i < 3; i++) {
      gc();
      await ticks();
      Python.withGil((py) => py.eval("gc.collect()", g.bind(py)));
    }
    assert.equal(count(), before, "GC released nothing twice");
    Python.withGil((py) => {
      const s = g.bind(py).getItem("S")!;
      assert.match(s.repr(), /Sentinel object/);
      assert.equal(py.eval("sum(range(1000))").extract(Extract.int), 499500);
    });
    g[Symbol.dispose]();
  });

  // ==================================================================================
  // Process exit
  // ==================================================================================

  test("process exit: live objects of every kind, 20 runs, exit status 0", async () => {
    const execPath = Deno.execPath();
    const state = await Deno.permissions.query({
      name: "run",
      command: execPath,
    });
    assert.equal(
      state.state,
      "granted",
      "this test spawns deno: run with --allow-run (deno task test does)",
    );
    const modUrl = new URL(
      isStable ? "../../mod.ts" : "../../experimental/mod.ts",
      import.meta.url,
    ).href;
    const run = async (variant: number) => {
      const out = await new Deno.Command(execPath, {
        args: [
          "eval",
          "--ext=ts",
          "--v8-flags=--expose-gc",
          childScript(modUrl, variant),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(
        out.code,
        0,
        `variant ${variant}: exit ${out.code} signal ${out.signal}\n${err}`,
      );
      assert.equal(out.signal, null);
      assert.match(
        stdout,
        /child ready/,
        `variant ${variant}: ${stdout}\n${err}`,
      );
    };
    for (let batch = 0; batch < 20; batch += 5) {
      await Promise.all([0, 1, 2, 3, 4].map((i) => run(batch + i)));
    }
  });
}

/** One concrete class: how to make an instance, and a class-specific method to call. */
export interface Kind {
  cls: { name: string };
  make(py: Token): Any;
  use(o: Any): unknown;
}
/** Every concrete class of a tier, with a maker and a use. */
export function kindsOf(tier: TierModule): Kind[] {
  const T = tier;
  return [
    {
      cls: T.PyAny,
      make: (py) => py.eval("object()"),
      use: (o) => o.getattr("__class__"),
    },
    {
      cls: T.PyDict,
      make: (py) => T.PyDict.fromEntries(py, { a: 1 }),
      use: (o) => (o as Stable.PyDict).keys(),
    },
    {
      cls: T.PyList,
      make: (py) => T.PyList.new(py, [1]),
      use: (o) => (o as Stable.PyList).append(2),
    },
    {
      cls: T.PyTuple,
      make: (py) => T.PyTuple.new(py, [1]),
      use: (o) => (o as Stable.PyTuple).toList(),
    },
    {
      cls: T.PyString,
      make: (py) => T.PyString.new(py, "s"),
      use: (o) => (o as Stable.PyString).toStr(),
    },
    {
      cls: T.PyBytes,
      make: (py) => T.PyBytes.new(py, new Uint8Array([1])),
      use: (o) => (o as Stable.PyBytes).asBytes(),
    },
    {
      cls: T.PyByteArray,
      make: (py) => T.PyByteArray.new(py, new Uint8Array([1])),
      use: (o) => (o as Stable.PyByteArray).toBytes(),
    },
    {
      cls: T.PyInt,
      make: (py) => T.PyInt.new(py, 2n ** 80n),
      use: (o) => (o as Stable.PyInt).value(),
    },
    {
      cls: T.PyFloat,
      make: (py) => T.PyFloat.new(py, 1.5),
      use: (o) => (o as Stable.PyFloat).value(),
    },
    {
      cls: T.PyBool,
      make: (py) => T.PyBool.new(py, true),
      use: (o) => (o as Stable.PyBool).isTrue(),
    },
    {
      cls: T.PySet,
      make: (py) => T.PySet.new(py, [1]),
      use: (o) => (o as Stable.PySet).add(2),
    },
    {
      cls: T.PyFrozenSet,
      make: (py) => T.PyFrozenSet.new(py, [1]),
      use: (o) => (o as Stable.PyFrozenSet).contains(1),
    },
    {
      cls: T.PySlice,
      make: (py) => T.PySlice.new(py, 1, 2),
      use: (o) => o.getattr("start"),
    },
    {
      cls: T.PyIterator,
      make: (py) => py.eval("iter([1, 2])").downcast(T.PyIterator),
      use: (o) => (o as Stable.PyIterator).nextItem(),
    },
    {
      cls: T.PyType,
      make: (py) => py.eval("int").downcast(T.PyType),
      use: (o) => (o as Stable.PyType).name(),
    },
    {
      cls: T.PyModule,
      make: (py) => py.import("json"),
      use: (o) => (o as Stable.PyModule).name(),
    },
  ];
}

/** Every way of touching a released object throws "released" (or is a harmless no-op). */
export function assertReleasedIn(
  tier: TierModule,
  o: Any,
  kind: Kind,
  where: string,
): void {
  const { Python, Py, PyList, PyDict } = tier;
  const what = `${kind.cls.name} ${where}`;
  const released = /released/;
  throwsLike(() => kind.use(o), Error, released);
  throwsLike(() => o.repr(), Error, released);
  throwsLike(() => o.refCnt(), Error, released);
  throwsLike(() => o.len(), Error, released);
  throwsLike(() => o.isNone(), Error, released);
  throwsLike(() => o.toJs(), Error, released);
  throwsLike(() => o.clone(), Error, released);
  throwsLike(() => o.unbind(), Error, released);
  throwsLike(() => Py.from(o), Error, released);
  throwsLike(() => o.unsafePtr, Error, released);
  throwsLike(() => [...o], Error, released);
  assert.match(
    o.toString(),
    /^<Py\w+: This Python object was released/,
    `${what}: toString placeholder`,
  );
  o[Symbol.dispose](); // harmless
  o[Symbol.dispose]();
  // as an argument, inside a live scope
  Python.withGil((py) => {
    throwsLike(() => PyList.new(py, [o]), Error, released);
    throwsLike(() => py.eval("len").call1(o), Error, released);
    throwsLike(() => PyDict.new(py).setItem("k", o), Error, released);
    throwsLike(() => py.eval("[]").eq(o), Error, released);
    throwsLike(() => o.is(py.None()), Error, released);
  });
}

/** The child program of the process-exit test. Variants exit in different ways. */
function childScript(modUrl: string, variant: number): string {
  return `
import * as T from ${JSON.stringify(modUrl)};
const { Python, Py, PyDict, PyList, PyTuple, PyString, PyBytes, PyByteArray, PyInt, PyFloat, PyBool,
  PySet, PyFrozenSet, PySlice, PyIterator, PyType, PyModule } = T;
const variant = ${variant} % 5;
const stash: unknown[] = [];
const make = (py: any) => [
  py.eval("object()"), PyDict.fromEntries(py, { a: [1, 2] }), PyList.new(py, [1, "x"]), PyTuple.new(py, [1]),
  PyString.new(py, "s\\ud800"), PyBytes.new(py, new Uint8Array([0, 1])), PyByteArray.new(py, new Uint8Array([2])),
  PyInt.new(py, 2n ** 100n), PyFloat.new(py, 1.5), PyBool.new(py, true), PySet.new(py, [1]),
  PyFrozenSet.new(py, [2]), PySlice.new(py, 1, 2), py.eval("iter([1, 2, 3])").downcast(PyIterator),
  py.eval("int").downcast(PyType), py.import("json"), py.None(), py.builtins(),
  PyModule.fromCode(py, "class C:\\n    def __del__(self):\\n        print('del', flush=True)\\nc = C()\\n", "exitmod.py", "exitmod"),
];
Python.withGil((py: any) => {
  py.run("import threading, time\\ndef spin():\\n    while True:\\n        time.sleep(0.0005)\\nthreading.Thread(target=spin, daemon=True).start()\\n");
  stash.push(...make(py));                                  // stashed past the scope (released at scope end)
  for (const o of make(py)) stash.push(Py.from(o));         // undisposed Py
  for (const o of make(py)) stash.push(o.clone().unbind()); // unbound, undisposed Py
  for (const o of make(py)) Py.from(o);                     // unreachable Py: pending FinalizationRegistry
  try { py.eval("1/0"); } catch (e) { stash.push(e); }      // a PyErr holding its exception
  try { py.eval("1/0"); } catch { /* dropped PyErr */ }
  const it = PyList.new(py, [1, 2, 3])[Symbol.iterator]();
  it.next();
  stash.push(it);                                           // an open iterator
  { using u = PyDict.new(py); u.setItem("k", 1); }
});
Python.withGil((py: any) => {
  for (const o of make(py)) stash.push(o);                  // a second scope's objects
  console.log("child ready");
  if (variant === 2) Deno.exit(0);                          // exit with the GIL held, inside a scope
});
if (variant === 1) Deno.exit(0);
if (variant === 3) { (globalThis as any).gc(); await new Promise((r) => setTimeout(r, 0)); }
if (variant === 4) { (globalThis as any).gc(); }
`;
}
