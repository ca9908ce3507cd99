/**
 * PyO3's `bench_extract.rs`: `str`, `int` and `float`, each extracted and
 * downcast, on success and on failure (a `dict`); 1,000 per iteration.
 *
 * The raw failure cases build what the API must produce on failure: a JS
 * error carrying CPython's message (the type name read from Python).
 *
 * Per type, `cases` registers the four groups in PyO3's order; the success
 * members are written out per type, so each timed loop calls one known
 * function (see bench/README.md), and the failures share `failGroup`.
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
  rawFetchError,
  rawFlags,
  rawIsSubtype,
  rawStrToJs,
  rt,
  sym,
  type Trio,
} from "./_common.ts";

const { Extract, PyFloat, PyInt, PyString } = P;
const N = 1000;
const UNICODE = 1 << 28, LONG = 1 << 24;

const str = keep(`"Hello, World!"`);
const int = keep("123");
const float = keep("23.42");
const dict = keep("{}");

/**
 * `extract_<ty>_extract_success`, `extract_<ty>_extract_fail`,
 * `extract_<ty>_downcast_success`, `extract_<ty>_downcast_fail`: the fail
 * groups run `rawExtract`/`rawDowncast` (raw) and `extract`/`downcast` (tiers)
 * on the dict.
 */
function cases(ty: string, c: {
  extractSuccess: Trio;
  rawExtract: (p: Ptr) => unknown;
  extract: (o: P.PyAny) => unknown;
  downcastSuccess: Trio;
  rawDowncast: (p: Ptr) => unknown;
  downcast: (o: P.PyAny) => unknown;
}): void {
  group(`extract_${ty}_extract_success`, N, c.extractSuccess);
  failGroup(`extract_${ty}_extract_fail`, N, dict, c.rawExtract, c.extract);
  group(`extract_${ty}_downcast_success`, N, c.downcastSuccess);
  failGroup(`extract_${ty}_downcast_fail`, N, dict, c.rawDowncast, c.downcast);
}

// --- str ------------------------------------------------------------------------

function rawStr(p: Ptr): string {
  if ((rawFlags(p) & UNICODE) === 0) throw rawDowncastError(p, "PyString");
  return rawStrToJs(p);
}

/** Both str success groups share their raw member: the same operation. */
const rawStrSuccess = () => {
  let n = 0;
  for (let i = 0; i < N; i++) n += rawStr(str.ptr).length;
  return n;
};

cases("str", {
  extractSuccess: {
    raw: rawStrSuccess,
    pool: (py) => {
      const s = str.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += s.extract(Extract.str).length;
      return n;
    },
    owned: (py) => {
      using s = str.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += s.extract(Extract.str).length;
      return n;
    },
  },
  rawExtract: rawStr,
  extract: (d) => d.extract(Extract.str),
  downcastSuccess: {
    raw: rawStrSuccess,
    pool: (py) => {
      const s = str.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += s.downcast(PyString).toStr().length;
      return n;
    },
    owned: (py) => {
      using s = str.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += s.downcast(PyString).toStr().length;
      return n;
    },
  },
  rawDowncast: rawStr,
  downcast: (d) => d.downcast(PyString),
});

// --- int ------------------------------------------------------------------------

/** `Extract.int`'s contract: an int (or `__index__` object) as a safe integer, CPython's TypeError otherwise. */
function rawInt(p: Ptr): number {
  const d = sym.PyLong_AsDouble(p);
  if (d === -1 && sym.PyErr_Occurred() !== null) {
    sym.PyErr_Clear();
    const idx = sym.PyNumber_Index(p);
    if (idx === null) throw rawFetchError();
    const v = sym.PyLong_AsDouble(idx);
    sym.Py_DecRef(idx);
    return v;
  }
  return d;
}

function rawDowncastInt(p: Ptr): Ptr {
  if ((rawFlags(p) & LONG) === 0) throw rawDowncastError(p, "PyInt");
  return p;
}

cases("int", {
  extractSuccess: {
    raw: () => {
      let n = 0;
      for (let i = 0; i < N; i++) n += rawInt(int.ptr);
      return n;
    },
    pool: (py) => {
      const o = int.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.extract(Extract.int);
      return n;
    },
    owned: (py) => {
      using o = int.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.extract(Extract.int);
      return n;
    },
  },
  rawExtract: rawInt,
  extract: (d) => d.extract(Extract.int),
  downcastSuccess: {
    raw: () => {
      let n = 0;
      for (let i = 0; i < N; i++) {
        n += sym.PyLong_AsDouble(rawDowncastInt(int.ptr));
      }
      return n;
    },
    pool: (py) => {
      const o = int.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.downcast(PyInt).value() as number;
      return n;
    },
    owned: (py) => {
      using o = int.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.downcast(PyInt).value() as number;
      return n;
    },
  },
  rawDowncast: rawDowncastInt,
  downcast: (d) => d.downcast(PyInt),
});

// --- float ----------------------------------------------------------------------

function rawFloat(p: Ptr): number {
  const d = sym.PyFloat_AsDouble(p);
  if (d === -1 && sym.PyErr_Occurred() !== null) throw rawFetchError();
  return d;
}

function rawDowncastFloat(p: Ptr): Ptr {
  if (!rawIsSubtype(p, rt.types.float)) throw rawDowncastError(p, "PyFloat");
  return p;
}

cases("float", {
  extractSuccess: {
    raw: () => {
      let n = 0;
      for (let i = 0; i < N; i++) n += rawFloat(float.ptr);
      return n;
    },
    pool: (py) => {
      const o = float.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.extract(Extract.float);
      return n;
    },
    owned: (py) => {
      using o = float.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.extract(Extract.float);
      return n;
    },
  },
  rawExtract: rawFloat,
  extract: (d) => d.extract(Extract.float),
  downcastSuccess: {
    raw: () => {
      let n = 0;
      for (let i = 0; i < N; i++) {
        n += sym.PyFloat_AsDouble(rawDowncastFloat(float.ptr));
      }
      return n;
    },
    pool: (py) => {
      const o = float.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.downcast(PyFloat).value();
      return n;
    },
    owned: (py) => {
      using o = float.py.bind(py);
      let n = 0;
      for (let i = 0; i < N; i++) n += o.downcast(PyFloat).value();
      return n;
    },
  },
  rawDowncast: rawDowncastFloat,
  downcast: (d) => d.downcast(PyFloat),
});
