/**
 * PyO3's `bench_extract.rs`: `str`, `int` and `float`, each extracted and
 * downcast, on success and on failure (a `dict`); 1,000 per iteration.
 *
 * The raw failure cases build what the API must produce on failure: a JS
 * error carrying CPython's message (the type name read from Python).
 *
 * @module
 */

import {
  group,
  keep,
  P,
  type Ptr,
  rawFetchError,
  rawFlags,
  rawIsSubtype,
  rawStrToJs,
  rawTypeName,
  rt,
  sym,
} from "./_common.ts";

const { Extract, PyFloat, PyInt, PyString } = P;
const N = 1000;
const UNICODE = 1 << 28, LONG = 1 << 24;

const str = keep(`"Hello, World!"`);
const int = keep("123");
const float = keep("23.42");
const dict = keep("{}");

function rawDowncastError(p: Ptr, target: string): Error {
  return new TypeError(
    `'${rawTypeName(p)}' object cannot be converted to '${target}'`,
  );
}

/** Count the failures of `f` (each must throw). */
function fails(f: () => unknown): number {
  let n = 0;
  for (let i = 0; i < N; i++) {
    try {
      f();
    } catch {
      n++;
    }
  }
  if (n !== N) throw new Error("expected every call to fail");
  return n;
}

// --- str ------------------------------------------------------------------------

function rawStr(p: Ptr): string {
  if ((rawFlags(p) & UNICODE) === 0) throw rawDowncastError(p, "PyString");
  return rawStrToJs(p);
}

group("extract_str_extract_success", N, {
  raw: () => {
    let n = 0;
    for (let i = 0; i < N; i++) n += rawStr(str.ptr).length;
    return n;
  },
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
});

group("extract_str_extract_fail", N, {
  raw: () => fails(() => rawStr(dict.ptr)),
  pool: (py) => {
    const d = dict.py.bind(py);
    return fails(() => d.extract(Extract.str));
  },
  owned: (py) => {
    using d = dict.py.bind(py);
    return fails(() => d.extract(Extract.str));
  },
});

group("extract_str_downcast_success", N, {
  raw: () => {
    let n = 0;
    for (let i = 0; i < N; i++) n += rawStr(str.ptr).length;
    return n;
  },
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
});

group("extract_str_downcast_fail", N, {
  raw: () => fails(() => rawStr(dict.ptr)),
  pool: (py) => {
    const d = dict.py.bind(py);
    return fails(() => d.downcast(PyString));
  },
  owned: (py) => {
    using d = dict.py.bind(py);
    return fails(() => d.downcast(PyString));
  },
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

group("extract_int_extract_success", N, {
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
});

group("extract_int_extract_fail", N, {
  raw: () => fails(() => rawInt(dict.ptr)),
  pool: (py) => {
    const d = dict.py.bind(py);
    return fails(() => d.extract(Extract.int));
  },
  owned: (py) => {
    using d = dict.py.bind(py);
    return fails(() => d.extract(Extract.int));
  },
});

group("extract_int_downcast_success", N, {
  raw: () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
      if ((rawFlags(int.ptr) & LONG) === 0) {
        throw rawDowncastError(int.ptr, "PyInt");
      }
      n += sym.PyLong_AsDouble(int.ptr);
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
});

group("extract_int_downcast_fail", N, {
  raw: () =>
    fails(() => {
      if ((rawFlags(dict.ptr) & LONG) === 0) {
        throw rawDowncastError(dict.ptr, "PyInt");
      }
    }),
  pool: (py) => {
    const d = dict.py.bind(py);
    return fails(() => d.downcast(PyInt));
  },
  owned: (py) => {
    using d = dict.py.bind(py);
    return fails(() => d.downcast(PyInt));
  },
});

// --- float ----------------------------------------------------------------------

function rawFloat(p: Ptr): number {
  const d = sym.PyFloat_AsDouble(p);
  if (d === -1 && sym.PyErr_Occurred() !== null) throw rawFetchError();
  return d;
}

group("extract_float_extract_success", N, {
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
});

group("extract_float_extract_fail", N, {
  raw: () => fails(() => rawFloat(dict.ptr)),
  pool: (py) => {
    const d = dict.py.bind(py);
    return fails(() => d.extract(Extract.float));
  },
  owned: (py) => {
    using d = dict.py.bind(py);
    return fails(() => d.extract(Extract.float));
  },
});

group("extract_float_downcast_success", N, {
  raw: () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
      if (!rawIsSubtype(float.ptr, rt.types.float)) {
        throw rawDowncastError(float.ptr, "PyFloat");
      }
      n += sym.PyFloat_AsDouble(float.ptr);
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
});

group("extract_float_downcast_fail", N, {
  raw: () =>
    fails(() => {
      if (!rawIsSubtype(dict.ptr, rt.types.float)) {
        throw rawDowncastError(dict.ptr, "PyFloat");
      }
    }),
  pool: (py) => {
    const d = dict.py.bind(py);
    return fails(() => d.downcast(PyFloat));
  },
  owned: (py) => {
    using d = dict.py.bind(py);
    return fails(() => d.downcast(PyFloat));
  },
});
