/**
 * `PyTuple`: Python's `tuple`.
 *
 * @module
 */

import {
  arrayToTuple,
  receiverError,
  TpFlags,
  tupleSize,
  typeFlags,
} from "../core/convert.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import {
  type FromPyObject,
  ptrOf,
  PyAny,
  sequenceItem,
  sliceOf,
  wrap,
} from "./any.ts";
import { indexArg, PyList } from "./list.ts";
import { type PythonBase, tokenState } from "./python.ts";

let isTuple: (o: unknown) => boolean;

/** The pointer of a `PyTuple` method's receiver, or the TypeError for any other `this`. */
function self(o: unknown, method: string): Ptr {
  if (!isTuple(o)) throw receiverError(o, "PyTuple", method);
  return ptrOf(o as PyTuple);
}

/**
 * Python's `tuple`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyTuple, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const t = PyTuple.new(py, [1, "two", 3.0]);
 *   assert.equal(t.len(), 3);
 *   assert.equal(t.getItem(1).str(), "two");
 *   assert.equal(t.repr(), "(1, 'two', 3)"); // 3.0 is a safe integer: int
 * });
 * ```
 */
export class PyTuple extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyTuple";
  #tuple: undefined;

  static {
    isTuple = (o) => typeof o === "object" && o !== null && #tuple in o;
  }

  /** `isinstance(obj, tuple)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, ptrOf(obj)) & TpFlags.Tuple) !== 0;
  }

  /**
   * A new tuple of converted elements.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyTuple, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const t = PyTuple.new(py, ["a", 1]);
   *   assert.equal(t.repr(), "('a', 1)");
   *   assert.equal(py.eval("{('a', 1): 'ok'}").getItem(t).toJs(), "ok"); // hashable, unlike a list
   * });
   * ```
   */
  static new(py: PythonBase, elements: Iterable<unknown> = []): PyTuple {
    tokenState(py);
    return wrap(
      py,
      arrayToTuple(Array.isArray(elements) ? elements : [...elements], py),
      PyTuple,
    );
  }

  /** The empty tuple. */
  static empty(py: PythonBase): PyTuple {
    tokenState(py);
    return wrap(py, runtime().sym.PyTuple_New(ssize(0)), PyTuple);
  }

  /** `self[index]`. */
  override getItem(index: unknown): PyAny;
  /** `self[index]` read with an extractor (terminal: no object for the item). */
  override getItem<T>(index: unknown, extract: FromPyObject<T>): T;
  override getItem<T>(index: unknown, extract?: FromPyObject<T>): PyAny | T {
    self(this, "getItem");
    return sequenceItem(this, index, runtime().sym.PyTuple_GetItem, extract);
  }

  /** `len(self)`. */
  override len(): number {
    return tupleSize(self(this, "len"));
  }

  /** `list(self)`. */
  toList(): PyList {
    const p = self(this, "toList");
    return wrap(this.py(), runtime().sym.PySequence_List(p), PyList);
  }

  /**
   * `self[start:stop]` as a new tuple (negative bounds count from the end).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyTuple, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.equal(PyTuple.new(py, [0, 1, 2]).getSlice(0, 2).repr(), "(0, 1)");
   * });
   * ```
   */
  getSlice(start: number, stop: number): PyTuple {
    self(this, "getSlice");
    return sliceOf(
      this,
      indexArg(start, "PyTuple.getSlice: start"),
      indexArg(stop, "PyTuple.getSlice: stop"),
      PyTuple,
    );
  }
}
