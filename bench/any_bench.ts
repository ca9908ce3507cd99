/**
 * PyO3's `bench_any.rs`: `identify_object_type` (a chain of `isinstance`
 * checks that falls through to "unknown") and `collect_generic_iterator`.
 *
 * @module
 */

import {
  group,
  keep,
  P,
  type Ptr,
  rawFlags,
  rawIsSubtype,
  rt,
  sym,
} from "./_common.ts";

const {
  PyBool,
  PyByteArray,
  PyBytes,
  PyDict,
  PyFloat,
  PyFrozenSet,
  PyInt,
  PyList,
  PySet,
  PyString,
  PyTuple,
} = P;

const enum Kind {
  None,
  Bool,
  ByteArray,
  Bytes,
  Dict,
  Float,
  FrozenSet,
  Int,
  List,
  Set,
  Str,
  Tuple,
  Unknown,
}

// Py_TPFLAGS_*_SUBCLASS bits.
const LONG = 1 << 24,
  LIST = 1 << 25,
  TUPLE = 1 << 26,
  BYTES = 1 << 27,
  UNICODE = 1 << 28,
  DICT = 1 << 29;

/** Each check on its own, as `is_instance_of::<T>()` does. */
function rawFind(p: Ptr): Kind {
  if (rawIsSubtype(p, rt.types.noneType)) return Kind.None;
  if (rawIsSubtype(p, rt.types.bool)) return Kind.Bool;
  if (rawIsSubtype(p, rt.types.bytearray)) return Kind.ByteArray;
  if (rawFlags(p) & BYTES) return Kind.Bytes;
  if (rawFlags(p) & DICT) return Kind.Dict;
  if (rawIsSubtype(p, rt.types.float)) return Kind.Float;
  if (rawIsSubtype(p, rt.types.frozenset)) return Kind.FrozenSet;
  if (rawFlags(p) & LONG) return Kind.Int;
  if (rawFlags(p) & LIST) return Kind.List;
  if (rawIsSubtype(p, rt.types.set)) return Kind.Set;
  if (rawFlags(p) & UNICODE) return Kind.Str;
  if (rawFlags(p) & TUPLE) return Kind.Tuple;
  return Kind.Unknown;
}

function find(obj: P.PyAny): Kind {
  if (obj.isNone()) return Kind.None;
  if (obj.isInstanceOf(PyBool)) return Kind.Bool;
  if (obj.isInstanceOf(PyByteArray)) return Kind.ByteArray;
  if (obj.isInstanceOf(PyBytes)) return Kind.Bytes;
  if (obj.isInstanceOf(PyDict)) return Kind.Dict;
  if (obj.isInstanceOf(PyFloat)) return Kind.Float;
  if (obj.isInstanceOf(PyFrozenSet)) return Kind.FrozenSet;
  if (obj.isInstanceOf(PyInt)) return Kind.Int;
  if (obj.isInstanceOf(PyList)) return Kind.List;
  if (obj.isInstanceOf(PySet)) return Kind.Set;
  if (obj.isInstanceOf(PyString)) return Kind.Str;
  if (obj.isInstanceOf(PyTuple)) return Kind.Tuple;
  return Kind.Unknown;
}

// identify_object_type: find_object_type(object()), 1,000 per iteration.
{
  const N = 1000;
  const obj = keep("object()");
  group("identify_object_type", N, {
    raw: () => {
      let k = 0;
      for (let i = 0; i < N; i++) k += rawFind(obj.ptr);
      if (k !== N * Kind.Unknown) throw new Error("wrong kind");
    },
    pool: (py) => {
      const o = obj.py.bind(py);
      let k = 0;
      for (let i = 0; i < N; i++) k += find(o);
      if (k !== N * Kind.Unknown) throw new Error("wrong kind");
    },
    owned: (py) => {
      using o = obj.py.bind(py);
      let k = 0;
      for (let i = 0; i < N; i++) k += find(o);
      if (k !== N * Kind.Unknown) throw new Error("wrong kind");
    },
  });
}

// collect_generic_iterator: collection.iter().collect::<Vec<_>>(), over list(range(1 << 20)).
{
  const LEN = 1 << 20;
  const list = keep(`list(range(${LEN}))`);
  group("collect_generic_iterator", LEN, {
    raw: () => {
      const out: Ptr[] = [];
      const it = sym.PyObject_GetIter(list.ptr)!;
      for (let x = sym.PyIter_Next(it); x !== null; x = sym.PyIter_Next(it)) {
        out.push(x);
      }
      sym.Py_DecRef(it);
      for (const x of out) sym.Py_DecRef(x); // the Vec is dropped
      return out.length;
    },
    pool: (py) => {
      const out = [...list.py.bind(py).iter()];
      return out.length; // released when the pool ends
    },
    owned: (py) => {
      using l = list.py.bind(py);
      using it = l.iter();
      const out = [...it];
      for (const x of out) x[Symbol.dispose](); // the Vec is dropped
      return out.length;
    },
  });
}
