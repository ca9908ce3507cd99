/**
 * `PyType`: Python's `type` objects.
 *
 * @module
 */

import { strCache, strToJs, TpFlags, typeFlags } from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { runtime } from "../core/runtime.ts";
import { PyAny } from "./any.ts";

/**
 * A Python type object (`type(x)`, a class).
 *
 * @example
 * ```ts ignore
 * const t = py.eval("3").getType().downcast(PyType);
 * console.log(t.name(), t.isSubclassOf(py.builtins().getattr("object")));
 * ```
 */
export class PyType extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyType";
  /** `isinstance(obj, type)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, obj.unsafePtr) & TpFlags.Type) !== 0;
  }
  /** `self.__name__`. */
  name(): string {
    return this.#attrStr("__name__");
  }
  /** `self.__qualname__`. */
  qualname(): string {
    return this.#attrStr("__qualname__");
  }
  /** `self.__module__`. */
  module(): string {
    return this.#attrStr("__module__");
  }
  #attrStr(name: string): string {
    const sym = runtime().sym;
    const v = sym.PyObject_GetAttr(this.unsafePtr, strCache(name));
    if (v === null) throw fetchError();
    try {
      return strToJs(v);
    } finally {
      sym.Py_DecRef(v);
    }
  }
  /** `issubclass(self, other)`. */
  isSubclassOf(other: PyAny): boolean {
    const rc = runtime().sym.PyType_IsSubtype(this.unsafePtr, other.unsafePtr);
    return rc === 1;
  }
}
