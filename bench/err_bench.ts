/**
 * PyO3's `bench_err.rs`: `err_new_restore_and_fetch` (a `ValueError` made in
 * JS, set as the current Python exception, fetched back as a JS error); plus
 * `err_raise_and_catch`, the same round trip through the public API (a
 * Python function that raises, caught in JS). 100 per iteration.
 *
 * Restore and fetch have no public entry point of their own (a `PyErr` thrown
 * from a TypeScript callback is restored; a failed call fetches), so the
 * first case calls the library's internal pair (`src/core/err.ts`) under each
 * tier's GIL scope.
 *
 * @module
 */

import { fetchError, restoreError } from "../src/core/err.ts";
import {
  group,
  keepModule,
  P,
  rawFetchError,
  rawGil,
  rawIntern,
  rt,
  sym,
} from "./_common.ts";

const N = 100;
const MESSAGE = "some exception message";
const msgC = new TextEncoder().encode(MESSAGE + "\0");
const valueError = rawGil(() =>
  sym.PyDict_GetItemWithError(rt.builtins, rawIntern("ValueError"))!
);

group("err_new_restore_and_fetch", N, {
  raw: () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
      sym.PyErr_SetString(valueError, msgC);
      n += rawFetchError().message.length;
    }
    return n;
  },
  pool: () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
      restoreError(P.PyValueError.newErr(MESSAGE));
      n += fetchError().message.length;
    }
    return n;
  },
  owned: () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
      restoreError(P.PyValueError.newErr(MESSAGE));
      n += fetchError().message.length;
    }
    return n;
  },
});

const mod = keepModule(`
def fail():
    raise ValueError("some exception message")
`);
const fail = P.Python.withGil((py) => {
  const f = P.Py.from(mod.py.bind(py).getItem("fail")!);
  return { py: f, ptr: f.unsafePtr };
});

group("err_raise_and_catch", N, {
  raw: () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
      const r = sym.PyObject_CallObject(fail.ptr, null);
      if (r === null) n += rawFetchError().message.length;
    }
    return n;
  },
  pool: (py) => {
    const f = fail.py.bind(py);
    let n = 0;
    for (let i = 0; i < N; i++) {
      try {
        f.call0();
      } catch (e) {
        if (e instanceof P.PyValueError) n += e.message.length;
      }
    }
    return n;
  },
  owned: (py) => {
    using f = fail.py.bind(py);
    let n = 0;
    for (let i = 0; i < N; i++) {
      try {
        f.call0();
      } catch (e) {
        if (e instanceof P.PyValueError) n += e.message.length;
      }
    }
    return n;
  },
});
