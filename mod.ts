/**
 * Run CPython inside Deno, in-process, through `Deno.dlopen`: the stable
 * tier, PyO3 0.20's pool model.
 *
 * Objects returned inside `Python.withGil(py => ...)` are owned by a pool and
 * released when the scope, or a nested `py.withPool`, ends. For objects that
 * own their reference (PyO3's `Bound`), see `./experimental`.
 *
 * Needs `--allow-ffi` (FFI code runs outside Deno's sandbox), and for library
 * discovery `--allow-env`, `--allow-read` and `--allow-run=python3`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, PyDict, Python } from "@pyembed/pyembed";
 *
 * const total = Python.withGil((py) => {
 *   const math = py.import("math");
 *   const d = PyDict.new(py);
 *   d.setItem("pi", math.getattr("pi"));
 *   d.setItem("n", 3);
 *   let sum = 0;
 *   for (let i = 0; i < 1000; i++) {
 *     py.withPool(() => {
 *       sum += d.getItem("n")!.extract(Extract.int);
 *     });
 *   }
 *   return sum;
 * });
 * assert.equal(total, 3000);
 * ```
 *
 * @module
 */

export { Python } from "./src/pool/python.ts";
export * from "./src/all.ts";
