/**
 * Shared setup for the `deno bench` files, which mirror PyO3's
 * `pyo3-benches`: every case is a `Deno.bench` group with three members,
 *
 * - `raw`: the same operation written directly on the raw symbol table
 *   (`runtime().sym`): the floor, and the group's baseline;
 * - `pool`: the stable tier (`mod.ts`, PyO3 0.20's pool model);
 * - `owned`: the experimental tier (`experimental/mod.ts`, PyO3's `Bound`),
 *   releasing temporaries with `using`.
 *
 * Each iteration takes the GIL once (`PyGILState_Ensure` for `raw`,
 * `Python.withGil` for the tiers) and runs the case's loop inside, as PyO3's
 * benches run `b.iter` inside `Python::with_gil`. Objects the cases read are
 * made once, at load, and kept as `Py` references.
 *
 * The raw table is internal: it is reached here through `src/core/runtime.ts`,
 * never through an entry point.
 *
 * @module
 */

import * as P from "../mod.ts";
import * as O from "../experimental/mod.ts";
import { loadedRuntime, type Ptr, type Sym } from "../src/core/runtime.ts";
import { ssize } from "../src/core/ssize.ts";

export { O, P, ssize };
export type { Ptr, Sym };

P.Python.initialize();
/** The raw symbol table. */
export const sym: Sym = loadedRuntime().sym;
/** `None`, `True`, `False` and the builtin types (borrowed, immortal for the process). */
export const rt = loadedRuntime();

/** The stable tier's token type. */
export type PoolPy = P.Python;
/** The experimental tier's token type. */
export type OwnedPy = O.Python;

/** One case: the implementations, each a whole iteration (the GIL is held). */
export interface Trio {
  /** Direct calls on the raw table: the floor. */
  raw: () => unknown;
  /** Stable tier. */
  pool: (py: PoolPy) => unknown;
  /** Experimental tier, temporaries released with `using`. */
  owned: (py: OwnedPy) => unknown;
  /**
   * Experimental tier, the same code with `x[Symbol.dispose]()` instead of
   * `using`, for cases that dispose a temporary per item: separates the tier's
   * own cost from V8's cost of a `using` scope.
   */
  ownedDispose?: (py: OwnedPy) => unknown;
  /**
   * Experimental tier, each temporary made per operation released by
   * `x.use(f)` instead of a `using` block (member `owned-use`), where the
   * case has such temporaries.
   */
  ownedUse?: (py: OwnedPy) => unknown;
  /**
   * The same workload written in pure Python, timed in the same run as a
   * reference (member `python`): one call into a Python function that loops
   * the workload's `n` operations itself.
   */
  python?: () => unknown;
}

/** Values the cases return are kept here so nothing is optimized away. */
export let sink: unknown = undefined;

/**
 * Register one group: `raw` (baseline), `pool`, `owned` (and `owned-dispose`
 * and `python` when given). `name` is the PyO3 bench name; `n` how many operations one
 * iteration makes (for the report).
 *
 * Every member runs its loop the same way: as the callback of a `withGil`
 * (the raw member's scope holds nothing; it only takes the GIL), so each loop
 * sits in the same place for V8's tiers. A loop function that a small caller
 * inlines can stay in code where Deno's FFI calls are several times slower,
 * which would distort the ratios (see bench/README.md).
 */
export function group(name: string, n: number, trio: Trio): void {
  const groupName = n > 1 ? `${name} x${n}` : name;
  const raw = trio.raw, pool = trio.pool, owned = trio.owned;
  Deno.bench({
    name: `${name}/raw`,
    group: groupName,
    baseline: true,
    fn: () => {
      sink = P.Python.withGil(raw);
    },
  });
  Deno.bench({
    name: `${name}/pool`,
    group: groupName,
    fn: () => {
      sink = P.Python.withGil(pool);
    },
  });
  Deno.bench({
    name: `${name}/owned`,
    group: groupName,
    fn: () => {
      sink = O.Python.withGil(owned);
    },
  });
  const variants = [
    ["owned-dispose", trio.ownedDispose],
    ["owned-use", trio.ownedUse],
  ] as const;
  for (const [member, body] of variants) {
    if (body === undefined) continue;
    Deno.bench({
      name: `${name}/${member}`,
      group: groupName,
      fn: () => {
        sink = O.Python.withGil(body);
      },
    });
  }
  const python = trio.python;
  if (python !== undefined) {
    Deno.bench({
      name: `${name}/python`,
      group: groupName,
      fn: () => {
        sink = P.Python.withGil(python);
      },
    });
  }
}

// A real program passes many callbacks to withGil: make its call sites see
// several, so no bench callback is inlined into the library's frames just
// because it was the first one measured.
{
  let k = 0;
  const cbs = [
    () => k++,
    () => (k += 2),
    () => (k += 3),
    () => (k += 4),
    () => (k += 5),
    (x: unknown) => x,
  ];
  for (let i = 0; i < 200; i++) {
    for (const cb of cbs) {
      P.Python.withGil(cb);
      O.Python.withGil(cb);
    }
  }
}

/** Run `f` with the GIL held through the raw table (for setup). */
export function rawGil<R>(f: () => R): R {
  const g = sym.PyGILState_Ensure();
  try {
    return f();
  } finally {
    sym.PyGILState_Release(g);
  }
}

/**
 * Evaluate `code` once and keep the result for the life of the process: a
 * `Py` for the tiers (bind it in each iteration) and the raw pointer (owned by
 * that `Py`) for `raw`.
 */
export function keep<T extends P.PyAny = P.PyAny>(
  code: string,
  as?: P.PyTypeInfo<T>,
) {
  return P.Python.withGil((py) => {
    const obj = py.eval(code);
    const typed = (as ? obj.downcast(as) : obj) as T;
    const kept = P.Py.from(typed);
    return { py: kept, ptr: kept.unsafePtr };
  });
}

/** Run statements in a fresh module namespace and keep its globals dict. */
export function keepModule(code: string) {
  return P.Python.withGil((py) => {
    const g = P.PyDict.new(py);
    py.run(code, g);
    const kept = P.Py.from(g);
    return { py: kept, ptr: kept.unsafePtr };
  });
}

const enc = new TextEncoder();
let strScratch = new Uint8Array(1024);
/** A new `str` through the raw table (what `raw` does for a JS string argument: UTF-8 into a scratch buffer). */
export function rawStr(s: string): Ptr {
  if (strScratch.length < s.length * 3) {
    strScratch = new Uint8Array(s.length * 3);
  }
  // The fastest way measured, as the library does: short ASCII unit by unit
  // (no TextEncoder op call), anything else through encodeInto.
  const n = s.length;
  let i = 0;
  if (n <= 256) {
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      strScratch[i] = c;
    }
  }
  const written = i === n ? n : enc.encodeInto(s, strScratch).written;
  return sym.PyUnicode_DecodeUTF8(strScratch, ssize(written), null)!;
}

/** An interned `str`, kept for the process (like `intern!`). */
export function rawIntern(s: string): Ptr {
  return sym.PyUnicode_InternFromString(enc.encode(s + "\0"))!;
}

const sizeOut = new BigInt64Array(1);
let scratch = new Uint8Array(256);
const dec = new TextDecoder();
/**
 * `str` to JS string, the minimal raw way: one `getCString` when that reads
 * all `n` bytes as `n` characters (ASCII, no NUL), else memcpy + decode.
 */
export function rawStrToJs(p: Ptr): string {
  const data = sym.PyUnicode_AsUTF8AndSize(p, sizeOut)!;
  const n = Number(sizeOut[0]);
  if (n === 0) return "";
  if (n <= 256) {
    const quick = Deno.UnsafePointerView.getCString(data);
    if (quick.length === n) return quick;
  }
  if (scratch.length < n) scratch = new Uint8Array(n * 2);
  sym.memcpy(scratch, data, ssize(n));
  return dec.decode(scratch.subarray(0, n));
}

/** `tp_flags` of `type(p)` through the raw table. */
export function rawFlags(p: Ptr): number {
  const t = sym.PyObject_Type(p)!;
  const f = sym.PyType_GetFlags(t);
  sym.Py_DecRef(t);
  return f;
}

/** `isinstance(p, type)` for a builtin type through the raw table. */
export function rawIsSubtype(p: Ptr, type: Ptr): boolean {
  const t = sym.PyObject_Type(p)!;
  const r = sym.PyType_IsSubtype(t, type) !== 0;
  sym.Py_DecRef(t);
  return r;
}

/** `type(p).__name__` through the raw table (for raw error messages). */
const nameKey = rawGil(() => rawIntern("__name__"));
export function rawTypeName(p: Ptr): string {
  const t = sym.PyObject_Type(p)!;
  const n = sym.PyObject_GetAttr(t, nameKey)!;
  sym.Py_DecRef(t);
  const s = rawStrToJs(n);
  sym.Py_DecRef(n);
  return s;
}

const outT = new BigUint64Array(1);
const outV = new BigUint64Array(1);
const outTb = new BigUint64Array(1);
/**
 * The raw floor of "a Python exception becomes a JS error": fetch, normalize,
 * `str(value)`, a JS `Error` with that message; the exception is released.
 */
export function rawFetchError(): Error {
  sym.PyErr_Fetch(outT, outV, outTb);
  sym.PyErr_NormalizeException(outT, outV, outTb);
  const t = Deno.UnsafePointer.create(outT[0])!;
  const v = Deno.UnsafePointer.create(outV[0])!;
  const tb = outTb[0] === 0n ? null : Deno.UnsafePointer.create(outTb[0]);
  const s = sym.PyObject_Str(v)!;
  const err = new Error(rawStrToJs(s));
  sym.Py_DecRef(s);
  sym.Py_DecRef(t);
  sym.Py_DecRef(v);
  if (tb !== null) sym.Py_DecRef(tb);
  return err;
}

/** `[0, 1, ..., n-1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Call `f(arg)` `n` times, each call expected to throw; returns the count of
 * failures (the failure cases' loop: one call of `f` per iteration).
 */
export function fails<A>(n: number, f: (arg: A) => unknown, arg: A): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    try {
      f(arg);
    } catch {
      k++;
    }
  }
  if (k !== n) throw new Error("expected every call to fail");
  return k;
}

/** The raw floor of a failed downcast: the tiers' `TypeError` message, with `type(p).__name__`. */
export function rawDowncastError(p: Ptr, target: string): TypeError {
  return new TypeError(
    `'${rawTypeName(p)}' object cannot be converted to '${target}'`,
  );
}

/**
 * Register a failure case: every member calls `fails(n, ...)` once, `raw`
 * with `rawFail` on `obj`'s pointer, the tiers with `op` on `obj` bound
 * (released with `using` in `owned`). Each iteration makes `n` failing calls.
 */
export function failGroup<T extends P.PyAny>(
  name: string,
  n: number,
  obj: { py: P.Py<T>; ptr: Ptr },
  rawFail: (p: Ptr) => unknown,
  op: (o: T) => unknown,
): void {
  group(name, n, {
    raw: () => fails(n, rawFail, obj.ptr),
    pool: (py) => {
      const o = obj.py.bind(py);
      return fails(n, op, o);
    },
    owned: (py) => {
      using o = obj.py.bind(py);
      return fails(n, op, o);
    },
  });
}
