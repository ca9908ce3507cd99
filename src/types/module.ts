/**
 * `PyModule`: Python modules.
 *
 * @module
 */

import { compileSource, isSubtype, strToPy, toPy } from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyValueError } from "./exceptions.ts";
import { cstr, FILE_INPUT, runtime } from "../core/runtime.ts";
import { attrString, ptrOf, PyAny, wrap, wrapBorrowed } from "./any.ts";
import type { PyCFunction } from "./cfunction.ts";
import { PyDict } from "./dict.ts";
import { type PythonBase, tokenState } from "./python.ts";

/**
 * A Python module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyModule, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const code = "def double(x):\n    return 2 * x\n";
 *   const m = PyModule.fromCode(py, code, "double.py", "double");
 *   assert.equal(m.getattr("double").call1(21).toJs(), 42);
 * });
 * ```
 */
export class PyModule extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyModule";
  /** `isinstance(obj, types.ModuleType)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, ptrOf(obj), runtime().types.module);
  }
  /** `import name`. */
  static import(py: PythonBase, name: string): PyModule {
    return py.import(name);
  }
  /** A new empty module named `name` (not added to `sys.modules`). */
  static new(py: PythonBase, name: string): PyModule {
    tokenState(py);
    const sym = runtime().sym;
    const n = strToPy(name);
    const m = sym.PyModule_NewObject(n);
    sym.Py_DecRef(n);
    return wrap(py, m, PyModule);
  }
  /**
   * Compile and execute `code` as module `moduleName` from `fileName`, and
   * register it in `sys.modules` (PyO3's `PyModule::from_code`).
   */
  static fromCode(
    py: PythonBase,
    code: string,
    fileName: string,
    moduleName: string,
  ): PyModule {
    tokenState(py);
    const sym = runtime().sym;
    for (
      const [what, v] of [["module name", moduleName], ["file name", fileName]]
    ) {
      if (v.includes("\0") || !v.isWellFormed()) {
        throw PyValueError.newErr(
          `PyModule.fromCode: the ${what} contains a NUL character or a lone surrogate`,
        );
      }
    }
    // compile() semantics: NUL or lone surrogates in the code raise what
    // Python raises for them instead of silently changing the code.
    const co = compileSource(code, fileName, FILE_INPUT);
    const m = sym.PyImport_ExecCodeModuleEx(
      cstr(moduleName),
      co,
      cstr(fileName),
    );
    sym.Py_DecRef(co);
    return wrap(py, m, PyModule);
  }
  /** `self.__dict__`. */
  dict(): PyDict {
    return wrapBorrowed(
      this.py(),
      runtime().sym.PyModule_GetDict(ptrOf(this)),
      PyDict,
    );
  }
  /** `self.__name__`. */
  name(): string {
    return attrString(this, "__name__");
  }
  /** `self.name = value` (PyO3's `PyModule::add`); adds `name` to `__all__` if it exists. */
  add(name: string, value: unknown): void {
    const sym = runtime().sym;
    const d = sym.PyModule_GetDict(ptrOf(this))!;
    const k = strToPy(name);
    const v = toPy(value, this.py());
    const rc = sym.PyDict_SetItem(d, k, v);
    sym.Py_DecRef(k);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }
  /** Add a function under its own `__name__` (PyO3's `add_function`). */
  addFunction(f: PyCFunction): void {
    this.add(f.name(), f);
  }

  /** Register this module in `sys.modules` under its name, so `import name` finds it. */
  register(): void {
    const sym = runtime().sym;
    const mods = sym.PyImport_GetModuleDict()!;
    const name = this.name();
    const k = strToPy(name);
    const rc = sym.PyDict_SetItem(mods, k, ptrOf(this));
    sym.Py_DecRef(k);
    if (rc !== 0) throw fetchError();
  }
}
