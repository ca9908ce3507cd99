/**
 * Python modules written in TypeScript (PyO3's `#[pymodule]`).
 *
 * @module
 */

import { PyModule } from "../types/module.ts";
import type { PythonBase } from "../types/python.ts";

/**
 * Create module `name`, let `init` fill it (functions with
 * `m.addFunction(pyfunction(...))`, values with `m.add`), and register it in
 * `sys.modules` so Python code can `import name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, pyfunction, pymodule, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   pymodule(py, "tsmath", (m) => {
 *     m.addFunction(pyfunction(py, "double(x)", ({ x }) => 2 * x.extract(Extract.float)));
 *     m.add("VERSION", "1.0");
 *   });
 *   py.run("import tsmath\nr = tsmath.double(21)");
 *   assert.equal(py.eval("r").toJs(), 42);
 *   assert.equal(py.eval("tsmath.VERSION").toJs(), "1.0");
 * });
 * ```
 */
export function pymodule<P extends PythonBase>(
  py: P,
  name: string,
  init: (m: PyModule, py: P) => void,
): PyModule {
  const m = PyModule.new(py, name);
  init(m, py);
  m.register();
  return m;
}
