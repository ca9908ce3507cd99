/**
 * JS classes for CPython's builtin exceptions, in Python's hierarchy
 * (generated from a table; `PyKeyError extends PyLookupError extends
 * PyException extends PyBaseException extends PyErr`).
 *
 * @module
 */

import { PyErr, registerExceptionClasses } from "./err.ts";

/**
 * Python's `BaseException`.
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyBaseException) console.log(e.message); }
 * const err = PyBaseException.newErr("what went wrong"); // thrown from a pyfunction, Python sees BaseException
 * ```
 */
export class PyBaseException extends PyErr {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "BaseException";
}

/**
 * Python's `Exception` (a `BaseException`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyException) console.log(e.message); }
 * const err = PyException.newErr("what went wrong"); // thrown from a pyfunction, Python sees Exception
 * ```
 */
export class PyException extends PyBaseException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "Exception";
}

/**
 * Python's `GeneratorExit` (a `BaseException`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyGeneratorExit) console.log(e.message); }
 * const err = PyGeneratorExit.newErr("what went wrong"); // thrown from a pyfunction, Python sees GeneratorExit
 * ```
 */
export class PyGeneratorExit extends PyBaseException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "GeneratorExit";
}

/**
 * Python's `KeyboardInterrupt` (a `BaseException`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyKeyboardInterrupt) console.log(e.message); }
 * const err = PyKeyboardInterrupt.newErr("what went wrong"); // thrown from a pyfunction, Python sees KeyboardInterrupt
 * ```
 */
export class PyKeyboardInterrupt extends PyBaseException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "KeyboardInterrupt";
}

/**
 * Python's `SystemExit` (a `BaseException`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PySystemExit) console.log(e.message); }
 * const err = PySystemExit.newErr("what went wrong"); // thrown from a pyfunction, Python sees SystemExit
 * ```
 */
export class PySystemExit extends PyBaseException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "SystemExit";
}

/**
 * Python's `ArithmeticError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyArithmeticError) console.log(e.message); }
 * const err = PyArithmeticError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ArithmeticError
 * ```
 */
export class PyArithmeticError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ArithmeticError";
}

/**
 * Python's `FloatingPointError` (a `ArithmeticError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyFloatingPointError) console.log(e.message); }
 * const err = PyFloatingPointError.newErr("what went wrong"); // thrown from a pyfunction, Python sees FloatingPointError
 * ```
 */
export class PyFloatingPointError extends PyArithmeticError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "FloatingPointError";
}

/**
 * Python's `OverflowError` (a `ArithmeticError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyOverflowError) console.log(e.message); }
 * const err = PyOverflowError.newErr("what went wrong"); // thrown from a pyfunction, Python sees OverflowError
 * ```
 */
export class PyOverflowError extends PyArithmeticError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "OverflowError";
}

/**
 * Python's `ZeroDivisionError` (a `ArithmeticError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyZeroDivisionError) console.log(e.message); }
 * const err = PyZeroDivisionError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ZeroDivisionError
 * ```
 */
export class PyZeroDivisionError extends PyArithmeticError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ZeroDivisionError";
}

/**
 * Python's `AssertionError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyAssertionError) console.log(e.message); }
 * const err = PyAssertionError.newErr("what went wrong"); // thrown from a pyfunction, Python sees AssertionError
 * ```
 */
export class PyAssertionError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "AssertionError";
}

/**
 * Python's `AttributeError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyAttributeError) console.log(e.message); }
 * const err = PyAttributeError.newErr("what went wrong"); // thrown from a pyfunction, Python sees AttributeError
 * ```
 */
export class PyAttributeError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "AttributeError";
}

/**
 * Python's `BufferError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyBufferError) console.log(e.message); }
 * const err = PyBufferError.newErr("what went wrong"); // thrown from a pyfunction, Python sees BufferError
 * ```
 */
export class PyBufferError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "BufferError";
}

/**
 * Python's `EOFError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyEOFError) console.log(e.message); }
 * const err = PyEOFError.newErr("what went wrong"); // thrown from a pyfunction, Python sees EOFError
 * ```
 */
export class PyEOFError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "EOFError";
}

/**
 * Python's `ImportError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyImportError) console.log(e.message); }
 * const err = PyImportError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ImportError
 * ```
 */
export class PyImportError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ImportError";
}

/**
 * Python's `ModuleNotFoundError` (a `ImportError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyModuleNotFoundError) console.log(e.message); }
 * const err = PyModuleNotFoundError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ModuleNotFoundError
 * ```
 */
export class PyModuleNotFoundError extends PyImportError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ModuleNotFoundError";
}

/**
 * Python's `LookupError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyLookupError) console.log(e.message); }
 * const err = PyLookupError.newErr("what went wrong"); // thrown from a pyfunction, Python sees LookupError
 * ```
 */
export class PyLookupError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "LookupError";
}

/**
 * Python's `IndexError` (a `LookupError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyIndexError) console.log(e.message); }
 * const err = PyIndexError.newErr("what went wrong"); // thrown from a pyfunction, Python sees IndexError
 * ```
 */
export class PyIndexError extends PyLookupError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "IndexError";
}

/**
 * Python's `KeyError` (a `LookupError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyKeyError) console.log(e.message); }
 * const err = PyKeyError.newErr("what went wrong"); // thrown from a pyfunction, Python sees KeyError
 * ```
 */
export class PyKeyError extends PyLookupError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "KeyError";
}

/**
 * Python's `MemoryError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyMemoryError) console.log(e.message); }
 * const err = PyMemoryError.newErr("what went wrong"); // thrown from a pyfunction, Python sees MemoryError
 * ```
 */
export class PyMemoryError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "MemoryError";
}

/**
 * Python's `NameError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyNameError) console.log(e.message); }
 * const err = PyNameError.newErr("what went wrong"); // thrown from a pyfunction, Python sees NameError
 * ```
 */
export class PyNameError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "NameError";
}

/**
 * Python's `UnboundLocalError` (a `NameError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyUnboundLocalError) console.log(e.message); }
 * const err = PyUnboundLocalError.newErr("what went wrong"); // thrown from a pyfunction, Python sees UnboundLocalError
 * ```
 */
export class PyUnboundLocalError extends PyNameError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "UnboundLocalError";
}

/**
 * Python's `OSError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyOSError) console.log(e.message); }
 * const err = PyOSError.newErr("what went wrong"); // thrown from a pyfunction, Python sees OSError
 * ```
 */
export class PyOSError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "OSError";
}

/**
 * Python's `BlockingIOError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyBlockingIOError) console.log(e.message); }
 * const err = PyBlockingIOError.newErr("what went wrong"); // thrown from a pyfunction, Python sees BlockingIOError
 * ```
 */
export class PyBlockingIOError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "BlockingIOError";
}

/**
 * Python's `ChildProcessError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyChildProcessError) console.log(e.message); }
 * const err = PyChildProcessError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ChildProcessError
 * ```
 */
export class PyChildProcessError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ChildProcessError";
}

/**
 * Python's `ConnectionError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyConnectionError) console.log(e.message); }
 * const err = PyConnectionError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ConnectionError
 * ```
 */
export class PyConnectionError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ConnectionError";
}

/**
 * Python's `BrokenPipeError` (a `ConnectionError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyBrokenPipeError) console.log(e.message); }
 * const err = PyBrokenPipeError.newErr("what went wrong"); // thrown from a pyfunction, Python sees BrokenPipeError
 * ```
 */
export class PyBrokenPipeError extends PyConnectionError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "BrokenPipeError";
}

/**
 * Python's `ConnectionAbortedError` (a `ConnectionError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyConnectionAbortedError) console.log(e.message); }
 * const err = PyConnectionAbortedError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ConnectionAbortedError
 * ```
 */
export class PyConnectionAbortedError extends PyConnectionError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ConnectionAbortedError";
}

/**
 * Python's `ConnectionRefusedError` (a `ConnectionError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyConnectionRefusedError) console.log(e.message); }
 * const err = PyConnectionRefusedError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ConnectionRefusedError
 * ```
 */
export class PyConnectionRefusedError extends PyConnectionError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ConnectionRefusedError";
}

/**
 * Python's `ConnectionResetError` (a `ConnectionError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyConnectionResetError) console.log(e.message); }
 * const err = PyConnectionResetError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ConnectionResetError
 * ```
 */
export class PyConnectionResetError extends PyConnectionError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ConnectionResetError";
}

/**
 * Python's `FileExistsError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyFileExistsError) console.log(e.message); }
 * const err = PyFileExistsError.newErr("what went wrong"); // thrown from a pyfunction, Python sees FileExistsError
 * ```
 */
export class PyFileExistsError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "FileExistsError";
}

/**
 * Python's `FileNotFoundError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyFileNotFoundError) console.log(e.message); }
 * const err = PyFileNotFoundError.newErr("what went wrong"); // thrown from a pyfunction, Python sees FileNotFoundError
 * ```
 */
export class PyFileNotFoundError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "FileNotFoundError";
}

/**
 * Python's `InterruptedError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyInterruptedError) console.log(e.message); }
 * const err = PyInterruptedError.newErr("what went wrong"); // thrown from a pyfunction, Python sees InterruptedError
 * ```
 */
export class PyInterruptedError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "InterruptedError";
}

/**
 * Python's `IsADirectoryError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyIsADirectoryError) console.log(e.message); }
 * const err = PyIsADirectoryError.newErr("what went wrong"); // thrown from a pyfunction, Python sees IsADirectoryError
 * ```
 */
export class PyIsADirectoryError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "IsADirectoryError";
}

/**
 * Python's `NotADirectoryError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyNotADirectoryError) console.log(e.message); }
 * const err = PyNotADirectoryError.newErr("what went wrong"); // thrown from a pyfunction, Python sees NotADirectoryError
 * ```
 */
export class PyNotADirectoryError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "NotADirectoryError";
}

/**
 * Python's `PermissionError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyPermissionError) console.log(e.message); }
 * const err = PyPermissionError.newErr("what went wrong"); // thrown from a pyfunction, Python sees PermissionError
 * ```
 */
export class PyPermissionError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "PermissionError";
}

/**
 * Python's `ProcessLookupError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyProcessLookupError) console.log(e.message); }
 * const err = PyProcessLookupError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ProcessLookupError
 * ```
 */
export class PyProcessLookupError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ProcessLookupError";
}

/**
 * Python's `TimeoutError` (a `OSError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyTimeoutError) console.log(e.message); }
 * const err = PyTimeoutError.newErr("what went wrong"); // thrown from a pyfunction, Python sees TimeoutError
 * ```
 */
export class PyTimeoutError extends PyOSError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "TimeoutError";
}

/**
 * Python's `ReferenceError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyReferenceError) console.log(e.message); }
 * const err = PyReferenceError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ReferenceError
 * ```
 */
export class PyReferenceError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ReferenceError";
}

/**
 * Python's `RuntimeError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyRuntimeError) console.log(e.message); }
 * const err = PyRuntimeError.newErr("what went wrong"); // thrown from a pyfunction, Python sees RuntimeError
 * ```
 */
export class PyRuntimeError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "RuntimeError";
}

/**
 * Python's `NotImplementedError` (a `RuntimeError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyNotImplementedError) console.log(e.message); }
 * const err = PyNotImplementedError.newErr("what went wrong"); // thrown from a pyfunction, Python sees NotImplementedError
 * ```
 */
export class PyNotImplementedError extends PyRuntimeError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "NotImplementedError";
}

/**
 * Python's `RecursionError` (a `RuntimeError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyRecursionError) console.log(e.message); }
 * const err = PyRecursionError.newErr("what went wrong"); // thrown from a pyfunction, Python sees RecursionError
 * ```
 */
export class PyRecursionError extends PyRuntimeError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "RecursionError";
}

/**
 * Python's `StopAsyncIteration` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyStopAsyncIteration) console.log(e.message); }
 * const err = PyStopAsyncIteration.newErr("what went wrong"); // thrown from a pyfunction, Python sees StopAsyncIteration
 * ```
 */
export class PyStopAsyncIteration extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "StopAsyncIteration";
}

/**
 * Python's `StopIteration` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyStopIteration) console.log(e.message); }
 * const err = PyStopIteration.newErr("what went wrong"); // thrown from a pyfunction, Python sees StopIteration
 * ```
 */
export class PyStopIteration extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "StopIteration";
}

/**
 * Python's `SyntaxError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PySyntaxError) console.log(e.message); }
 * const err = PySyntaxError.newErr("what went wrong"); // thrown from a pyfunction, Python sees SyntaxError
 * ```
 */
export class PySyntaxError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "SyntaxError";
}

/**
 * Python's `IndentationError` (a `SyntaxError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyIndentationError) console.log(e.message); }
 * const err = PyIndentationError.newErr("what went wrong"); // thrown from a pyfunction, Python sees IndentationError
 * ```
 */
export class PyIndentationError extends PySyntaxError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "IndentationError";
}

/**
 * Python's `TabError` (a `IndentationError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyTabError) console.log(e.message); }
 * const err = PyTabError.newErr("what went wrong"); // thrown from a pyfunction, Python sees TabError
 * ```
 */
export class PyTabError extends PyIndentationError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "TabError";
}

/**
 * Python's `SystemError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PySystemError) console.log(e.message); }
 * const err = PySystemError.newErr("what went wrong"); // thrown from a pyfunction, Python sees SystemError
 * ```
 */
export class PySystemError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "SystemError";
}

/**
 * Python's `TypeError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyTypeError) console.log(e.message); }
 * const err = PyTypeError.newErr("what went wrong"); // thrown from a pyfunction, Python sees TypeError
 * ```
 */
export class PyTypeError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "TypeError";
}

/**
 * Python's `ValueError` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyValueError) console.log(e.message); }
 * const err = PyValueError.newErr("what went wrong"); // thrown from a pyfunction, Python sees ValueError
 * ```
 */
export class PyValueError extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "ValueError";
}

/**
 * Python's `UnicodeError` (a `ValueError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyUnicodeError) console.log(e.message); }
 * const err = PyUnicodeError.newErr("what went wrong"); // thrown from a pyfunction, Python sees UnicodeError
 * ```
 */
export class PyUnicodeError extends PyValueError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "UnicodeError";
}

/**
 * Python's `UnicodeDecodeError` (a `UnicodeError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyUnicodeDecodeError) console.log(e.message); }
 * const err = PyUnicodeDecodeError.newErr("what went wrong"); // thrown from a pyfunction, Python sees UnicodeDecodeError
 * ```
 */
export class PyUnicodeDecodeError extends PyUnicodeError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "UnicodeDecodeError";
}

/**
 * Python's `UnicodeEncodeError` (a `UnicodeError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyUnicodeEncodeError) console.log(e.message); }
 * const err = PyUnicodeEncodeError.newErr("what went wrong"); // thrown from a pyfunction, Python sees UnicodeEncodeError
 * ```
 */
export class PyUnicodeEncodeError extends PyUnicodeError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "UnicodeEncodeError";
}

/**
 * Python's `UnicodeTranslateError` (a `UnicodeError`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyUnicodeTranslateError) console.log(e.message); }
 * const err = PyUnicodeTranslateError.newErr("what went wrong"); // thrown from a pyfunction, Python sees UnicodeTranslateError
 * ```
 */
export class PyUnicodeTranslateError extends PyUnicodeError {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "UnicodeTranslateError";
}

/**
 * Python's `Warning` (a `Exception`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyWarning) console.log(e.message); }
 * const err = PyWarning.newErr("what went wrong"); // thrown from a pyfunction, Python sees Warning
 * ```
 */
export class PyWarning extends PyException {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "Warning";
}

/**
 * Python's `UserWarning` (a `Warning`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyUserWarning) console.log(e.message); }
 * const err = PyUserWarning.newErr("what went wrong"); // thrown from a pyfunction, Python sees UserWarning
 * ```
 */
export class PyUserWarning extends PyWarning {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "UserWarning";
}

/**
 * Python's `DeprecationWarning` (a `Warning`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyDeprecationWarning) console.log(e.message); }
 * const err = PyDeprecationWarning.newErr("what went wrong"); // thrown from a pyfunction, Python sees DeprecationWarning
 * ```
 */
export class PyDeprecationWarning extends PyWarning {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "DeprecationWarning";
}

/**
 * Python's `RuntimeWarning` (a `Warning`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyRuntimeWarning) console.log(e.message); }
 * const err = PyRuntimeWarning.newErr("what went wrong"); // thrown from a pyfunction, Python sees RuntimeWarning
 * ```
 */
export class PyRuntimeWarning extends PyWarning {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "RuntimeWarning";
}

/**
 * Python's `FutureWarning` (a `Warning`).
 *
 * @example
 * ```ts ignore
 * try { py.eval("...") } catch (e) { if (e instanceof PyFutureWarning) console.log(e.message); }
 * const err = PyFutureWarning.newErr("what went wrong"); // thrown from a pyfunction, Python sees FutureWarning
 * ```
 */
export class PyFutureWarning extends PyWarning {
  /** The Python type's name in `builtins`. */
  static override readonly pyName: string = "FutureWarning";
}

/** Every builtin exception class above, for mapping Python types to JS classes. */
/** @ignore */
export const BUILTIN_EXCEPTIONS: readonly (typeof PyErr)[] = [
  PyBaseException,
  PyException,
  PyGeneratorExit,
  PyKeyboardInterrupt,
  PySystemExit,
  PyArithmeticError,
  PyFloatingPointError,
  PyOverflowError,
  PyZeroDivisionError,
  PyAssertionError,
  PyAttributeError,
  PyBufferError,
  PyEOFError,
  PyImportError,
  PyModuleNotFoundError,
  PyLookupError,
  PyIndexError,
  PyKeyError,
  PyMemoryError,
  PyNameError,
  PyUnboundLocalError,
  PyOSError,
  PyBlockingIOError,
  PyChildProcessError,
  PyConnectionError,
  PyBrokenPipeError,
  PyConnectionAbortedError,
  PyConnectionRefusedError,
  PyConnectionResetError,
  PyFileExistsError,
  PyFileNotFoundError,
  PyInterruptedError,
  PyIsADirectoryError,
  PyNotADirectoryError,
  PyPermissionError,
  PyProcessLookupError,
  PyTimeoutError,
  PyReferenceError,
  PyRuntimeError,
  PyNotImplementedError,
  PyRecursionError,
  PyStopAsyncIteration,
  PyStopIteration,
  PySyntaxError,
  PyIndentationError,
  PyTabError,
  PySystemError,
  PyTypeError,
  PyValueError,
  PyUnicodeError,
  PyUnicodeDecodeError,
  PyUnicodeEncodeError,
  PyUnicodeTranslateError,
  PyWarning,
  PyUserWarning,
  PyDeprecationWarning,
  PyRuntimeWarning,
  PyFutureWarning,
];

/** Optional builtins (3.11+: ExceptionGroup and friends) map to these classes. */
export const EXCEPTION_ALIASES: Readonly<Record<string, typeof PyErr>> = {
  BaseExceptionGroup: PyBaseException,
  ExceptionGroup: PyException,
  EncodingWarning: PyWarning,
  PythonFinalizationError: PyRuntimeError,
};

registerExceptionClasses(BUILTIN_EXCEPTIONS, EXCEPTION_ALIASES);
