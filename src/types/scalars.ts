/**
 * The scalar types: `PyString`, `PyBytes`, `PyByteArray`, `PyInt`,
 * `PyFloat`, `PyBool`. Each is a thin class over the conversion primitives
 * in `src/core/convert.ts`.
 *
 * @module
 */

import {
  bigintToPy,
  byteArrayToJs,
  bytesToJs,
  bytesToPy,
  floatToJs,
  intToJs,
  isSubtype,
  strToJs,
  strToPy,
  TpFlags,
  typeFlags,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "../core/exceptions.ts";
import { runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { PyAny, wrap, wrapBorrowed } from "./any.ts";
import { type PythonBase, tokenState } from "./python.ts";

/**
 * Python's `str`.
 *
 * @example
 * ```ts ignore
 * const s = PyString.new(py, "héllo");
 * console.log(s.toStr(), s.len());
 * ```
 */
export class PyString extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyString";
  /** `isinstance(obj, str)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, obj.unsafePtr) & TpFlags.Unicode) !== 0;
  }
  /** A new `str` (lone surrogates are kept). */
  static new(py: PythonBase, value: string): PyString {
    tokenState(py);
    return wrap(py, strToPy(value), PyString);
  }
  /** An interned `str` (PyO3's `PyString::intern`). */
  static intern(py: PythonBase, value: string): PyString {
    tokenState(py);
    return wrap(
      py,
      runtime().sym.PyUnicode_InternFromString(
        new TextEncoder().encode(value + "\0"),
      ),
      PyString,
    );
  }
  /** The value as a JS string. */
  toStr(): string {
    return strToJs(this.unsafePtr);
  }
}

/**
 * Python's `bytes`.
 *
 * @example
 * ```ts ignore
 * const b = PyBytes.new(py, new Uint8Array([1, 2, 3]));
 * console.log(b.asBytes());
 * ```
 */
export class PyBytes extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyBytes";
  /** `isinstance(obj, bytes)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, obj.unsafePtr) & TpFlags.Bytes) !== 0;
  }
  /** New `bytes` holding a copy of `data`. */
  static new(py: PythonBase, data: Uint8Array): PyBytes {
    tokenState(py);
    return wrap(py, bytesToPy(data), PyBytes);
  }
  /** A copy of the contents. */
  asBytes(): Uint8Array<ArrayBuffer> {
    return bytesToJs(this.unsafePtr);
  }
}

/**
 * Python's `bytearray`.
 *
 * @example
 * ```ts ignore
 * const b = PyByteArray.new(py, new Uint8Array([1, 2]));
 * b.callMethod1("append", 3);
 * console.log(b.toBytes());
 * ```
 */
export class PyByteArray extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyByteArray";
  /** `isinstance(obj, bytearray)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, obj.unsafePtr, runtime().types.bytearray);
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
    return byteArrayToJs(this.unsafePtr);
  }
}

/**
 * Python's `int`, of any size.
 *
 * @example
 * ```ts ignore
 * const big = PyInt.new(py, 2n ** 100n);
 * console.log(big.toJs()); // 1267650600228229401496703205376n
 * ```
 */
export class PyInt extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyInt";
  /** `isinstance(obj, int)` (true for `bool` too, as in Python). */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, obj.unsafePtr) & TpFlags.Long) !== 0;
  }
  /** A new `int` from an integer number or a bigint. */
  static new(py: PythonBase, value: number | bigint): PyInt {
    tokenState(py);
    if (typeof value === "number" && !Number.isInteger(value)) {
      throw PyTypeError.newErr(
        `PyInt.new: ${value} is not an integer (use PyFloat.new)`,
      );
    }
    return wrap(py, bigintToPy(BigInt(value)), PyInt);
  }
  /** The value: a number when safe, else a bigint. */
  value(): number | bigint {
    return intToJs(this.unsafePtr);
  }
}

/**
 * Python's `float`.
 *
 * @example
 * ```ts ignore
 * const f = PyFloat.new(py, 2); // 2.0, not int 2
 * console.log(f.repr()); // "2.0"
 * ```
 */
export class PyFloat extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyFloat";
  /** `isinstance(obj, float)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, obj.unsafePtr, runtime().types.float);
  }
  /** A new `float` (always a float, even for integral values). */
  static new(py: PythonBase, value: number): PyFloat {
    tokenState(py);
    return wrap(py, runtime().sym.PyFloat_FromDouble(value), PyFloat);
  }
  /** The value. */
  value(): number {
    return floatToJs(this.unsafePtr);
  }
}

/**
 * Python's `bool`.
 *
 * @example
 * ```ts ignore
 * console.log(PyBool.new(py, true).isTrue());
 * ```
 */
export class PyBool extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyBool";
  /** `isinstance(obj, bool)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, obj.unsafePtr, runtime().types.bool);
  }
  /** `True` or `False`. */
  static new(py: PythonBase, value: boolean): PyBool {
    tokenState(py);
    return wrapBorrowed(py, value ? runtime().true_ : runtime().false_, PyBool);
  }
  /** The value. */
  isTrue(): boolean {
    const rc = runtime().sym.PyObject_IsTrue(this.unsafePtr);
    if (rc < 0) throw fetchError();
    return rc === 1;
  }
}
