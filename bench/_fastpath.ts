/**
 * Fast-path check for the hot FFI symbols (the measurements; the bench
 * file `ffi_fastpath_bench.ts` and `tools/bench_report.ts` use them).
 *
 * Deno calls a foreign function through V8's fast API only when every
 * parameter and the result have a fast representation; otherwise the call
 * takes the slow path (about 100 ns instead of about 5-10 ns here). The C
 * work of a real call can be large too, so each hot symbol is measured twice:
 *
 * - `call`: the real symbol on cheap arguments (the FFI cost plus the C work);
 * - `shape`: a *twin* with exactly the same declared signature bound to
 *   `Py_IsInitialized` (which ignores its arguments and returns a global), so
 *   the time is the FFI cost of that signature alone.
 *
 * A twin at or above {@linkcode SLOW_NS} means the signature left the fast
 * path; the baseline row (`Py_IsInitialized()`, no arguments) shows the floor.
 *
 * Run as a table (exit code 1 when a hot symbol is slow):
 *
 * ```sh
 * deno task bench:fastpath
 * ```
 *
 * or as `deno bench` groups (`deno bench ... bench/ffi_fastpath_bench.ts`),
 * each iteration making 1,000 calls.
 *
 * @module
 */

import { runtime } from "../src/core/runtime.ts";
import { ssize } from "../src/core/ssize.ts";
import { ALL_SYMBOLS } from "../src/ffi/library.ts";
import { Python } from "../mod.ts";

/** Calls at or above this many nanoseconds of pure FFI cost are on the slow path. */
export const SLOW_NS = 40;

type Def = Deno.ForeignFunction;

/** One measured symbol. */
export interface Case {
  /** Symbol name in the table. */
  name: string;
  /** Arguments used, for the report. */
  note: string;
  /** Make `n` real calls (balanced: whatever they create is released in `undo`). */
  run: (n: number) => void;
  /** Release what `run` made, untimed (optional). */
  undo?: (n: number) => void;
  /** Time of work included in `run` besides the call (e.g. the Py_DecRef of a result), per call. */
  extra?: () => number;
  /** Make `n` calls of the signature twin. */
  shape: (n: number) => void;
  /** A reference signature (not a table symbol): shown, never fails the check. */
  reference?: boolean;
}

const N = 20_000;
const ROUNDS = 15;

function timeIt(f: (n: number) => void, undo?: (n: number) => void): number {
  f(2000);
  undo?.(2000);
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    f(N);
    const dt = performance.now() - t0;
    undo?.(N);
    if (dt < best) best = dt;
  }
  return (best * 1e6) / N;
}

/** Builds the cases; the GIL must be held while they run. */
export function makeCases() {
  const r = runtime();
  const sym = r.sym;
  const enc = new TextEncoder();
  const key = (s: string) =>
    sym.PyUnicode_InternFromString(enc.encode(s + "\0"))!;

  // Twins: every hot signature, bound to Py_IsInitialized (returns a global, ignores arguments).
  const twinDefs: Record<string, Def> = {};
  const table = ALL_SYMBOLS as unknown as Record<
    string,
    Def & { optional?: boolean }
  >;
  const hot = [
    "Py_IncRef",
    "Py_DecRef",
    "PyObject_Type",
    "PyType_GetFlags",
    "PyType_IsSubtype",
    "PyLong_FromDouble",
    "PyLong_AsDouble",
    "PyFloat_FromDouble",
    "PyFloat_AsDouble",
    "PyUnicode_DecodeUTF8",
    "PyUnicode_AsUTF8AndSize",
    "memcpy",
    "memcpyTo",
    "PyDict_GetItemWithError",
    "PyDict_SetItem",
    "PyDict_Next",
    "PyDict_Size",
    "PyList_New",
    "PyList_GetItem",
    "PyList_SetItem",
    "PyList_Append",
    "PyList_Size",
    "PyTuple_New",
    "PyTuple_GetItem",
    "PyTuple_SetItem",
    "PyTuple_Size",
    "PyObject_GetAttr",
    "PyObject_CallObject",
    "PyObject_Call",
    "PyObject_Vectorcall",
    "PyObject_VectorcallMethod",
    "PyObject_GetIter",
    "PyIter_Next",
    "PyObject_Size",
    "PyObject_IsTrue",
    "PyErr_Occurred",
    "PyErr_Fetch",
    "PyErr_Restore",
    "PyBytes_FromStringAndSize",
    "PyBytes_AsString",
    "PyBytes_Size",
    "PySet_Add",
    "PyGILState_Ensure",
    "PyGILState_Release",
  ];
  for (const name of hot) {
    const d = table[name];
    twinDefs[name] = {
      name: "Py_IsInitialized",
      parameters: d.parameters,
      result: d.result,
    };
  }
  // Reference rows, expected on the slow path: what the check is looking for.
  twinDefs["ref:isize param"] = {
    name: "Py_IsInitialized",
    parameters: ["isize"],
    result: "i32",
  };
  twinDefs["ref:i64 param"] = {
    name: "Py_IsInitialized",
    parameters: ["i64"],
    result: "i32",
  };
  twinDefs["ref:pointer param"] = {
    name: "Py_IsInitialized",
    parameters: ["pointer"],
    result: "i32",
  };
  twinDefs["ref:buffer param"] = {
    name: "Py_IsInitialized",
    parameters: ["buffer"],
    result: "i32",
  };
  twinDefs["ref:isize result"] = {
    name: "Py_IsInitialized",
    parameters: [],
    result: "isize",
  };
  twinDefs["ref:u64 result"] = {
    name: "Py_IsInitialized",
    parameters: [],
    result: "u64",
  };
  const twinLib = Deno.dlopen(r.path, twinDefs);
  // deno-lint-ignore no-explicit-any
  const tw = twinLib.symbols as Record<string, (...a: any[]) => any>;

  const obj = sym.PyList_New(ssize(0))!; // an object we own, for refcount traffic
  const EXTRA_REFS = 4 * N; // Py_DecRef is timed before the matching Py_IncRef
  for (let i = 0; i < EXTRA_REFS; i++) sym.Py_IncRef(obj);
  const list = sym.PyList_New(ssize(0))!;
  for (let i = 0; i < 100; i++) {
    const v = sym.PyLong_FromDouble(i)!;
    sym.PyList_Append(list, v);
    sym.Py_DecRef(v);
  }
  const tuple = sym.PyList_AsTuple(list)!;
  const dict = sym.PyDict_New()!;
  const k = key("n");
  const v5 = sym.PyLong_FromDouble(5)!;
  sym.PyDict_SetItem(dict, k, v5);
  const flt = sym.PyFloat_FromDouble(1.5)!;
  const str = key("hello");
  const u8 = enc.encode("a");
  const sizeOut = new BigInt64Array(1);
  const dst = new Uint8Array(64);
  const i0 = ssize(0);
  const i1 = ssize(1);
  const i3 = ssize(3);
  const i8 = ssize(8);
  const intType = r.types.int;
  const nameAttr = key("__name__");
  const noop = sym.PyDict_GetItemWithError(r.builtins, key("id"))!; // builtin id(): METH_O
  const tupleOf1 = sym.PyTuple_New(i1)!;
  sym.Py_IncRef(v5);
  sym.PyTuple_SetItem(tupleOf1, i0, v5);
  const argv = new BigUint64Array([0n, BigInt(Deno.UnsafePointer.value(v5))]);
  const argvU8 = new Uint8Array(argv.buffer);
  const argvFrom1 = argvU8.subarray(8);
  const methName = key("bit_length");
  const methArgv = new Uint8Array(
    new BigUint64Array([BigInt(Deno.UnsafePointer.value(v5))]).buffer,
  );
  const nargs1 = Deno.UnsafePointer.create(1n);
  const PY_VECTORCALL_ARGUMENTS_OFFSET = 1n << 63n;
  const nargsf1 = Deno.UnsafePointer.create(
    PY_VECTORCALL_ARGUMENTS_OFFSET | 1n,
  );
  const kOut = new BigUint64Array(1);
  const vOut = new BigUint64Array(1);
  const posOut = new BigInt64Array(1);
  const fetchT = new BigUint64Array(1),
    fetchV = new BigUint64Array(1),
    fetchTb = new BigUint64Array(1);
  const bytesSrc = new Uint8Array(16);
  const set = sym.PySet_New(null)!;
  const bytesObj = sym.PyBytes_FromStringAndSize(bytesSrc, ssize(16))!;

  let decrefNs = 0;
  const decref = () => decrefNs;
  const refCase = (
    name: string,
    note: string,
    call: (n: number) => void,
  ): Case => ({
    name,
    note,
    reference: true,
    run: call,
    shape: call,
  });
  const cases: Case[] = [
    refCase("ref:pointer param", "reference: (pointer) -> i32, fast", (n) => {
      for (let i = 0; i < n; i++) tw["ref:pointer param"](obj);
    }),
    refCase(
      "ref:buffer param",
      "reference: (buffer) -> i32, Uint8Array",
      (n) => {
        for (let i = 0; i < n; i++) tw["ref:buffer param"](u8);
      },
    ),
    refCase(
      "ref:isize param",
      "reference: (isize) -> i32, number argument: expected SLOW",
      (n) => {
        for (let i = 0; i < n; i++) tw["ref:isize param"](3);
      },
    ),
    refCase(
      "ref:i64 param",
      "reference: (i64) -> i32, number argument: expected SLOW",
      (n) => {
        for (let i = 0; i < n; i++) tw["ref:i64 param"](3);
      },
    ),
    refCase("ref:isize result", "reference: () -> isize", (n) => {
      for (let i = 0; i < n; i++) tw["ref:isize result"]();
    }),
    refCase("ref:u64 result", "reference: () -> u64", (n) => {
      for (let i = 0; i < n; i++) tw["ref:u64 result"]();
    }),
    {
      name: "Py_IsInitialized",
      note: "baseline: no arguments, returns a global",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_IsInitialized();
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) sym.Py_IsInitialized();
      },
    },
    {
      name: "Py_IncRef",
      note: "list object",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_IncRef(obj);
      },
      undo: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(obj);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.Py_IncRef(obj);
      },
    },
    {
      name: "Py_DecRef",
      note: "list object (refcount stays > 0)",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(obj);
      },
      undo: (n) => {
        for (let i = 0; i < n; i++) sym.Py_IncRef(obj);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.Py_DecRef(obj);
      },
    },
    {
      name: "PyObject_Type",
      note: "+ Py_DecRef of the type",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(sym.PyObject_Type(obj));
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyObject_Type(obj);
      },
    },
    {
      name: "PyType_GetFlags",
      note: "int type, u32 result",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyType_GetFlags(intType);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyType_GetFlags(intType);
      },
    },
    {
      name: "PyType_IsSubtype",
      note: "(int, int)",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyType_IsSubtype(intType, intType);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyType_IsSubtype(intType, intType);
      },
    },
    {
      name: "PyLong_FromDouble",
      note: "5.0 (small int) + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(sym.PyLong_FromDouble(5));
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyLong_FromDouble(5);
      },
    },
    {
      name: "PyLong_AsDouble",
      note: "5, f64 result",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyLong_AsDouble(v5);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyLong_AsDouble(v5);
      },
    },
    {
      name: "PyFloat_FromDouble",
      note: "1.5 + Py_DecRef (freelist)",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(sym.PyFloat_FromDouble(1.5));
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyFloat_FromDouble(1.5);
      },
    },
    {
      name: "PyFloat_AsDouble",
      note: "1.5",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyFloat_AsDouble(flt);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyFloat_AsDouble(flt);
      },
    },
    {
      name: "PyUnicode_DecodeUTF8",
      note: '"a" (latin-1 singleton) + Py_DecRef',
      run: (n) => {
        for (let i = 0; i < n; i++) {
          sym.Py_DecRef(sym.PyUnicode_DecodeUTF8(u8, i1, null));
        }
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyUnicode_DecodeUTF8(u8, i1, null);
      },
    },
    {
      name: "PyUnicode_AsUTF8AndSize",
      note: '"hello", size into a BigInt64Array',
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyUnicode_AsUTF8AndSize(str, sizeOut);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyUnicode_AsUTF8AndSize(str, sizeOut);
      },
    },
    {
      name: "memcpy",
      note: "8 bytes into a Uint8Array",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.memcpy(dst, obj, i8);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.memcpy(dst, obj, i8);
      },
    },
    {
      name: "memcpyTo",
      note: "0 bytes from a Uint8Array",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.memcpyTo(obj, dst, i0);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.memcpyTo(obj, dst, i0);
      },
    },
    {
      name: "PyDict_GetItemWithError",
      note: "interned key, hit",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyDict_GetItemWithError(dict, k);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyDict_GetItemWithError(dict, k);
      },
    },
    {
      name: "PyDict_SetItem",
      note: "overwrite the same key",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyDict_SetItem(dict, k, v5);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyDict_SetItem(dict, k, v5);
      },
    },
    {
      name: "PyDict_Next",
      note: "first item, BigUint64Array outs",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          posOut[0] = 0n;
          sym.PyDict_Next(dict, posOut, kOut, vOut);
        }
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyDict_Next(dict, posOut, kOut, vOut);
      },
    },
    {
      name: "PyDict_Size",
      note: "isize result",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyDict_Size(dict);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyDict_Size(dict);
      },
    },
    {
      name: "PyList_New",
      note: "ssize(0) + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(sym.PyList_New(i0));
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyList_New(i0);
      },
    },
    {
      name: "PyList_GetItem",
      note: "index ssize(3)",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyList_GetItem(list, i3);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyList_GetItem(list, i3);
      },
    },
    {
      name: "PyList_SetItem",
      note: "index 3, same item (incref first: it steals)",
      run: (n) => {
        const it = sym.PyList_GetItem(list, i3)!;
        for (let i = 0; i < n; i++) {
          sym.Py_IncRef(it);
          sym.PyList_SetItem(list, i3, it);
        }
      },
      extra: () => increfNs,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyList_SetItem(list, i3, v5);
      },
    },
    {
      name: "PyList_Append",
      note: "appends to a scratch list (cleared untimed)",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyList_Append(obj, v5);
      },
      undo: () => clearList(obj),
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyList_Append(obj, v5);
      },
    },
    {
      name: "PyList_Size",
      note: "isize result",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyList_Size(list);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyList_Size(list);
      },
    },
    {
      name: "PyTuple_New",
      note: "ssize(0) (the empty singleton) + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(sym.PyTuple_New(i0));
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyTuple_New(i0);
      },
    },
    {
      name: "PyTuple_GetItem",
      note: "index ssize(3)",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyTuple_GetItem(tuple, i3);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyTuple_GetItem(tuple, i3);
      },
    },
    {
      name: "PyTuple_SetItem",
      note: "index 0 of a 1-tuple (incref first: it steals)",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          sym.Py_IncRef(v5);
          sym.PyTuple_SetItem(tupleOf1, i0, v5);
        }
      },
      extra: () => increfNs,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyTuple_SetItem(tupleOf1, i0, v5);
      },
    },
    {
      name: "PyTuple_Size",
      note: "isize result",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyTuple_Size(tuple);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyTuple_Size(tuple);
      },
    },
    {
      name: "PyObject_GetAttr",
      note: "int.__name__ (interned) + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          sym.Py_DecRef(sym.PyObject_GetAttr(intType, nameAttr));
        }
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyObject_GetAttr(intType, nameAttr);
      },
    },
    {
      name: "PyObject_CallObject",
      note: "id(5) with a prebuilt 1-tuple + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          sym.Py_DecRef(sym.PyObject_CallObject(noop, tupleOf1));
        }
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyObject_CallObject(noop, tupleOf1);
      },
    },
    {
      name: "PyObject_Call",
      note: "id(5), no kwargs + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          sym.Py_DecRef(sym.PyObject_Call(noop, tupleOf1, null));
        }
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyObject_Call(noop, tupleOf1, null);
      },
    },
    {
      name: "PyObject_Vectorcall",
      note: "id(5), argv buffer, nargsf pointer + Py_DecRef",
      run: (n) => {
        const f = sym.PyObject_Vectorcall!;
        for (let i = 0; i < n; i++) {
          sym.Py_DecRef(f(noop, argvFrom1, nargsf1, null));
        }
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) {
          tw.PyObject_Vectorcall(noop, argvU8, nargsf1, null);
        }
      },
    },
    {
      name: "PyObject_VectorcallMethod",
      note: "(5).bit_length() + Py_DecRef",
      run: (n) => {
        const f = sym.PyObject_VectorcallMethod!;
        for (let i = 0; i < n; i++) {
          sym.Py_DecRef(f(methName, methArgv, nargs1, null));
        }
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) {
          tw.PyObject_VectorcallMethod(methName, methArgv, nargs1, null);
        }
      },
    },
    {
      name: "PyObject_GetIter",
      note: "list + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.Py_DecRef(sym.PyObject_GetIter(list));
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyObject_GetIter(list);
      },
    },
    {
      name: "PyIter_Next",
      note: "a 100-item list iterator, renewed when exhausted; + Py_DecRef",
      run: (n) => {
        let it = sym.PyObject_GetIter(list)!;
        for (let i = 0; i < n; i++) {
          const x = sym.PyIter_Next(it);
          if (x === null) {
            sym.Py_DecRef(it);
            it = sym.PyObject_GetIter(list)!;
          } else sym.Py_DecRef(x);
        }
        sym.Py_DecRef(it);
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyIter_Next(list);
      },
    },
    {
      name: "PyObject_Size",
      note: "isize result",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyObject_Size(list);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyObject_Size(list);
      },
    },
    {
      name: "PyObject_IsTrue",
      note: "list",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyObject_IsTrue(list);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyObject_IsTrue(list);
      },
    },
    {
      name: "PyErr_Occurred",
      note: "no error set",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyErr_Occurred();
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyErr_Occurred();
      },
    },
    {
      name: "PyErr_Fetch",
      note: "nothing raised, three BigUint64Array outs",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyErr_Fetch(fetchT, fetchV, fetchTb);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyErr_Fetch(fetchT, fetchV, fetchTb);
      },
    },
    {
      name: "PyErr_Restore",
      note: "(NULL, NULL, NULL)",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyErr_Restore(null, null, null);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyErr_Restore(null, null, null);
      },
    },
    {
      name: "PyBytes_FromStringAndSize",
      note: "16 bytes + Py_DecRef",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          sym.Py_DecRef(sym.PyBytes_FromStringAndSize(bytesSrc, ssize(16)));
        }
      },
      extra: decref,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyBytes_FromStringAndSize(bytesSrc, i8);
      },
    },
    {
      name: "PyBytes_Size",
      note: "isize result",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PyBytes_Size(bytesObj);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyBytes_Size(bytesObj);
      },
    },
    {
      name: "PySet_Add",
      note: "existing key",
      run: (n) => {
        for (let i = 0; i < n; i++) sym.PySet_Add(set, v5);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PySet_Add(set, v5);
      },
    },
    {
      name: "PyGILState_Ensure",
      note: "nested (GIL held) + Release",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          sym.PyGILState_Release(sym.PyGILState_Ensure());
        }
      },
      extra: () => 0,
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyGILState_Ensure();
      },
    },
    {
      name: "PyGILState_Release",
      note:
        "i32 parameter; both columns are the twin (releasing the GIL in a loop is not measurable)",
      run: (n) => {
        for (let i = 0; i < n; i++) tw.PyGILState_Release(1);
      },
      shape: (n) => {
        for (let i = 0; i < n; i++) tw.PyGILState_Release(1);
      },
    },
  ];
  let increfNs = 0;
  function clearList(l: Deno.PointerObject) {
    const m = sym.PyObject_GetAttr(l, key("clear"))!;
    sym.Py_DecRef(sym.PyObject_CallObject(m, null));
    sym.Py_DecRef(m);
  }
  const setup = () => {
    decrefNs = timeIt((n) => {
      for (let i = 0; i < n; i++) sym.Py_DecRef(obj);
    }, (n) => {
      for (let i = 0; i < n; i++) sym.Py_IncRef(obj);
    });
    increfNs = timeIt((n) => {
      for (let i = 0; i < n; i++) sym.Py_IncRef(obj);
    }, (n) => {
      for (let i = 0; i < n; i++) sym.Py_DecRef(obj);
    });
  };
  const close = () => {
    clearList(obj);
    for (let i = 0; i < EXTRA_REFS; i++) sym.Py_DecRef(obj);
    for (
      const p of [obj, list, tuple, dict, v5, flt, tupleOf1, set, bytesObj]
    ) sym.Py_DecRef(p);
    twinLib.close();
  };
  // PyGILState_Release's "real" call is measured through the twin (releasing for real would drop the GIL).
  return { cases, setup, close, sym, argv };
}

/** One row of the report. */
export interface FastpathRow {
  name: string;
  note: string;
  /** Real call, ns per call (extra work subtracted). */
  callNs: number;
  /** Same signature on a trivial function: the FFI cost, ns per call. */
  shapeNs: number;
  /** `true` when the FFI cost is on V8's fast path. */
  fast: boolean;
  /** A reference signature, not a table symbol. */
  reference: boolean;
}

/** Measure every hot symbol (takes the GIL). */
export function measureFastpath(): FastpathRow[] {
  return Python.withGil(() => {
    const { cases, setup, close } = makeCases();
    try {
      setup();
      const rows: FastpathRow[] = [];
      for (const c of cases) {
        const shapeNs = timeIt(c.shape);
        const raw = timeIt(c.run, c.undo);
        const callNs = Math.max(0, raw - (c.extra?.() ?? 0));
        rows.push({
          name: c.name,
          note: c.note,
          callNs,
          shapeNs,
          fast: shapeNs < SLOW_NS,
          reference: c.reference === true,
        });
      }
      return rows;
    } finally {
      close();
    }
  });
}

/** The report as a markdown table. */
export function fastpathTable(rows: FastpathRow[]): string {
  const out = [
    "| symbol | call ns | signature-only ns | path | arguments |",
    "|---|---:|---:|---|---|",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.reference ? r.name : `\`${r.name}\``} | ${
        r.reference ? "" : r.callNs.toFixed(1)
      } | ${r.shapeNs.toFixed(1)} | ${
        r.fast ? "fast" : "**SLOW**"
      } | ${r.note} |`,
    );
  }
  return out.join("\n");
}
