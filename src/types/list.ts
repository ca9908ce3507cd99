/**
 * `PyList`: Python's `list`.
 *
 * @module
 */

import {
  arrayToList,
  receiverError,
  toPy,
  TpFlags,
  typeFlags,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "./exceptions.ts";
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
import { type PythonBase, tokenState } from "./python.ts";
import { PyTuple } from "./tuple.ts";

let isList: (o: unknown) => boolean;

/** The pointer of a `PyList` method's receiver, or the TypeError for any other `this`. */
function self(o: unknown, method: string): Ptr {
  if (!isList(o)) throw receiverError(o, "PyList", method);
  return ptrOf(o as PyList);
}

/**
 * An index for `Py_ssize_t`: an integer, clamped to ±2^53 (CPython clamps
 * list indexes itself; beyond 2^63 a plain conversion would wrap around).
 */
export function indexArg(i: unknown, what: string): number {
  if (typeof i !== "number" || !Number.isInteger(i)) {
    throw PyTypeError.newErr(
      `${what} must be an integer, not ${
        typeof i === "number" ? String(i) : typeof i
      }`,
    );
  }
  return Math.max(-(2 ** 53), Math.min(2 ** 53, i));
}

/**
 * Python's `list`. `getItem(i)` with a non-negative index reads the item
 * directly (`PyList_GetItem`, borrowed then owned by the tier); any other key
 * goes through `self[key]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyList, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const l = PyList.new(py, [3, 1, 2]);
 *   l.append(0);
 *   l.sort();
 *   assert.deepEqual(l.toJs(), [0, 1, 2, 3]);
 * });
 * ```
 */
export class PyList extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyList";
  #list: undefined;

  static {
    isList = (o) => typeof o === "object" && o !== null && #list in o;
  }

  /** `isinstance(obj, list)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, ptrOf(obj)) & TpFlags.List) !== 0;
  }

  /**
   * A new list of converted elements (empty when omitted).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyList, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.equal(PyList.new(py, [1, "a", null]).repr(), "[1, 'a', None]");
   *   assert.equal(PyList.new(py, new Set([2, 3])).len(), 2); // any iterable
   * });
   * ```
   */
  static new(py: PythonBase, elements: Iterable<unknown> = []): PyList {
    tokenState(py);
    return wrap(
      py,
      arrayToList(Array.isArray(elements) ? elements : [...elements], py),
      PyList,
    );
  }

  /**
   * `self[index]`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, PyIndexError, PyList, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const l = PyList.new(py, [10, 20, 30]);
   *   assert.equal(l.getItem(1).toJs(), 20);
   *   assert.equal(l.getItem(2, Extract.int), 30); // terminal: no object made
   *   assert.throws(() => l.getItem(5), PyIndexError);
   * });
   * ```
   */
  override getItem(index: unknown): PyAny;
  /** `self[index]` read with an extractor (terminal: no object for the item). */
  override getItem<T>(index: unknown, extract: FromPyObject<T>): T;
  override getItem<T>(index: unknown, extract?: FromPyObject<T>): PyAny | T {
    self(this, "getItem");
    return sequenceItem(this, index, runtime().sym.PyList_GetItem, extract);
  }

  /** `len(self)`. */
  override len(): number {
    const n = Number(runtime().sym.PyList_Size(self(this, "len")));
    if (n === -1) throw fetchError();
    return n;
  }

  /** `self.append(value)`. */
  append(value: unknown): void {
    const sym = runtime().sym;
    const p = self(this, "append");
    const v = toPy(value, this.py());
    const rc = sym.PyList_Append(p, v);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /**
   * `self.insert(index, value)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyList, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const l = PyList.new(py, ["b"]);
   *   l.insert(0, "a");
   *   assert.deepEqual(l.toJs(), ["a", "b"]);
   * });
   * ```
   */
  insert(index: number, value: unknown): void {
    const sym = runtime().sym;
    const p = self(this, "insert");
    const i = indexArg(index, "PyList.insert: index");
    const v = toPy(value, this.py());
    const rc = sym.PyList_Insert(p, ssize(i), v);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /** `self.sort()`. */
  sort(): void {
    if (runtime().sym.PyList_Sort(self(this, "sort")) !== 0) throw fetchError();
  }

  /** `self.reverse()`. */
  reverse(): void {
    const p = self(this, "reverse");
    if (runtime().sym.PyList_Reverse(p) !== 0) throw fetchError();
  }

  /** `tuple(self)`. */
  toTuple(): PyTuple {
    const p = self(this, "toTuple");
    return wrap(this.py(), runtime().sym.PyList_AsTuple(p), PyTuple);
  }

  /**
   * `self[start:stop]` as a new list (negative bounds count from the end).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyList, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.deepEqual(PyList.new(py, [0, 1, 2, 3]).getSlice(1, 3).toJs(), [1, 2]);
   * });
   * ```
   */
  getSlice(start: number, stop: number): PyList {
    self(this, "getSlice");
    return sliceOf(
      this,
      indexArg(start, "PyList.getSlice: start"),
      indexArg(stop, "PyList.getSlice: stop"),
      PyList,
    );
  }
}
