/**
 * The scalar types: `PyString`, `PyBytes`, `PyByteArray`, `PyInt`,
 * `PyFloat`, `PyBool`. Each is a thin class over the conversion primitives
 * in `src/core/convert.ts`.
 *
 * @module
 */

import {
  byteArrayToJs,
  bytesToJs,
  bytesToPy,
  floatToJs,
  internStr,
  intToJs,
  intToPy,
  isSubtype,
  receiverError,
  strToJs,
  strToPy,
  TpFlags,
  typeFlags,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "./exceptions.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { ptrOf, PyAny, wrap, wrapBorrowed } from "./any.ts";
import { type PythonBase, tokenState } from "./python.ts";

let isPyString: (o: unknown) => boolean;
let isPyBytes: (o: unknown) => boolean;
let isPyByteArray: (o: unknown) => boolean;
let isPyInt: (o: unknown) => boolean;
let isPyFloat: (o: unknown) => boolean;
let isPyBool: (o: unknown) => boolean;

/**
 * The pointer of a method's receiver when `is(o)`, or the TypeError for any
 * other `this`. (`PyString.toStr`, the hot one, inlines the check: through
 * this helper it measured ~8 ns slower.)
 */
function self(
  o: unknown,
  is: (o: unknown) => boolean,
  cls: string,
  method: string,
): Ptr {
  if (!is(o)) throw receiverError(o, cls, method);
  return ptrOf(o as PyAny);
}

/**
 * Python's `str`.
 *
 * A JS string and a `str` convert code unit for code unit: lone surrogates
 * are kept both ways, and `PyString.new(py, s).toStr() === s` for every JS
 * string. One thing cannot be kept: a `str` holding a high surrogate code
 * point followed by a low one (`'\ud83d' '\ude00'`, two code points) reads
 * as the same JS string as the astral character they encode (`'\U0001f600'`,
 * one code point), so converting it back to Python gives a different,
 * shorter `str`. Every other `str` round-trips exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyString, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const s = PyString.new(py, "héllo");
 *   assert.equal(s.toStr(), "héllo");
 *   assert.equal(s.len(), 5); // code points, as Python's len()
 * });
 * ```
 */
export class PyString extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyString";
  #str: undefined;
  static {
    isPyString = (o) => typeof o === "object" && o !== null && #str in o;
  }
  /** `isinstance(obj, str)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, ptrOf(obj)) & TpFlags.Unicode) !== 0;
  }
  /** A new `str` (lone surrogates are kept). */
  static new(py: PythonBase, value: string): PyString {
    tokenState(py);
    return wrap(py, strToPy(value), PyString);
  }
  /**
   * An interned `str` (PyO3's `PyString::intern`). The value is passed with
   * its length: a NUL or a lone surrogate is kept, never cut or replaced.
   */
  static intern(py: PythonBase, value: string): PyString {
    tokenState(py);
    return wrap(py, internStr(value), PyString);
  }
  /** The value as a JS string (see the class notes on surrogates). */
  toStr(): string {
    if (!isPyString(this)) throw receiverError(this, "PyString", "toStr");
    return strToJs(ptrOf(this));
  }
}

/**
 * Python's `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyBytes, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const b = PyBytes.new(py, new Uint8Array([1, 2, 3]));
 *   assert.equal(b.repr(), "b'\\x01\\x02\\x03'");
 *   assert.deepEqual(b.asBytes(), new Uint8Array([1, 2, 3]));
 * });
 * ```
 */
export class PyBytes extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyBytes";
  #bytes: undefined;
  static {
    isPyBytes = (o) => typeof o === "object" && o !== null && #bytes in o;
  }
  /** `isinstance(obj, bytes)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, ptrOf(obj)) & TpFlags.Bytes) !== 0;
  }
  /** New `bytes` holding a copy of `data`. */
  static new(py: PythonBase, data: Uint8Array): PyBytes {
    tokenState(py);
    return wrap(py, bytesToPy(data), PyBytes);
  }
  /** A copy of the contents. */
  asBytes(): Uint8Array<ArrayBuffer> {
    return bytesToJs(self(this, isPyBytes, "PyBytes", "asBytes"));
  }
}

/**
 * Python's `bytearray`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyByteArray, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const b = PyByteArray.new(py, new Uint8Array([1, 2]));
 *   b.callMethod1("append", 3);
 *   assert.deepEqual(b.toBytes(), new Uint8Array([1, 2, 3]));
 * });
 * ```
 */
export class PyByteArray extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyByteArray";
  #bytearray: undefined;
  static {
    isPyByteArray = (o) =>
      typeof o === "object" && o !== null && #bytearray in o;
  }
  /** `isinstance(obj, bytearray)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, ptrOf(obj), runtime().types.bytearray);
  }
  /** A new `bytearray` holding a copy of `data`. */
  static new(py: PythonBase, data: Uint8Array): PyByteArray {
    tokenState(py);
    return wrap(
      py,
      runtime().sym.PyByteArray_FromStringAndSize(
        data as Uint8Array<ArrayBuffer>,
        ssize(data.length),
      ),
      PyByteArray,
    );
  }
  /** A copy of the contents. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return byteArrayToJs(
      self(this, isPyByteArray, "PyByteArray", "toBytes"),
    );
  }
}

/**
 * Python's `int`, of any size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyInt, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const big = PyInt.new(py, 2n ** 100n);
 *   assert.equal(big.toJs(), 1267650600228229401496703205376n); // not a safe integer: bigint
 *   assert.equal(PyInt.new(py, 7).toJs(), 7);
 * });
 * ```
 */
export class PyInt extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyInt";
  #int: undefined;
  static {
    isPyInt = (o) => typeof o === "object" && o !== null && #int in o;
  }
  /** `isinstance(obj, int)` (true for `bool` too, as in Python). */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, ptrOf(obj)) & TpFlags.Long) !== 0;
  }
  /** A new `int` from an integer number or a bigint. */
  static new(py: PythonBase, value: number | bigint): PyInt {
    tokenState(py);
    if (typeof value === "number" && !Number.isInteger(value)) {
      throw PyTypeError.newErr(
        `PyInt.new: ${value} is not an integer (use PyFloat.new)`,
      );
    }
    return wrap(py, intToPy(value), PyInt);
  }
  /** The value: a number when safe, else a bigint. */
  value(): number | bigint {
    return intToJs(self(this, isPyInt, "PyInt", "value"));
  }
}

/**
 * Python's `float`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyFloat, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const f = PyFloat.new(py, 2); // 2.0, not int 2
 *   assert.equal(f.repr(), "2.0");
 * });
 * ```
 */
export class PyFloat extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyFloat";
  #float: undefined;
  static {
    isPyFloat = (o) => typeof o === "object" && o !== null && #float in o;
  }
  /** `isinstance(obj, float)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, ptrOf(obj), runtime().types.float);
  }
  /** A new `float` (always a float, even for integral values). */
  static new(py: PythonBase, value: number): PyFloat {
    tokenState(py);
    return wrap(py, runtime().sym.PyFloat_FromDouble(value), PyFloat);
  }
  /** The value. */
  value(): number {
    return floatToJs(self(this, isPyFloat, "PyFloat", "value"));
  }
}

/**
 * Python's `bool`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyBool, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   assert.equal(PyBool.new(py, true).isTrue(), true);
 *   assert.equal(PyBool.new(py, false).repr(), "False");
 * });
 * ```
 */
export class PyBool extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyBool";
  #bool: undefined;
  static {
    isPyBool = (o) => typeof o === "object" && o !== null && #bool in o;
  }
  /** `isinstance(obj, bool)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, ptrOf(obj), runtime().types.bool);
  }
  /** `True` or `False`. */
  static new(py: PythonBase, value: boolean): PyBool {
    tokenState(py);
    return wrapBorrowed(py, value ? runtime().true_ : runtime().false_, PyBool);
  }
  /** The value. */
  isTrue(): boolean {
    const p = self(this, isPyBool, "PyBool", "isTrue");
    const rc = runtime().sym.PyObject_IsTrue(p);
    if (rc < 0) throw fetchError();
    return rc === 1;
  }
}
