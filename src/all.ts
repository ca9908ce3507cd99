/**
 * Everything both tiers export besides their own `Python` class: the object
 * classes, `Py`, errors, extractors and conversion protocol. Internal: the
 * entry points re-export it.
 *
 * @module
 */

export {
  type BinaryOperator,
  type FromPyObject,
  type Kwargs,
  PyAny,
  PyIterator,
  type PyTypeInfo,
  type ToJsOptions,
} from "./types/any.ts";
export { PyDict } from "./types/dict.ts";
export { PyList } from "./types/list.ts";
export { PyTuple } from "./types/tuple.ts";
export {
  PyBool,
  PyByteArray,
  PyBytes,
  PyFloat,
  PyInt,
  PyString,
} from "./types/scalars.ts";
export { PyFrozenSet, PySet } from "./types/set.ts";
export { PySlice } from "./types/slice.ts";
export { PyType } from "./types/type.ts";
export { PyModule } from "./types/module.ts";
export { PyCFunction } from "./types/cfunction.ts";
export {
  type PyArgs,
  type PyArgsOf,
  pyfunction,
  type PyFunctionHandler,
  pyfunctionTableSize,
  pymethod,
} from "./function/pyfunction.ts";
export { pymodule } from "./function/pymodule.ts";
export {
  pyclass,
  type PyclassOptions,
  sweepPyclassInstances,
} from "./function/pyclass.ts";
export { Py } from "./types/py.ts";
export { PythonBase } from "./types/python.ts";
export { Extract } from "./types/extract.ts";
export { toPyObject } from "./core/convert.ts";
export { setThreadCallTimeout } from "./core/threads.ts";
export { setSigintHandling } from "./core/signals.ts";
export { PyErr } from "./types/err.ts";
export * from "./types/exceptions.ts";
export type { InitializeOptions, PythonVersion } from "./core/runtime.ts";
export type { AwaitOptions } from "./types/awaitable.ts";
export {
  type BufferArray,
  type BufferArrayConstructor,
  PyBuffer,
  type PyBufferOptions,
} from "./types/buffer.ts";
export {
  type SharedArray,
  sharedArray,
  sweepSharedArrays,
} from "./types/shared_array.ts";
export {
  isPyProxy,
  kw,
  KwArgs,
  type PyProxy,
  pyproxy,
  unproxy,
} from "./types/proxy.ts";
