/**
 * What most programs need from the experimental tier, in one import
 * (PyO3's `use pyo3::experimental::prelude::*`).
 *
 * @experimental
 * @example
 * ```ts ignore
 * import { Extract, PyDict, Python } from "@pyembed/pyembed/experimental/prelude";
 * Python.withGil((py) => {
 *   using d = PyDict.new(py);
 *   d.setItem("a", 1);
 *   console.log(d.getItem("a")?.extract(Extract.int));
 * });
 * ```
 *
 * @module
 */

export {
  Extract,
  type FromPyObject,
  Py,
  PyAny,
  PyDict,
  PyErr,
  PyList,
  PyModule,
  Python,
  PyTuple,
  toPyObject,
} from "./mod.ts";
