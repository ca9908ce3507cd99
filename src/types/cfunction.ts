/**
 * `PyCFunction`: builtin functions, including TypeScript functions made
 * callable from Python with `pyfunction`.
 *
 * @module
 */

import { isSubtype } from "../core/convert.ts";
import { runtime } from "../core/runtime.ts";
import { attrString, ptrOf, PyAny } from "./any.ts";

/**
 * A builtin function object (`builtin_function_or_method`), such as `len`
 * or a TypeScript function made by `pyfunction`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyCFunction, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const len = py.builtins().getattr("len").downcast(PyCFunction);
 *   assert.equal(len.call1([1, 2, 3]).toJs(), 3);
 * });
 * ```
 */
export class PyCFunction extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyCFunction";
  /** `isinstance(obj, types.BuiltinFunctionType)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(
      runtime().sym,
      ptrOf(obj),
      runtime().types.builtinFunction,
    );
  }
  /** `self.__name__`. */
  name(): string {
    return attrString(this, "__name__");
  }
}
