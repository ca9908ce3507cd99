/**
 * Typed extractors (PyO3's `FromPyObject`): `Extract.int`, `Extract.str`,
 * `Extract.list(Extract.float)`, ...
 *
 * @module
 */

import {
  bytesToJs,
  collision,
  dictSnapshot,
  floatToJs,
  forEachItem,
  indexToNumber,
  intToBigint,
  isSubtype,
  strToJsIfStr,
  TpFlags,
  tupleSize,
  typeFlags,
  typeName,
  withIndex,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "./exceptions.ts";
import { enterUser, leaveUser } from "../core/gil.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { type FromPyObject, ptrOf, PyAny, wrap, wrapBorrowed } from "./any.ts";
import type { PythonBase } from "./python.ts";
import {
  type BufferArrayConstructor,
  isBufferArrayConstructor,
  withTransientBuffer,
} from "./buffer.ts";

function downcastErrorPtr(p: Ptr, target: string): PyTypeError {
  return PyTypeError.newErr(
    `'${typeName(p)}' object cannot be converted to '${target}'`,
  );
}

function requireFlagPtr(p: Ptr, flag: number, target: string): void {
  if ((typeFlags(runtime().sym, p) & flag) === 0) {
    throw downcastErrorPtr(p, target);
  }
}

/** How a built-in extractor reads a borrowed pointer (valid for the call). */
type PtrFn<T> = (p: Ptr, py: PythonBase) => T;

/**
 * The built-in extractors and their pointer forms. Only the extractors made
 * in this module are in it (they are frozen), so a combinator reads the
 * items of a container straight from their pointers (no wrapper, no `Ref`,
 * nothing left in a pool) for a built-in item extractor only: a user
 * object, whatever properties it has, gets a `PyAny` and never a raw
 * pointer.
 */
const builtins = new WeakMap<object, PtrFn<unknown>>();

/** A JS value for an error message (reads nothing that can run user code). */
function describeJs(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object" && typeof v !== "function") return typeof v;
  return Array.isArray(v) ? "an array" : `a JS ${typeof v}`;
}

/**
 * The borrowed pointer of `obj`, a `PyAny`. Anything else is a PyTypeError:
 * a look-alike object (`Object.create(PyAny.prototype)`, a Proxy) fails the
 * `#private` brand check inside the `unsafePtr` getter, whose JS TypeError
 * becomes this one. (Measured: this costs nothing on the hot path, where a
 * call through `borrowedPtr` cost ~25 ns per `extract(Extract.int)`.)
 */
function receiverPtr(obj: unknown, name: string): Ptr {
  if (obj instanceof PyAny) {
    try {
      return ptrOf(obj);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e; // released, or no GIL
    }
  }
  throw PyTypeError.newErr(
    `${name}.extract() takes a Python object (a PyAny), not ${describeJs(obj)}`,
  );
}

/**
 * A built-in extractor from its pointer form; `top` (optional) replaces the
 * pointer form for the extractor's own `extract(obj)`.
 */
function builtin<T>(
  name: string,
  f: PtrFn<T>,
  top?: (obj: PyAny, p: Ptr) => T,
): FromPyObject<T> {
  const e: FromPyObject<T> = Object.freeze({
    extract: top === undefined
      ? (obj: PyAny): T => f(receiverPtr(obj, name), obj.py())
      : (obj: PyAny): T => top(obj, receiverPtr(obj, name)),
  });
  builtins.set(e, f as PtrFn<unknown>);
  return e;
}

/** An item extractor as a combinator holds it: resolved once, at construction. */
export interface Item<T> {
  /** The pointer form when `e` is built-in. */
  readonly direct: PtrFn<T> | undefined;
  readonly e: FromPyObject<T>;
}

function itemOf<T>(e: FromPyObject<T>, where: string): Item<T> {
  if (
    (typeof e !== "object" && typeof e !== "function") || e === null ||
    typeof e.extract !== "function"
  ) {
    throw PyTypeError.newErr(
      `${where}: expected an extractor (an object with an extract(obj) method, such as Extract.int), got ${
        describeJs(e)
      }`,
    );
  }
  return { direct: builtins.get(e) as PtrFn<T> | undefined, e };
}

/**
 * Extract `it` from the borrowed pointer `p`, which the caller keeps alive
 * (an item of an immutable tuple the caller holds). A user extractor gets a
 * `PyAny` of its own and runs as user code inside the operation
 * (`enterUser`), so whatever it releases stays valid until the operation
 * ends.
 */
function extractItem<T>(it: Item<T>, p: Ptr, py: PythonBase): T {
  const direct = it.direct;
  if (direct !== undefined) return direct(p, py);
  return callUser(it, wrapBorrowed(py, p, PyAny));
}

/** Call a user extractor on `obj` (its own wrapper, disposed after) as user code. */
function callUser<T>(it: Item<T>, obj: PyAny): T {
  try {
    enterUser();
    try {
      const f = it.e.extract;
      if (typeof f !== "function") {
        throw PyTypeError.newErr(
          "an extractor's extract is no longer a function",
        );
      }
      return f.call(it.e, obj);
    } finally {
      leaveUser();
    }
  } finally {
    obj[Symbol.dispose]();
  }
}

/** {@linkcode extractItem} for a new reference `p`, which is released (or adopted). */
function extractOwned<T>(it: Item<T>, p: Ptr, py: PythonBase): T {
  const direct = it.direct;
  if (direct !== undefined) {
    try {
      return direct(p, py);
    } finally {
      runtime().sym.Py_DecRef(p);
    }
  }
  return callUser(it, wrap(py, p, PyAny)); // the wrapper adopts p
}

/** The extractor last resolved by {@linkcode extractorItem}, and its item. */
let lastExtractor: unknown;
let lastItem: Item<unknown> | undefined;

/**
 * Internal: `e` checked and resolved for a terminal operation (`getattr(name,
 * e)`, `getItem(key, e)`, `call(args, kwargs, e)`, ...), before the
 * operation runs, so a wrong argument is a `PyTypeError` with nothing done.
 * A one-entry cache keeps a loop over one extractor to an identity test.
 */
export function extractorItem<T>(e: FromPyObject<T>, where: string): Item<T> {
  if (e === lastExtractor) return lastItem as Item<T>;
  const it = itemOf(e, where);
  lastExtractor = e;
  lastItem = it;
  return it;
}

/**
 * Internal: the new reference `p` (an operation's result; `null` means the
 * operation raised) extracted with `it` and released: a built-in extractor
 * reads the pointer and no wrapper, `Ref` or pool entry is made; a user
 * extractor gets a `PyAny` of its own, disposed after.
 */
export function extractResult<T>(
  it: Item<T>,
  p: Ptr | null,
  py: PythonBase,
): T {
  if (p === null) throw fetchError();
  return extractOwned(it, p, py);
}

/**
 * Run `f` over `snap`, a new tuple (a snapshot: it holds a strong reference
 * to each item and cannot change), then release it.
 */
function withSnapshot<R>(snap: Ptr | null, f: (t: Ptr, n: number) => R): R {
  if (snap === null) throw fetchError();
  try {
    return f(snap, tupleSize(snap));
  } finally {
    runtime().sym.Py_DecRef(snap);
  }
}

function isAnySet(p: Ptr): boolean {
  const r = runtime();
  const t = r.sym.PyObject_Type(p)!;
  const ok = r.sym.PyType_IsSubtype(t, r.types.set) !== 0 ||
    r.sym.PyType_IsSubtype(t, r.types.frozenset) !== 0;
  r.sym.Py_DecRef(t);
  return ok;
}

/**
 * The typed extractors. Each is a `FromPyObject<T>`; failures raise the
 * TypeError or OverflowError CPython would, with its wording, and nothing
 * else escapes them (any misuse is a `PyTypeError`).
 *
 * | extractor | accepts | JS result |
 * |---|---|---|
 * | `Extract.int` | `int` or any `__index__` object, within ±(2^53-1) | `number` |
 * | `Extract.bigint` | `int` or `__index__`, any size | `bigint` |
 * | `Extract.float` | `float`, `int`, `__float__` | `number` |
 * | `Extract.str` | `str` | `string` |
 * | `Extract.bool` | `bool` | `boolean` |
 * | `Extract.bytes` | `bytes` | `Uint8Array` |
 * | `Extract.list(e)` | `list` or `tuple` (the items `iter()` gives) | `T[]` |
 * | `Extract.tuple(...es)` | a `tuple` of that length (its own items, `PyTuple_GetItem`) | `[A, B, ...]` |
 * | `Extract.dict(k, v)` | `dict` (its own items, as `PyDict_Next`) | `Map<K, V>` |
 * | `Extract.set(e)` | `set` or `frozenset` | `Set<T>` |
 * | `Extract.optional(e)` | `None` or what `e` accepts | `T \| null` |
 * | `Extract.ignore` | anything (nothing is read) | `undefined` |
 * | `Extract.typedArray(C)` | a buffer-protocol object whose items are `C`'s (`PyBuffer.arrayType === C`) | a copy, `C` (C order) |
 * | `Extract.shapedArray(C)` | the same | `{ shape, data }`: `data` a C-order copy |
 *
 * Containers are read through new references (an iterator's items, or a
 * snapshot tuple taken first), so Python code that runs during the
 * extraction (an item's `__index__`, a user extractor) and changes the
 * container cannot make the extraction read freed memory. Two
 * distinct keys (or set items) that extract to the same JS value (two NaN
 * floats) are a ValueError, not a silently smaller Map or Set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, Python, PyTypeError } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const xs = py.eval("[1.5, 2.5]").extract(Extract.list(Extract.float));
 *   assert.deepEqual(xs, [1.5, 2.5]);
 *   const pair = Extract.tuple(Extract.int, Extract.str);
 *   const m = py.eval("{'a': (1, 'x')}").extract(Extract.dict(Extract.str, pair));
 *   assert.deepEqual(m, new Map([["a", [1, "x"]]]));
 *   // a wrong type is the TypeError CPython raises
 *   assert.throws(() => py.eval("'3'").extract(Extract.int), PyTypeError);
 * });
 * ```
 */
export const Extract: {
  readonly int: FromPyObject<number>;
  readonly bigint: FromPyObject<bigint>;
  readonly float: FromPyObject<number>;
  readonly str: FromPyObject<string>;
  readonly bool: FromPyObject<boolean>;
  readonly bytes: FromPyObject<Uint8Array>;
  list<T>(item: FromPyObject<T>): FromPyObject<T[]>;
  tuple<T extends unknown[]>(
    ...items: { [K in keyof T]: FromPyObject<T[K]> }
  ): FromPyObject<T>;
  dict<K, V>(
    key: FromPyObject<K>,
    value: FromPyObject<V>,
  ): FromPyObject<Map<K, V>>;
  set<T>(item: FromPyObject<T>): FromPyObject<Set<T>>;
  optional<T>(inner: FromPyObject<T>): FromPyObject<T | null>;
  readonly ignore: FromPyObject<undefined>;
  typedArray<C extends BufferArrayConstructor>(
    type: C,
  ): FromPyObject<InstanceType<C>>;
  shapedArray<C extends BufferArrayConstructor>(
    type: C,
  ): FromPyObject<{ shape: number[]; data: InstanceType<C> }>;
} = Object.freeze({
  int: builtin("Extract.int", (p) => indexToNumber(p)),
  bigint: builtin("Extract.bigint", (p) => {
    const sym = runtime().sym;
    if (typeFlags(sym, p) & TpFlags.Long) return intToBigint(p);
    return withIndex(p, intToBigint);
  }),
  float: builtin("Extract.float", (p) => floatToJs(p)),
  str: builtin("Extract.str", (p) => {
    const s = strToJsIfStr(p);
    if (s === null) throw downcastErrorPtr(p, "PyString");
    return s;
  }),
  bool: builtin("Extract.bool", (p) => {
    // `bool` has two instances and no subclasses: a type check and a truth
    // test (fast FFI calls) instead of two Deno.UnsafePointer.equals (~45 ns each).
    const r = runtime();
    if (isSubtype(r.sym, p, r.types.bool)) {
      return r.sym.PyObject_IsTrue(p) === 1;
    }
    throw downcastErrorPtr(p, "PyBool");
  }),
  bytes: builtin("Extract.bytes", (p) => {
    requireFlagPtr(p, TpFlags.Bytes, "PyBytes");
    return bytesToJs(p);
  }),
  list: <T>(item: FromPyObject<T>): FromPyObject<T[]> => {
    const it = itemOf(item, "Extract.list");
    return builtin("Extract.list", (p, py) => {
      const sym = runtime().sym;
      const f = typeFlags(sym, p);
      if ((f & (TpFlags.List | TpFlags.Tuple)) === 0) {
        if (f & TpFlags.Unicode) {
          throw PyTypeError.newErr("Can't extract `str` to `Vec`");
        }
        throw downcastErrorPtr(p, "PySequence");
      }
      // The items `iter(p)` gives, one new reference at a time (a list's
      // iterator re-reads the length at each step, so Python code that
      // shrinks the list while an item is extracted ends the loop early).
      const out: T[] = [];
      forEachItem(p, (x) => out.push(extractOwned(it, x, py)));
      return out;
    });
  },
  tuple: <T extends unknown[]>(
    ...items: { [K in keyof T]: FromPyObject<T[K]> }
  ): FromPyObject<T> => {
    const its = (items as readonly FromPyObject<unknown>[]).map((e, i) =>
      itemOf(e, `Extract.tuple (item ${i})`)
    );
    return builtin("Extract.tuple", (p, py) => {
      // The concrete tuple API, as CPython's own tuple code reads it: the
      // type check `PyTuple_Check`, then `PyTuple_Size`/`PyTuple_GetItem`,
      // so a subclass's `__len__`/`__iter__` cannot disagree with the items.
      requireFlagPtr(p, TpFlags.Tuple, "PyTuple");
      const sym = runtime().sym;
      const n = tupleSize(p);
      if (n !== its.length) {
        throw PyTypeError.newErr(
          `expected tuple of length ${its.length}, but got tuple of length ${n}`,
        );
      }
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        // Borrowed: a tuple's items cannot change while it is alive.
        out[i] = extractItem(its[i], sym.PyTuple_GetItem(p, ssize(i))!, py);
      }
      return out as T;
    });
  },
  dict: <K, V>(
    key: FromPyObject<K>,
    value: FromPyObject<V>,
  ): FromPyObject<Map<K, V>> => {
    const ik = itemOf(key, "Extract.dict (key)");
    const iv = itemOf(value, "Extract.dict (value)");
    return builtin("Extract.dict", (p, py) => {
      requireFlagPtr(p, TpFlags.Dict, "PyDict");
      const sym = runtime().sym;
      const [keys, values] = dictSnapshot(p);
      try {
        const out = new Map<K, V>();
        const n = tupleSize(keys);
        for (let i = 0; i < n; i++) {
          const k = extractItem(ik, sym.PyTuple_GetItem(keys, ssize(i))!, py);
          out.set(
            k,
            extractItem(iv, sym.PyTuple_GetItem(values, ssize(i))!, py),
          );
          if (out.size !== i + 1) {
            throw collision("Extract.dict: two distinct keys", keys, i, k, out);
          }
        }
        return out;
      } finally {
        sym.Py_DecRef(keys);
        sym.Py_DecRef(values);
      }
    });
  },
  set: <T>(item: FromPyObject<T>): FromPyObject<Set<T>> => {
    const it = itemOf(item, "Extract.set");
    return builtin("Extract.set", (p, py) => {
      if (!isAnySet(p)) throw downcastErrorPtr(p, "PySet");
      const sym = runtime().sym;
      return withSnapshot(sym.PySequence_Tuple(p), (t, n) => {
        const out = new Set<T>();
        for (let i = 0; i < n; i++) {
          const v = extractItem(it, sym.PyTuple_GetItem(t, ssize(i))!, py);
          out.add(v);
          if (out.size !== i + 1) {
            throw collision("Extract.set: two distinct items", t, i, v, out);
          }
        }
        return out;
      });
    });
  },
  optional: <T>(inner: FromPyObject<T>): FromPyObject<T | null> => {
    const it = itemOf(inner, "Extract.optional");
    const isNone = (p: Ptr): boolean => {
      const r = runtime();
      return isSubtype(r.sym, p, r.types.noneType);
    };
    return builtin(
      "Extract.optional",
      (p, py) => isNone(p) ? null : extractItem(it, p, py),
      (obj, p) => {
        if (isNone(p)) return null;
        if (it.direct !== undefined) return it.direct(p, obj.py());
        // A user extractor gets the caller's own object, as if called directly.
        enterUser();
        try {
          return it.e.extract(obj);
        } finally {
          leaveUser();
        }
      },
    );
  },
  // For a terminal operation whose result is not wanted (`list.callMethod(
  // "append", [x], undefined, Extract.ignore)`): the result is released at
  // once, with no object made for it.
  ignore: builtin("Extract.ignore", () => undefined),
  typedArray: <C extends BufferArrayConstructor>(
    type: C,
  ): FromPyObject<InstanceType<C>> => {
    checkArrayType(type, "Extract.typedArray");
    return Object.freeze({
      extract: (obj: PyAny): InstanceType<C> => {
        return withTransientBuffer(obj, (b) => b.toTypedArray(type));
      },
    });
  },
  shapedArray: <C extends BufferArrayConstructor>(
    type: C,
  ): FromPyObject<{ shape: number[]; data: InstanceType<C> }> => {
    checkArrayType(type, "Extract.shapedArray");
    return Object.freeze({
      extract: (obj: PyAny): { shape: number[]; data: InstanceType<C> } => {
        return withTransientBuffer(obj, (b) => ({
          shape: [...b.shape],
          data: b.toTypedArray(type),
        }));
      },
    });
  },
});

function checkArrayType(type: unknown, where: string): void {
  if (!isBufferArrayConstructor(type)) {
    throw PyTypeError.newErr(
      `${where}: expected a TypedArray class (Float64Array, Int32Array, BigInt64Array, Uint8Array, ...), got ${
        describeJs(type)
      }`,
    );
  }
}
