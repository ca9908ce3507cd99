/**
 * PyO3's `bench_frompyobject.rs`: a `list` via downcast and via extract, and
 * the failures on a `str`; 1,000 per iteration.
 *
 * @module
 */

import {
  failGroup,
  group,
  keep,
  P,
  type Ptr,
  rawDowncastError,
  rawFlags,
  rawTypeName,
  sym,
} from "./_common.ts";

const { Extract, PyList } = P;
const N = 1000;
const LIST = 1 << 25, TUPLE = 1 << 26, UNICODE = 1 << 28;

const list = keep("[]");
const str = keep(`"foobar"`);
const asInts = Extract.list(Extract.int);

function rawDowncastList(p: Ptr): Ptr {
  if ((rawFlags(p) & LIST) === 0) throw rawDowncastError(p, "PyList");
  return p;
}

/** `Extract.list(Extract.int)`: the type check, then `for x in p` (the list here is empty). */
function rawExtractList(p: Ptr): number[] {
  const f = rawFlags(p);
  if ((f & (LIST | TUPLE)) === 0) {
    if (f & UNICODE) throw new TypeError("Can't extract `str` to `Vec`");
    throw new TypeError(
      `'${rawTypeName(p)}' object cannot be converted to 'PySequence'`,
    );
  }
  const out: number[] = [];
  const it = sym.PyObject_GetIter(p)!;
  for (let x = sym.PyIter_Next(it); x !== null; x = sym.PyIter_Next(it)) {
    out.push(sym.PyLong_AsDouble(x));
    sym.Py_DecRef(x);
  }
  sym.Py_DecRef(it);
  if (sym.PyErr_Occurred() !== null) throw new Error("iteration failed");
  return out;
}

group("list_via_downcast", N, {
  raw: () => {
    for (let i = 0; i < N; i++) rawDowncastList(list.ptr);
  },
  pool: (py) => {
    const o = list.py.bind(py);
    for (let i = 0; i < N; i++) o.downcast(PyList);
  },
  owned: (py) => {
    using o = list.py.bind(py);
    for (let i = 0; i < N; i++) o.downcast(PyList);
  },
});

group("list_via_extract", N, {
  raw: () => {
    for (let i = 0; i < N; i++) rawExtractList(list.ptr);
  },
  pool: (py) => {
    const o = list.py.bind(py);
    for (let i = 0; i < N; i++) o.extract(asInts);
  },
  owned: (py) => {
    using o = list.py.bind(py);
    for (let i = 0; i < N; i++) o.extract(asInts);
  },
});

failGroup(
  "not_a_list_via_downcast",
  N,
  str,
  rawDowncastList,
  (o) => o.downcast(PyList),
);
failGroup(
  "not_a_list_via_extract",
  N,
  str,
  rawExtractList,
  (o) => o.extract(asInts),
);
