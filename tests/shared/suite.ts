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
/** Either tier's token (typed as the stable one). */
export type Token = Stable.Python;
/** Any object of either tier. */
export type Any = Stable.PyAny;
/** Something `keep` can release. */
export type Disposable_ = { [Symbol.dispose](): void };
/** Registers an object for release at the end of a region; returns it. */
export type Keep = <T extends Disposable_>(o: T) => T;
/** An exception class of either tier. */
export type ErrClass = abstract new (...args: never[]) => Error;

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
export function assertRejects(
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

export const POWERS = [31n, 32n, 53n, 63n, 64n, 200n].flatMap((e) => {
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

// --- the shared context ---------------------------------------------------------------

/** The fixture objects of one scope. */
export interface Fix {
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

/** What every topic file of the suite shares: the tier, and its helpers. */
export interface SuiteContext {
  /** `stable` or `owned`. */
  name: "stable" | "owned";
  /** The entry point under test. */
  tier: TierModule;
  /** Is this the stable (pool) tier? */
  isStable: boolean;
  /** `Deno.test`, named `[tier] name`. */
  test: (n: string, fn: (t: Deno.TestContext) => void | Promise<void>) => void;
  /** Run `f`; release whatever it made (withPool, or dispose what was kept). */
  region: <R>(py: Token, f: (keep: Keep) => R) => R;
  /** The fixture objects of the globals `g` the FIXTURE ran in. */
  fixFrom: (g: Stable.PyDict) => Fix;
  /** FIXTURE run in fresh globals. */
  freshFixture: (py: Token) => Fix;
  /** FIXTURE as a module (made once, then imported). */
  fixtureModule: (py: Token) => Stable.PyModule;
  /** `sys.getrefcount(x)`, called from Python (the argument tuple adds one). */
  sysRefcount: (py: Token, obj: Any) => number;
  /** A fresh `lambda x: x`. */
  identity: (py: Token, keep: Keep) => Any;
  /** Are common objects immortal (CPython 3.12+)? */
  immortal: () => boolean;
  /** The fixture module's name. */
  MODNAME: string;
}

/** The shared context of one tier's suite. */
export function suiteContext(
  name: "stable" | "owned",
  tier: TierModule,
): SuiteContext {
  const { Python, PyDict, PyList, PyTuple, PyModule, Extract } = tier;
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
  return {
    name,
    tier,
    isStable,
    test,
    region,
    fixFrom,
    freshFixture,
    fixtureModule,
    sysRefcount,
    identity,
    immortal,
    MODNAME,
  };
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
export function childScript(modUrl: string, variant: number): string {
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
