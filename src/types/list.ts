/**
 * `PyList`: Python's `list`.
 *
 * @module
 */

import { toPy, TpFlags, typeFlags } from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { itemAt, PyAny, sliceOf, wrap } from "./any.ts";
import { type PythonBase, tokenState } from "./python.ts";
import { PyTuple } from "./tuple.ts";

/**
 * Python's `list`. `getItem(i)` with a non-negative index reads the item
 * directly (`PyList_GetItem`, borrowed then owned by the tier); any other key
 * goes through `self[key]`.
 *
 * @example
 * ```ts ignore
 * const l = PyList.new(py, [3, 1, 2]);
 * l.append(0);
 * l.sort();
 * console.log(l.toJs()); // [0, 1, 2, 3]
 * ```
 */
export class PyList extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyList";

  /** `isinstance(obj, list)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, obj.unsafePtr) & TpFlags.List) !== 0;
  }

  /** A new list of converted elements (empty when omitted). */
  static new(py: PythonBase, elements: Iterable<unknown> = []): PyList {
    tokenState(py);
    return wrap(
      py,
      toPy(Array.isArray(elements) ? elements : [...elements], py),
      PyList,
    );
  }

  /** `self[index]`. */
  override getItem(index: unknown): PyAny {
    return itemAt(this, index, runtime().sym.PyList_GetItem) ??
      (super.getItem(index) as PyAny);
  }

  /** `len(self)`. */
  override len(): number {
    return Number(runtime().sym.PyList_Size(this.unsafePtr));
  }

  /** `self.append(value)`. */
  append(value: unknown): void {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const v = toPy(value, this.py());
    const rc = sym.PyList_Append(self, v);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /** `self.insert(index, value)`. */
  insert(index: number, value: unknown): void {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const v = toPy(value, this.py());
    const rc = sym.PyList_Insert(self, ssize(index), v);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /** `self.sort()`. */
  sort(): void {
    if (runtime().sym.PyList_Sort(this.unsafePtr) !== 0) throw fetchError();
  }

  /** `self.reverse()`. */
  reverse(): void {
    if (runtime().sym.PyList_Reverse(this.unsafePtr) !== 0) throw fetchError();
  }

  /** `tuple(self)`. */
  toTuple(): PyTuple {
    return wrap(
      this.py(),
      runtime().sym.PyList_AsTuple(this.unsafePtr),
      PyTuple,
    );
  }

  /** `self[start:stop]` as a new list (negative bounds count from the end). */
  getSlice(start: number, stop: number): PyList {
    return sliceOf(this, start, stop, PyList);
  }
}
