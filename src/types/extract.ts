/**
 * Typed extractors (PyO3's `FromPyObject`): `Extract.int`, `Extract.str`,
 * `Extract.list(Extract.float)`, ...
 *
 * @module
 */

import {
  bytesToJs,
  floatToJs,
  forEachItem,
  indexToNumber,
  intToBigint,
  isSubtype,
  strToJs,
  TpFlags,
  typeFlags,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "../core/exceptions.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import {
  type FromPyObject,
  PyAny,
  typeNameOf,
  wrap,
  wrapBorrowed,
} from "./any.ts";
import { PyDict } from "./dict.ts";
import type { PythonBase } from "./python.ts";

function downcastErrorPtr(p: Ptr, target: string): PyTypeError {
  return PyTypeError.newErr(
    `'${typeNameOf(p)}' object cannot be converted to '${target}'`,
  );
}

function requireFlagPtr(p: Ptr, flag: number, target: string): void {
  if ((typeFlags(runtime().sym, p) & flag) === 0) {
    throw downcastErrorPtr(p, target);
  }
}

/**
 * Internal: the built-in extractors also read a borrowed pointer directly
 * (`extractPtr`), so the combinators (`Extract.list(Extract.int)`, ...) read
 * items without making a tier object for each: no wrapper, no `Ref`, nothing
 * left in a pool. A user-defined extractor still gets a `PyAny`.
 */
interface PtrExtractor<T> extends FromPyObject<T> {
  extractPtr(p: Ptr, py: PythonBase): T;
}

/** A built-in extractor from its pointer form. */
function ptrExtractor<T>(
  extractPtr: (p: Ptr, py: PythonBase) => T,
): PtrExtractor<T> {
  return { extract: (obj) => extractPtr(obj.unsafePtr, obj.py()), extractPtr };
}

/** Extract `e` from a new reference (an iterator's item), which is released. */
function extractNew<T>(e: FromPyObject<T>, p: Ptr, py: PythonBase): T {
  const direct = (e as Partial<PtrExtractor<T>>).extractPtr;
  if (direct !== undefined) {
    try {
      return direct.call(e, p, py);
    } finally {
      runtime().sym.Py_DecRef(p);
    }
  }
  const item = wrap(py, p, PyAny);
  try {
    return e.extract(item);
  } finally {
    item[Symbol.dispose]();
  }
}

/** Extract `e` from a borrowed reference. */
function extractBorrowed<T>(e: FromPyObject<T>, p: Ptr, py: PythonBase): T {
  const direct = (e as Partial<PtrExtractor<T>>).extractPtr;
  if (direct !== undefined) return direct.call(e, p, py);
  const item = wrapBorrowed(py, p, PyAny);
  try {
    return e.extract(item);
  } finally {
    item[Symbol.dispose]();
  }
}

function tupleItems<T extends unknown[]>(
  p: Ptr,
  py: PythonBase,
  n: number,
  items: readonly FromPyObject<unknown>[],
): T {
  if (n !== items.length) {
    throw PyTypeError.newErr(
      `expected tuple of length ${items.length}, but got tuple of length ${n}`,
    );
  }
  const out: unknown[] = [];
  let i = 0;
  forEachItem(p, (x) => out.push(extractNew(items[i++], x, py)));
  return out as T;
}

/** `{k: v}` items: each key from `iter()`, its value by `getItem` (PyDict's when `viaDict`). */
function dictItems<K, V>(
  p: Ptr,
  py: PythonBase,
  key: FromPyObject<K>,
  value: FromPyObject<V>,
  viaDict: boolean,
): Map<K, V> {
  const sym = runtime().sym;
  const out = new Map<K, V>();
  forEachItem(p, (k) => {
    try {
      const v = viaDict
        ? sym.PyDict_GetItemWithError(p, k)
        : sym.PyObject_GetItem(p, k);
      if (v === null) {
        if (!viaDict || sym.PyErr_Occurred() !== null) throw fetchError();
        // PyDict.getItem's `undefined` (a key removed while extracting).
        out.set(extractBorrowed(key, k, py), value.extract(undefined as never));
        return;
      }
      if (viaDict) sym.Py_IncRef(v); // own it while the key is extracted
      let kv: K;
      try {
        kv = extractBorrowed(key, k, py);
      } catch (e) {
        sym.Py_DecRef(v);
        throw e;
      }
      out.set(kv, extractNew(value, v, py));
    } finally {
      sym.Py_DecRef(k);
    }
  });
  return out;
}

/**
 * The typed extractors. Each is a `FromPyObject<T>`; failures raise the
 * TypeError or OverflowError CPython would, with its wording.
 *
 * | extractor | accepts | JS result |
 * |---|---|---|
 * | `Extract.int` | `int` or any `__index__` object, within ±(2^53-1) | `number` |
 * | `Extract.bigint` | `int` or `__index__`, any size | `bigint` |
 * | `Extract.float` | `float`, `int`, `__float__` | `number` |
 * | `Extract.str` | `str` | `string` |
 * | `Extract.bool` | `bool` | `boolean` |
 * | `Extract.bytes` | `bytes` | `Uint8Array` |
 * | `Extract.list(e)` | `list` or `tuple` | `T[]` |
 * | `Extract.tuple(...es)` | a `tuple` of that length | `[A, B, ...]` |
 * | `Extract.dict(k, v)` | `dict` | `Map<K, V>` |
 * | `Extract.set(e)` | `set` or `frozenset` | `Set<T>` |
 * | `Extract.optional(e)` | `None` or what `e` accepts | `T \| null` |
 *
 * @example
 * ```ts ignore
 * const xs = py.eval("[1.5, 2.5]").extract(Extract.list(Extract.float));
 * const m = py.eval("{'a': (1, 'x')}").extract(Extract.dict(Extract.str, Extract.tuple(Extract.int, Extract.str)));
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
} = {
  int: ptrExtractor((p) => indexToNumber(p)),
  bigint: ptrExtractor((p) => {
    const sym = runtime().sym;
    if (typeFlags(sym, p) & TpFlags.Long) return intToBigint(p);
    const idx = sym.PyNumber_Index(p);
    if (idx === null) throw fetchError();
    try {
      return intToBigint(idx);
    } finally {
      sym.Py_DecRef(idx);
    }
  }),
  float: ptrExtractor((p) => floatToJs(p)),
  str: ptrExtractor((p) => {
    requireFlagPtr(p, TpFlags.Unicode, "PyString");
    return strToJs(p);
  }),
  bool: ptrExtractor((p) => {
    // `bool` has two instances and no subclasses: a type check and a truth
    // test (fast FFI calls) instead of two Deno.UnsafePointer.equals (~45 ns each).
    const r = runtime();
    if (isSubtype(r.sym, p, r.types.bool)) {
      return r.sym.PyObject_IsTrue(p) === 1;
    }
    throw downcastErrorPtr(p, "PyBool");
  }),
  bytes: ptrExtractor((p) => {
    requireFlagPtr(p, TpFlags.Bytes, "PyBytes");
    return bytesToJs(p);
  }),
  list: <T>(item: FromPyObject<T>): FromPyObject<T[]> =>
    ptrExtractor((p, py) => {
      const f = typeFlags(runtime().sym, p);
      if ((f & (TpFlags.List | TpFlags.Tuple)) === 0) {
        if (f & TpFlags.Unicode) {
          throw PyTypeError.newErr("Can't extract `str` to `Vec`");
        }
        throw downcastErrorPtr(p, "PySequence");
      }
      const out: T[] = [];
      forEachItem(p, (x) => out.push(extractNew(item, x, py)));
      return out;
    }),
  tuple: <T extends unknown[]>(
    ...items: { [K in keyof T]: FromPyObject<T[K]> }
  ): FromPyObject<T> => {
    const list = items as readonly FromPyObject<unknown>[];
    const e: PtrExtractor<T> = {
      extract: (obj) => {
        const p = obj.unsafePtr;
        requireFlagPtr(p, TpFlags.Tuple, "PyTuple");
        return tupleItems<T>(p, obj.py(), obj.len(), list);
      },
      extractPtr: (p, py) => {
        requireFlagPtr(p, TpFlags.Tuple, "PyTuple");
        const n = Number(runtime().sym.PyObject_Size(p)); // PyAny.len()
        if (n === -1) throw fetchError();
        return tupleItems<T>(p, py, n, list);
      },
    };
    return e;
  },
  dict: <K, V>(
    key: FromPyObject<K>,
    value: FromPyObject<V>,
  ): FromPyObject<Map<K, V>> => {
    const e: PtrExtractor<Map<K, V>> = {
      extract: (obj) => {
        const p = obj.unsafePtr;
        requireFlagPtr(p, TpFlags.Dict, "PyDict");
        return dictItems(p, obj.py(), key, value, obj instanceof PyDict);
      },
      extractPtr: (p, py) => {
        requireFlagPtr(p, TpFlags.Dict, "PyDict");
        return dictItems(p, py, key, value, false);
      },
    };
    return e;
  },
  set: <T>(item: FromPyObject<T>): FromPyObject<Set<T>> =>
    ptrExtractor((p, py) => {
      const r = runtime();
      const t = r.sym.PyObject_Type(p)!;
      const ok = r.sym.PyType_IsSubtype(t, r.types.set) ||
        r.sym.PyType_IsSubtype(t, r.types.frozenset);
      r.sym.Py_DecRef(t);
      if (!ok) throw downcastErrorPtr(p, "PySet");
      const out = new Set<T>();
      forEachItem(p, (x) => out.add(extractNew(item, x, py)));
      return out;
    }),
  optional: <T>(inner: FromPyObject<T>): FromPyObject<T | null> => {
    const e: PtrExtractor<T | null> = {
      extract: (obj) => (obj.isNone() ? null : inner.extract(obj)),
      extractPtr: (p, py) => {
        const r = runtime();
        return isSubtype(r.sym, p, r.types.noneType)
          ? null
          : extractBorrowed(inner, p, py);
      },
    };
    return e;
  },
};
