/**
 * `PySlice`: Python's `slice`.
 *
 * @module
 */

import { isSubtype, toPy } from "../core/convert.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ptrOf, PyAny, wrap } from "./any.ts";
import { type PythonBase, tokenState } from "./python.ts";

/**
 * Python's `slice`; `null`/`undefined` bounds mean "omitted".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PySlice, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const l = py.eval("list(range(10))");
 *   assert.deepEqual(l.getItem(PySlice.new(py, 2, 8, 2)).toJs(), [2, 4, 6]); // l[2:8:2]
 * });
 * ```
 */
export class PySlice extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PySlice";
  /** `isinstance(obj, slice)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, ptrOf(obj), runtime().types.slice);
  }
  /** `slice(start, stop, step)`. */
  static new(
    py: PythonBase,
    start?: number | bigint | null,
    stop?: number | bigint | null,
    step?: number | bigint | null,
  ): PySlice {
    tokenState(py);
    const sym = runtime().sym;
    const bounds: Ptr[] = [];
    try {
      for (const v of [start, stop, step]) bounds.push(toPy(v, py));
      return wrap(
        py,
        sym.PySlice_New(bounds[0], bounds[1], bounds[2]),
        PySlice,
      );
    } finally {
      for (const b of bounds) sym.Py_DecRef(b);
    }
  }
}
