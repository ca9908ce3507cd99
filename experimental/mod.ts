/**
 * The experimental tier: owned references, the TypeScript form of PyO3 PR
 * #3205's `PyAny<'py>` (later `Bound<'py, T>`).
 *
 * Every object a call returns owns one strong reference, released at
 * `[Symbol.dispose]()` (`using`), or at latest when its `withGil` scope ends.
 * `obj.unbind()` moves the reference into a `Py<T>` that outlives the scope.
 * The object classes are the same as the stable tier's; what differs is the
 * `Python` token, whose ownership policy every result follows.
 *
 * @experimental
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, PyDict, Python } from "@pyembed/pyembed/experimental";
 *
 * Python.withGil((py) => {
 *   using d = PyDict.new(py);
 *   d.setItem("n", 3);
 *   for (let i = 0; i < 1000; i++) {
 *     using v = d.getItem("n")!;
 *     assert.equal(v.extract(Extract.int), 3);
 *   }
 *   const keep = d.clone().unbind(); // a Py: outlives the scope
 *   keep[Symbol.dispose]();
 * });
 * ```
 *
 * @module
 */

export { Python } from "../src/owned/python.ts";
export * from "../src/all.ts";
