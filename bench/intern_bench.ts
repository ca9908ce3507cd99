/**
 * PyO3's `bench_intern.rs`: `getattr` by a string name, and by an interned
 * `str` made once (`intern!`); 1,000 per iteration.
 *
 * @module
 */

import { group, keep, P, rawGil, rawIntern, rawStr, sym } from "./_common.ts";

const { PyString } = P;
const N = 1000;
const sys = keep("__import__('sys')");
const versionInterned = rawGil(() => rawIntern("version"));
const versionPy = P.Python.withGil((py) =>
  P.Py.from(PyString.intern(py, "version"))
);

group("getattr_direct", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      const name = rawStr("version");
      sym.Py_DecRef(sym.PyObject_GetAttr(sys.ptr, name));
      sym.Py_DecRef(name);
    }
  },
  pool: (py) => {
    const s = sys.py.bind(py);
    for (let i = 0; i < N; i++) s.getattr("version");
  },
  owned: (py) => {
    using s = sys.py.bind(py);
    for (let i = 0; i < N; i++) {
      using _v = s.getattr("version");
    }
  },
  ownedDispose: (py) => {
    const s = sys.py.bind(py);
    for (let i = 0; i < N; i++) s.getattr("version")[Symbol.dispose]();
    s[Symbol.dispose]();
  },
});

group("getattr_intern", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      sym.Py_DecRef(sym.PyObject_GetAttr(sys.ptr, versionInterned));
    }
  },
  pool: (py) => {
    const s = sys.py.bind(py);
    const name = versionPy.bind(py);
    for (let i = 0; i < N; i++) s.getattr(name);
  },
  owned: (py) => {
    using s = sys.py.bind(py);
    using name = versionPy.bind(py);
    for (let i = 0; i < N; i++) {
      using _v = s.getattr(name);
    }
  },
  ownedDispose: (py) => {
    const s = sys.py.bind(py);
    const name = versionPy.bind(py);
    for (let i = 0; i < N; i++) s.getattr(name)[Symbol.dispose]();
    s[Symbol.dispose]();
    name[Symbol.dispose]();
  },
});
