/**
 * `PyTuple`: Python's `tuple`.
 *
 * @module
 */

import { toPy, TpFlags, typeFlags } from "../core/convert.ts";
import { runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { itemAt, PyAny, sliceOf, wrap } from "./any.ts";
import { PyList } from "./list.ts";
import { type PythonBase, tokenState } from "./python.ts";

/**
 * Python's `tuple`.
 *
 * @example
 * ```ts ignore
 * const t = PyTuple.new(py, [1, "two", 3.0]);
 * console.log(t.len(), t.getItem(1).str());
 * ```
 */
export class PyTuple extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyTuple";

  /** `isinstance(obj, tuple)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, obj.unsafePtr) & TpFlags.Tuple) !== 0;
  }

  /** A new tuple of converted elements. */
  static new(py: PythonBase, elements: Iterable<unknown> = []): PyTuple {
    tokenState(py);
    const sym = runtime().sym;
    const list = toPy(Array.isArray(elements) ? elements : [...elements], py);
    const t = sym.PyList_AsTuple(list);
    sym.Py_DecRef(list);
    return wrap(py, t, PyTuple);
  }

  /** The empty tuple. */
  static empty(py: PythonBase): PyTuple {
    tokenState(py);
    return wrap(py, runtime().sym.PyTuple_New(ssize(0)), PyTuple);
  }

  /** `self[index]`. */
  override getItem(index: unknown): PyAny {
    return itemAt(this, index, runtime().sym.PyTuple_GetItem) ??
      (super.getItem(index) as PyAny);
  }

  /** `len(self)`. */
  override len(): number {
    return Number(runtime().sym.PyTuple_Size(this.unsafePtr));
  }

  /** `list(self)`. */
  toList(): PyList {
    return wrap(
      this.py(),
      runtime().sym.PySequence_List(this.unsafePtr),
      PyList,
    );
  }

  /** `self[start:stop]` as a new tuple (negative bounds count from the end). */
  getSlice(start: number, stop: number): PyTuple {
    return sliceOf(this, start, stop, PyTuple);
  }
}
