/**
 * Typed extractors (PyO3's `FromPyObject`): `Extract.int`, `Extract.str`,
 * `Extract.list(Extract.float)`, ...
 *
 * @module
 */

import {
  bytesToJs,
  floatToJs,
  indexToNumber,
  intToBigint,
  strToJs,
  TpFlags,
  typeFlags,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "../core/exceptions.ts";
import { runtime } from "../core/runtime.ts";
import { type FromPyObject, type PyAny, typeNameOf } from "./any.ts";

function downcastError(obj: PyAny, target: string): PyTypeError {
  return PyTypeError.newErr(
    `'${typeNameOf(obj.unsafePtr)}' object cannot be converted to '${target}'`,
  );
}

function requireFlag(obj: PyAny, flag: number, target: string): void {
  if ((typeFlags(runtime().sym, obj.unsafePtr) & flag) === 0) {
    throw downcastError(obj, target);
  }
}

/** Walk a Python iterable, extracting each item; the temporaries never reach a tier. */
function extractItems<T>(
  obj: PyAny,
  each: (item: PyAny) => T,
  out: (v: T) => void,
): void {
  for (const item of obj) {
    try {
      out(each(item));
    } finally {
      item[Symbol.dispose]();
    }
  }
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
  int: { extract: (obj) => indexToNumber(obj.unsafePtr) },
  bigint: {
    extract: (obj) => {
      const sym = runtime().sym;
      const p = obj.unsafePtr;
      if (typeFlags(sym, p) & TpFlags.Long) return intToBigint(p);
      const idx = sym.PyNumber_Index(p);
      if (idx === null) throw fetchError();
      try {
        return intToBigint(idx);
      } finally {
        sym.Py_DecRef(idx);
      }
    },
  },
  float: { extract: (obj) => floatToJs(obj.unsafePtr) },
  str: {
    extract: (obj) => {
      requireFlag(obj, TpFlags.Unicode, "PyString");
      return strToJs(obj.unsafePtr);
    },
  },
  bool: {
    extract: (obj) => {
      const r = runtime();
      const p = obj.unsafePtr;
      if (Deno.UnsafePointer.equals(p, r.true_)) return true;
      if (Deno.UnsafePointer.equals(p, r.false_)) return false;
      throw downcastError(obj, "PyBool");
    },
  },
  bytes: {
    extract: (obj) => {
      requireFlag(obj, TpFlags.Bytes, "PyBytes");
      return bytesToJs(obj.unsafePtr);
    },
  },
  list: <T>(item: FromPyObject<T>): FromPyObject<T[]> => ({
    extract: (obj) => {
      const f = typeFlags(runtime().sym, obj.unsafePtr);
      if ((f & (TpFlags.List | TpFlags.Tuple)) === 0) {
        if (f & TpFlags.Unicode) {
          throw PyTypeError.newErr("Can't extract `str` to `Vec`");
        }
        throw downcastError(obj, "PySequence");
      }
      const out: T[] = [];
      extractItems(obj, (x) => item.extract(x), (v) => out.push(v));
      return out;
    },
  }),
  tuple: <T extends unknown[]>(
    ...items: { [K in keyof T]: FromPyObject<T[K]> }
  ): FromPyObject<T> => ({
    extract: (obj) => {
      requireFlag(obj, TpFlags.Tuple, "PyTuple");
      const n = obj.len();
      if (n !== items.length) {
        throw PyTypeError.newErr(
          `expected tuple of length ${items.length}, but got tuple of length ${n}`,
        );
      }
      const out: unknown[] = [];
      let i = 0;
      extractItems(
        obj,
        (x) => (items[i++] as FromPyObject<unknown>).extract(x),
        (v) => out.push(v),
      );
      return out as T;
    },
  }),
  dict: <K, V>(
    key: FromPyObject<K>,
    value: FromPyObject<V>,
  ): FromPyObject<Map<K, V>> => ({
    extract: (obj) => {
      requireFlag(obj, TpFlags.Dict, "PyDict");
      const out = new Map<K, V>();
      for (const k of obj) {
        try {
          const v = obj.getItem(k);
          try {
            out.set(key.extract(k), value.extract(v));
          } finally {
            v[Symbol.dispose]();
          }
        } finally {
          k[Symbol.dispose]();
        }
      }
      return out;
    },
  }),
  set: <T>(item: FromPyObject<T>): FromPyObject<Set<T>> => ({
    extract: (obj) => {
      const r = runtime();
      const t = r.sym.PyObject_Type(obj.unsafePtr)!;
      const ok = r.sym.PyType_IsSubtype(t, r.types.set) ||
        r.sym.PyType_IsSubtype(t, r.types.frozenset);
      r.sym.Py_DecRef(t);
      if (!ok) throw downcastError(obj, "PySet");
      const out = new Set<T>();
      extractItems(obj, (x) => item.extract(x), (v) => out.add(v));
      return out;
    },
  }),
  optional: <T>(inner: FromPyObject<T>): FromPyObject<T | null> => ({
    extract: (obj) => (obj.isNone() ? null : inner.extract(obj)),
  }),
};
