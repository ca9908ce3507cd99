/**
 * `PyType`: Python's `type` objects.
 *
 * @module
 */

import {
  borrowedPtr,
  receiverError,
  strCache,
  strToJs,
  TpFlags,
  typeFlags,
  typeName,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "./exceptions.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ptrOf, PyAny } from "./any.ts";

let isType: (o: unknown) => boolean;

/**
 * The receiver's pointer, checked to be a type object in Python too:
 * `PyType_IsSubtype` reads its first argument as a type without checking.
 */
function self(o: unknown, method: string): Ptr {
  if (!isType(o)) throw receiverError(o, "PyType", method);
  const p = ptrOf(o as PyType);
  if ((typeFlags(runtime().sym, p) & TpFlags.Type) === 0) {
    throw PyTypeError.newErr(
      `PyType.${method}() called on a '${typeName(p)}' object, not a type`,
    );
  }
  return p;
}

/**
 * A Python type object (`type(x)`, a class).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python, PyType } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const t = py.eval("3").getType().downcast(PyType);
 *   assert.equal(t.name(), "int");
 *   assert.equal(t.isSubclassOf(py.builtins().getattr("object")), true);
 * });
 * ```
 */
export class PyType extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyType";
  #type: undefined;

  static {
    isType = (o) => typeof o === "object" && o !== null && #type in o;
  }

  /** `isinstance(obj, type)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, ptrOf(obj)) & TpFlags.Type) !== 0;
  }
  /** `self.__name__`. */
  name(): string {
    return attrStr(self(this, "name"), "__name__");
  }
  /** `self.__qualname__`. */
  qualname(): string {
    return attrStr(self(this, "qualname"), "__qualname__");
  }
  /** `self.__module__`. */
  module(): string {
    return attrStr(self(this, "module"), "__module__");
  }
  /**
   * `issubclass(self, other)` by the type's MRO (`PyType_IsSubtype`: no
   * `__subclasscheck__`). `other` must be a type object: anything else is
   * CPython's TypeError.
   */
  isSubclassOf(other: PyAny): boolean {
    const p = self(this, "isSubclassOf");
    const o = typeof other === "object" && other !== null
      ? borrowedPtr(other)
      : undefined;
    if (o === undefined || (typeFlags(runtime().sym, o) & TpFlags.Type) === 0) {
      throw PyTypeError.newErr(
        "issubclass() arg 2 must be a class, a tuple of classes, or a union",
      );
    }
    return runtime().sym.PyType_IsSubtype(p, o) === 1;
  }
}

function attrStr(p: Ptr, name: string): string {
  const sym = runtime().sym;
  const v = sym.PyObject_GetAttr(p, strCache(name));
  if (v === null) throw fetchError();
  try {
    return strToJs(v);
  } finally {
    sym.Py_DecRef(v);
  }
}
