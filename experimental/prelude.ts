/**
 * What most programs need from the experimental tier, in one import
 * (PyO3's `use pyo3::experimental::prelude::*`), with every type those
 * signatures name, so that `deno doc --lint experimental/prelude.ts` passes
 * on its own.
 *
 * @experimental
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, PyDict, Python } from "@pyembed/pyembed/experimental/prelude";
 *
 * Python.withGil((py) => {
 *   using d = PyDict.new(py);
 *   d.setItem("a", 1);
 *   assert.equal(d.getItem("a")?.extract(Extract.int), 1);
 * });
 * ```
 *
 * @module
 */

export {
  type AwaitOptions,
  type BinaryOperator,
  type BufferArray,
  type BufferArrayConstructor,
  Extract,
  type FromPyObject,
  type Kwargs,
  Py,
  PyAny,
  PyCFunction,
  type PyclassOptions,
  PyDict,
  PyErr,
  PyIterator,
  PyList,
  PyModule,
  PySlice,
  Python,
  PythonBase,
  PyTuple,
  type PyTypeInfo,
  type SharedArray,
  type ToJsOptions,
  toPyObject,
} from "./mod.ts";
