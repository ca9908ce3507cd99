/**
 * Issue 13's eight workloads (the code a user of any Python bridge writes)
 * and the callback floor, shared by `workloads_bench.ts` (one `deno bench`
 * group each) and `tools/bench_warmup.ts` (first 100k operations against the
 * steady state, and memory over 1,000,000 temporaries).
 *
 * Every workload has
 *
 * - `raw`: the C calls the library makes for it on the raw symbol table, no
 *   wrapper, no pool (the floor);
 * - `pool`: the stable tier's idiom as the README ("Hot loops: terminal
 *   operations") and docs/migration.md teach it: a read, a call or an
 *   iteration whose result is a JS value is a terminal operation (`getItem(key,
 *   Extract.int)`, `getattr(name, Extract.float)`, `call(args, kwargs,
 *   Extract.int)`, `call0(Extract.ignore)`, `iter(Extract.int)`), which makes
 *   no object; where new objects are made per operation (the string round
 *   trip, the temporaries) one `py.withPool` around the loop bounds memory;
 * - `owned`: the experimental tier's idiom: the same terminal operations,
 *   and every object made per operation named and released with `using`;
 * - `ownedUse`: the same with `x.use(f)` in place of each `using` block
 *   (only where objects are made per operation: the string round trip, the
 *   temporaries), the form the README teaches for hot loops;
 * - `ownedDispose`: the chained, non-terminal form with an explicit
 *   `x[Symbol.dispose]()` per temporary (what the owned tier cost before
 *   terminal operations, without `using`'s own cost);
 * - `python`: the same workload in pure Python (one call into a Python
 *   function that makes the `n` operations itself), a reference row.
 *
 * @module
 */

import {
  keepModule,
  O,
  P,
  type Ptr,
  rawFetchError,
  rawGil,
  rawIntern,
  rawStr,
  rawStrToJs,
  ssize,
  sym,
} from "./_common.ts";
import { CALLBACK_TITLES, WORKLOAD_TITLES } from "./_workload_info.ts";

const { Extract, PyDict, PyInt, PyString } = P;
const OX = O.Extract;

/**
 * Kept for the process: `Py`s whose pointers the raw members use, the
 * method defs and names the raw callables point at, the callbacks.
 */
const keepAlive: unknown[] = [];

/** One workload: `n` operations per iteration, every member a whole iteration. */
export interface Workload {
  /** Group name (without the ` xN` suffix). */
  name: string;
  /** What it does, for the report. */
  title: string;
  /** Operations per iteration (times are reported per operation). */
  n: number;
  raw: () => unknown;
  pool: (py: P.Python) => unknown;
  owned: (py: O.Python) => unknown;
  ownedDispose?: (py: O.Python) => unknown;
  ownedUse?: (py: O.Python) => unknown;
  python: () => unknown;
}

// The Python half: the reference loops, the callees, the kept objects.
const mod = keepModule(`
import math

def f_noargs():
    pass

def f_kw(a, b, *, c=None):
    return a

def f_ident(x):
    return x

def f_three(a, b, c):
    return a

def w_dict(n):
    d = {}
    for i in range(n):
        d[i] = i
    s = 0
    for i in range(n):
        s += d[i]
    return s

def w_list(l):
    s = 0
    for x in l:
        s += x
    return s

def w_call_noargs(f, n):
    for _ in range(n):
        f()
    return n

def w_call_kw(f, n):
    for i in range(n):
        f(i, 2, c=3)
    return n

def w_str(s, n):
    k = 0
    for _ in range(n):
        k += len(s.encode("utf-8").decode("utf-8"))
    return k

def w_getattr(m, n):
    s = 0.0
    for _ in range(n):
        s += m.pi
    return s

def w_map(f, n):
    return sum(map(f, range(n)))

def w_temporaries(n):
    t = 0
    for i in range(n):
        x = i * 3
        s = str(i)
        t += x + len(s)
    return t

def w_callback_noargs(f, n):
    for _ in range(n):
        f()
    return n

def w_callback_three(f, n):
    for i in range(n):
        f(i, 2, 3)
    return n
`);

/** A kept global of the workload module: a `Py` for the tiers and its pointer for `raw`. */
function get(name: string): { py: P.Py<P.PyAny>; ptr: Ptr } {
  return P.Python.withGil((py) => {
    const kept = P.Py.from(mod.py.bind(py).getItem(name)!);
    keepAlive.push(kept);
    return { py: kept, ptr: kept.unsafePtr };
  });
}

/** A tuple kept for the process (arguments of a reference loop). */
function keepTuple(items: unknown[]): Ptr {
  return P.Python.withGil((py) => {
    const kept = P.Py.from(P.PyTuple.new(py, items));
    keepAlive.push(kept);
    return kept.unsafePtr;
  });
}

/** `f(*args)` through the raw table, the result as a JS number (a reference loop's return). */
function callNumber(f: Ptr, args: Ptr): number {
  const r = sym.PyObject_CallObject(f, args);
  if (r === null) throw rawFetchError();
  const v = sym.PyFloat_AsDouble(r);
  sym.Py_DecRef(r);
  return v;
}

/** A `python` member: `name(*args)` once per iteration. */
function pyLoop(name: string, args: (py: P.Python) => unknown[]): () => number {
  const f = get(name).ptr;
  const t = P.Python.withGil((py) => keepTuple(args(py)));
  return () => callNumber(f, t);
}

/**
 * Operations per `py.withPool` where the stable tier's idiom makes new
 * objects (the README's advice for such loops: a pool per batch, not per
 * operation, whose ~0.1 µs would be paid each time). Divides every `N` below.
 */
const BATCH = 100;

/** A workload and its per-op temporaries, `n` operations: see each block. */
export const WORKLOADS: Workload[] = [];

// --- 1. dict: build 100k int keys, read them back ---------------------------------
{
  const N = 100_000;
  const raw = (): number => {
    const d = sym.PyDict_New()!;
    for (let i = 0; i < N; i++) {
      const k = sym.PyLong_FromDouble(i)!;
      sym.PyDict_SetItem(d, k, k);
      sym.Py_DecRef(k);
    }
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const k = sym.PyLong_FromDouble(i)!;
      const v = sym.PyDict_GetItemWithError(d, k)!;
      sym.Py_DecRef(k);
      sum += sym.PyLong_AsDouble(v);
    }
    sym.Py_DecRef(d);
    return sum;
  };
  // The idiom in both tiers: the terminal getItem(key, Extract.int) makes
  // no object per read (nothing pooled, nothing to dispose).
  const pool = (py: P.Python): number => {
    const d = PyDict.new(py);
    for (let i = 0; i < N; i++) d.setItem(i, i);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += d.getItem(i, Extract.int)!;
    return sum;
  };
  const owned = (py: O.Python): number => {
    using d = O.PyDict.new(py);
    for (let i = 0; i < N; i++) d.setItem(i, i);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += d.getItem(i, OX.int)!;
    return sum;
  };
  const ownedDispose = (py: O.Python): number => {
    const d = O.PyDict.new(py);
    for (let i = 0; i < N; i++) d.setItem(i, i);
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const v = d.getItem(i)!;
      sum += v.extract(OX.int);
      v[Symbol.dispose]();
    }
    d[Symbol.dispose]();
    return sum;
  };
  WORKLOADS.push({
    name: "dict_build_read",
    title: WORKLOAD_TITLES.dict_build_read,
    n: N,
    raw,
    pool,
    owned,
    ownedDispose,
    python: pyLoop("w_dict", () => [N]),
  });
}

// --- 2. list: iterate, extract ints -----------------------------------------------
{
  const N = 100_000;
  const list = P.Python.withGil((py) => {
    const kept = P.Py.from(py.eval(`list(range(${N}))`).downcast(P.PyList));
    keepAlive.push(kept);
    return { py: kept, ptr: kept.unsafePtr };
  });
  const raw = (): number => {
    // What iteration makes: an iterator, one new reference per item.
    const it = sym.PyObject_GetIter(list.ptr)!;
    let sum = 0;
    for (let x = sym.PyIter_Next(it); x !== null; x = sym.PyIter_Next(it)) {
      sum += sym.PyLong_AsDouble(x);
      sym.Py_DecRef(x);
    }
    sym.Py_DecRef(it);
    return sum;
  };
  // The idiom in both tiers: iter(Extract.int) yields the numbers, with no
  // object per item.
  const pool = (py: P.Python): number => {
    const l = list.py.bind(py);
    let sum = 0;
    for (const x of l.iter(Extract.int)) sum += x;
    return sum;
  };
  const owned = (py: O.Python): number => {
    using l = list.py.bind(py);
    let sum = 0;
    for (const x of l.iter(OX.int)) sum += x;
    return sum;
  };
  const ownedDispose = (py: O.Python): number => {
    const l = list.py.bind(py);
    let sum = 0;
    for (const x of l) {
      sum += x.extract(OX.int);
      x[Symbol.dispose]();
    }
    l[Symbol.dispose]();
    return sum;
  };
  WORKLOADS.push({
    name: "list_iter_int",
    title: WORKLOAD_TITLES.list_iter_int,
    n: N,
    raw,
    pool,
    owned,
    ownedDispose,
    python: pyLoop("w_list", (py) => [list.py.bind(py)]),
  });
}

// --- 3. call, no args -------------------------------------------------------------
{
  const N = 10_000;
  const f = get("f_noargs");
  const raw = (): void => {
    for (let i = 0; i < N; i++) {
      sym.Py_DecRef(sym.PyObject_CallObject(f.ptr, null));
    }
  };
  // The idiom in both tiers: the result (None) is not wanted, so the
  // terminal call0(Extract.ignore) releases it at once.
  const pool = (py: P.Python): void => {
    const fn = f.py.bind(py);
    for (let i = 0; i < N; i++) fn.call0(Extract.ignore);
  };
  const owned = (py: O.Python): void => {
    using fn = f.py.bind(py);
    for (let i = 0; i < N; i++) fn.call0(OX.ignore);
  };
  const ownedDispose = (py: O.Python): void => {
    const fn = f.py.bind(py);
    for (let i = 0; i < N; i++) fn.call0()[Symbol.dispose]();
    fn[Symbol.dispose]();
  };
  WORKLOADS.push({
    name: "call_noargs",
    title: WORKLOAD_TITLES.call_noargs,
    n: N,
    raw,
    pool,
    owned,
    ownedDispose,
    python: pyLoop("w_call_noargs", (py) => [f.py.bind(py), N]),
  });
}

// --- 4. call, 2 args + 1 kwarg ----------------------------------------------------
{
  const N = 10_000;
  const f = get("f_kw");
  const cKey = rawGil(() => rawIntern("c"));
  const raw = (): number => {
    // What the library builds: an args tuple of converted items and a kwargs dict.
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const t = sym.PyTuple_New(ssize(2))!;
      sym.PyTuple_SetItem(t, ssize(0), sym.PyLong_FromDouble(i));
      sym.PyTuple_SetItem(t, ssize(1), sym.PyLong_FromDouble(2));
      const kw = sym.PyDict_New()!;
      const c = sym.PyLong_FromDouble(3)!;
      sym.PyDict_SetItem(kw, cKey, c);
      sym.Py_DecRef(c);
      const r = sym.PyObject_Call(f.ptr, t, kw)!;
      sum += sym.PyLong_AsDouble(r);
      sym.Py_DecRef(r);
      sym.Py_DecRef(t);
      sym.Py_DecRef(kw);
    }
    return sum;
  };
  // The idiom in both tiers: the terminal call(args, kwargs, Extract.int).
  const pool = (py: P.Python): number => {
    const fn = f.py.bind(py);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += fn.call([i, 2], { c: 3 }, Extract.int);
    return sum;
  };
  const owned = (py: O.Python): number => {
    using fn = f.py.bind(py);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += fn.call([i, 2], { c: 3 }, OX.int);
    return sum;
  };
  const ownedDispose = (py: O.Python): number => {
    const fn = f.py.bind(py);
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const r = fn.call([i, 2], { c: 3 });
      sum += r.extract(OX.int);
      r[Symbol.dispose]();
    }
    fn[Symbol.dispose]();
    return sum;
  };
  WORKLOADS.push({
    name: "call_2args_kwarg",
    title: WORKLOAD_TITLES.call_2args_kwarg,
    n: N,
    raw,
    pool,
    owned,
    ownedDispose,
    python: pyLoop("w_call_kw", (py) => [f.py.bind(py), N]),
  });
}

// --- 5. string round trip (32 chars) ----------------------------------------------
{
  const N = 10_000;
  const S = "The quick brown fox jumps over 1"; // 32 characters
  if (S.length !== 32) throw new Error("S must be 32 characters");
  const raw = (): number => {
    let k = 0;
    for (let i = 0; i < N; i++) {
      const p = rawStr(S);
      k += rawStrToJs(p).length;
      sym.Py_DecRef(p);
    }
    return k;
  };
  // A new object per operation: the stable tier's pool takes them (one
  // withPool per BATCH operations bounds the memory), the experimental tier
  // releases each with `using`.
  const pool = (py: P.Python): number => {
    let k = 0;
    for (let i = 0; i < N; i += BATCH) {
      k += py.withPool(() => {
        let b = 0;
        for (let j = 0; j < BATCH; j++) {
          b += PyString.new(py, S).extract(Extract.str).length;
        }
        return b;
      });
    }
    return k;
  };
  const ownedTrip = (py: O.Python, s: string): string => {
    using p = O.PyString.new(py, s);
    return p.extract(OX.str);
  };
  const owned = (py: O.Python): number => {
    let k = 0;
    for (let i = 0; i < N; i++) k += ownedTrip(py, S).length;
    return k;
  };
  const ownedUse = (py: O.Python): number => {
    let k = 0;
    for (let i = 0; i < N; i++) {
      k += O.PyString.new(py, S).use((p) => p.extract(OX.str)).length;
    }
    return k;
  };
  const ownedDispose = (py: O.Python): number => {
    let k = 0;
    for (let i = 0; i < N; i++) {
      const p = O.PyString.new(py, S);
      k += p.extract(OX.str).length;
      p[Symbol.dispose]();
    }
    return k;
  };
  WORKLOADS.push({
    name: "str_roundtrip_32",
    title: WORKLOAD_TITLES.str_roundtrip_32,
    n: N,
    raw,
    pool,
    owned,
    ownedDispose,
    ownedUse,
    python: pyLoop("w_str", () => [S, N]),
  });
}

// --- 6. getattr math.pi + extract -------------------------------------------------
{
  const N = 10_000;
  const math = get("math");
  const piKey = rawGil(() => rawIntern("pi"));
  const raw = (): number => {
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const v = sym.PyObject_GetAttr(math.ptr, piKey)!;
      sum += sym.PyFloat_AsDouble(v);
      sym.Py_DecRef(v);
    }
    return sum;
  };
  // The idiom in both tiers: the terminal getattr(name, Extract.float).
  const pool = (py: P.Python): number => {
    const m = math.py.bind(py);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += m.getattr("pi", Extract.float);
    return sum;
  };
  const owned = (py: O.Python): number => {
    using m = math.py.bind(py);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += m.getattr("pi", OX.float);
    return sum;
  };
  const ownedDispose = (py: O.Python): number => {
    const m = math.py.bind(py);
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const v = m.getattr("pi");
      sum += v.extract(OX.float);
      v[Symbol.dispose]();
    }
    m[Symbol.dispose]();
    return sum;
  };
  WORKLOADS.push({
    name: "getattr_math_pi",
    title: WORKLOAD_TITLES.getattr_math_pi,
    n: N,
    raw,
    pool,
    owned,
    ownedDispose,
    python: pyLoop("w_getattr", (py) => [math.py.bind(py), N]),
  });
}

// --- raw callbacks: Deno.UnsafeCallback behind a PyCFunction ------------------------

const METH_O = 0x08;
const METH_FASTCALL = 0x80;

/** A `PyCFunction` over a `PyMethodDef` in JS memory (kept alive), `self` NULL. */
function rawCFunction(name: string, meth: Ptr, flags: number): Ptr {
  const cname = new TextEncoder().encode(name + "\0");
  const def = new BigUint64Array(4); // {ml_name, ml_meth, ml_flags, ml_doc}
  def[0] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(cname)));
  def[1] = BigInt(Deno.UnsafePointer.value(meth));
  def[2] = BigInt(flags);
  keepAlive.push(cname, def);
  return P.Python.withGil(() => {
    const f = sym.PyCFunction_NewEx(Deno.UnsafePointer.of(def), null, null);
    if (f === null) throw rawFetchError();
    return f; // kept for the process
  });
}

const none = P.Python.withGil((py) => {
  const kept = P.Py.from(py.None());
  keepAlive.push(kept);
  return kept.unsafePtr;
});

/** METH_O `f(x)`: returns `x` (a new reference). */
const rawIdentCb = new Deno.UnsafeCallback(
  { parameters: ["pointer", "pointer"], result: "pointer" } as const,
  (_self, x) => {
    sym.Py_IncRef(x);
    return x;
  },
);
/** METH_FASTCALL `f()`: returns `None`. */
const rawNoargsCb = new Deno.UnsafeCallback(
  { parameters: ["pointer", "pointer", "isize"], result: "pointer" } as const,
  () => {
    sym.Py_IncRef(none);
    return none;
  },
);
const argv = new BigUint64Array(3);
const argvBytes = new Uint8Array(argv.buffer);
const argvSize = ssize(24);
/**
 * METH_FASTCALL `f(a, b, c)`: reads the three argument pointers (one
 * `memcpy` of the argument vector, the cheapest read measured) and returns
 * `a` (a new reference).
 */
const rawThreeCb = new Deno.UnsafeCallback(
  { parameters: ["pointer", "pointer", "isize"], result: "pointer" } as const,
  (_self, args, nargs) => {
    if (Number(nargs) !== 3) return null; // (never happens in the bench)
    sym.memcpy(argvBytes, args, argvSize);
    const a = Deno.UnsafePointer.create(argv[0]);
    Deno.UnsafePointer.create(argv[1]);
    Deno.UnsafePointer.create(argv[2]);
    sym.Py_IncRef(a);
    return a;
  },
);
for (const cb of [rawIdentCb, rawNoargsCb, rawThreeCb]) cb.unref();
keepAlive.push(rawIdentCb, rawNoargsCb, rawThreeCb);

/** Put the new reference `f` into the workload module as `name` (a `Py` for the tiers, the pointer for `raw`). */
function publish(name: string, f: Ptr): { py: P.Py<P.PyAny>; ptr: Ptr } {
  P.Python.withGil(() => {
    if (sym.PyDict_SetItem(mod.ptr, rawIntern(name), f) !== 0) {
      throw rawFetchError();
    }
    sym.Py_DecRef(f);
  });
  return get(name);
}

/** A TypeScript function in each tier, kept for the process. */
function tsFunctions(
  sig: string,
  handler: (a: Record<string, P.PyAny>) => unknown,
): { pool: P.Py<P.PyAny>; owned: P.Py<P.PyAny> } {
  const pool = P.Python.withGil((py) =>
    P.Py.from(
      P.pyfunction(
        py,
        sig,
        handler as unknown as P.PyFunctionHandler<P.Python, string>,
      ),
    )
  );
  const owned = O.Python.withGil((py) =>
    O.pyfunction(
      py,
      sig,
      handler as unknown as O.PyFunctionHandler<O.Python, string>,
    ).unbind()
  );
  return { pool, owned };
}

/**
 * A workload whose every member runs one Python loop `loop(f, n)` over its
 * own callee: the raw callback (`raw`), the pool and owned pyfunctions, a
 * Python `def` (`python`). The tiers call the loop through their own API
 * (one call per iteration of `n` calls into TypeScript).
 */
function pythonDriven(
  name: string,
  title: string,
  n: number,
  loop: string,
  rawFn: { py: P.Py<P.PyAny> },
  ts: { pool: P.Py<P.PyAny>; owned: P.Py<P.PyAny> },
  pyFn: string,
): Workload {
  const l = get(loop);
  const rawArgs = P.Python.withGil((py) => keepTuple([rawFn.py.bind(py), n]));
  const pyArgs = P.Python.withGil((py) =>
    keepTuple([mod.py.bind(py).getItem(pyFn), n])
  );
  return {
    name,
    title,
    n,
    raw: () => callNumber(l.ptr, rawArgs),
    pool: (py) =>
      py.withPool(() =>
        l.py.bind(py).call1(ts.pool.bind(py), n).extract(Extract.int)
      ),
    owned: (py) => {
      using loopFn = l.py.bind(py);
      using f = ts.owned.bind(py);
      using r = loopFn.call1(f, n);
      return r.extract(OX.int);
    },
    python: () => callNumber(l.ptr, pyArgs),
  };
}

const rawIdent = publish(
  "raw_ident",
  rawCFunction("raw_ident", rawIdentCb.pointer, METH_O),
);
const rawNoargs = publish(
  "raw_noargs",
  rawCFunction("raw_noargs", rawNoargsCb.pointer, METH_FASTCALL),
);
const rawThree = publish(
  "raw_three",
  rawCFunction("raw_three", rawThreeCb.pointer, METH_FASTCALL),
);

// --- 7. Python calls a TypeScript function: sum(map(f, range(n))) ------------------
// raw: a METH_O PyCFunction on a Deno.UnsafeCallback returning its argument.
WORKLOADS.push(pythonDriven(
  "py_calls_ts_map",
  WORKLOAD_TITLES.py_calls_ts_map,
  10_000,
  "w_map",
  rawIdent,
  tsFunctions("f(x)", ({ x }) => x),
  "f_ident",
));

// --- 8. temporaries: a new int and a new str per operation -------------------------
{
  const N = 100_000;
  const KEY = "temporary";
  const raw = (): number => {
    let t = 0;
    for (let i = 0; i < N; i++) {
      const x = sym.PyLong_FromDouble(i)!;
      const s = rawStr(KEY);
      t += sym.PyLong_AsDouble(x) + Number(sym.PyObject_Size(s));
      sym.Py_DecRef(x);
      sym.Py_DecRef(s);
    }
    return t;
  };
  // New objects per operation: one withPool per BATCH operations (stable),
  // a `using` each (experimental).
  const pool = (py: P.Python): number => {
    let t = 0;
    for (let i = 0; i < N; i += BATCH) {
      t += py.withPool(() => {
        let b = 0;
        for (let j = i; j < i + BATCH; j++) {
          b += PyInt.new(py, j).extract(Extract.int) +
            PyString.new(py, KEY).len();
        }
        return b;
      });
    }
    return t;
  };
  const ownedTemps = (py: O.Python, i: number): number => {
    using x = O.PyInt.new(py, i);
    using s = O.PyString.new(py, KEY);
    return x.extract(OX.int) + s.len();
  };
  const owned = (py: O.Python): number => {
    let t = 0;
    for (let i = 0; i < N; i++) t += ownedTemps(py, i);
    return t;
  };
  const ownedUse = (py: O.Python): number => {
    let t = 0;
    for (let i = 0; i < N; i++) {
      t += O.PyInt.new(py, i).use((x) => x.extract(OX.int)) +
        O.PyString.new(py, KEY).use((s) => s.len());
    }
    return t;
  };
  const ownedDispose = (py: O.Python): number => {
    let t = 0;
    for (let i = 0; i < N; i++) {
      const x = O.PyInt.new(py, i);
      const s = O.PyString.new(py, KEY);
      t += x.extract(OX.int) + s.len();
      x[Symbol.dispose]();
      s[Symbol.dispose]();
    }
    return t;
  };
  WORKLOADS.push({
    name: "temporaries_int_str",
    title: WORKLOAD_TITLES.temporaries_int_str,
    n: N,
    raw,
    pool,
    owned,
    ownedDispose,
    ownedUse,
    python: pyLoop("w_temporaries", () => [N]),
  });
}

/**
 * The callback floor: a Python loop calling a TypeScript function against
 * the same loop calling a raw `Deno.UnsafeCallback` METH_FASTCALL
 * PyCFunction of the same arity (issue 13 target: pyfunction <= 2x raw).
 */
export const CALLBACKS: Workload[] = [
  pythonDriven(
    "callback_noargs",
    CALLBACK_TITLES.callback_noargs,
    10_000,
    "w_callback_noargs",
    rawNoargs,
    tsFunctions("f()", () => null),
    "f_noargs",
  ),
  pythonDriven(
    "callback_3args",
    CALLBACK_TITLES.callback_3args,
    10_000,
    "w_callback_three",
    rawThree,
    tsFunctions("f(a, b, c)", ({ a }) => a),
    "f_three",
  ),
];
