/**
 * Everything both tiers export besides their own `Python` class: the object
 * classes, `Py`, errors, extractors and conversion protocol. Internal: the
 * entry points re-export it.
 *
 * @module
 */

export {
  type FromPyObject,
  type Kwargs,
  PyAny,
  PyIterator,
  type PyTypeInfo,
} from "./any.ts";
export { PyDict } from "./dict.ts";
export { PyList } from "./list.ts";
export { PyTuple } from "./tuple.ts";
export {
  PyBool,
  PyByteArray,
  PyBytes,
  PyFloat,
  PyInt,
  PyString,
} from "./scalars.ts";
export { PyFrozenSet, PySet } from "./set.ts";
export { PySlice } from "./slice.ts";
export { PyType } from "./type.ts";
export { PyModule } from "./module.ts";
export { PyCFunction } from "./cfunction.ts";
export {
  type PyArgs,
  pyfunction,
  type PyFunctionHandler,
  pyfunctionTableSize,
} from "../function/pyfunction.ts";
export { pymodule } from "../function/pymodule.ts";
export { Py } from "./py.ts";
export { PythonBase } from "./python.ts";
export { Extract } from "./extract.ts";
export { toPyObject } from "../core/convert.ts";
export { setThreadCallTimeout } from "../core/threads.ts";
export { PyErr } from "../core/err.ts";
export * from "../core/exceptions.ts";
export type { InitializeOptions, PythonVersion } from "../core/runtime.ts";
export {
  type BufferArray,
  type BufferArrayConstructor,
  PyBuffer,
  type PyBufferOptions,
} from "./buffer.ts";
