/**
 * `Py_ssize_t` and `size_t` arguments as pointer constants.
 *
 * An `isize` parameter takes a Deno FFI call off V8's fast path (measured:
 * ~100 ns against ~8 ns for a `pointer` parameter). On every 64-bit ABI
 * CPython supports, a pointer and a `Py_ssize_t` travel in the same register
 * with the same width, so hot signatures declare such parameters `"pointer"`
 * and pass the constant from here. Small values are cached.
 *
 * @module
 */

const CACHE_LIMIT = 1 << 17;
const cache: Deno.PointerValue[] = [null];

/**
 * The pointer whose address is `n` (a size or index; negative values wrap
 * to their two's-complement bit pattern, as a `Py_ssize_t` would).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 * import { runtime } from "./runtime.ts";
 * import { ssize } from "./ssize.ts";
 *
 * Python.withGil((py) => {
 *   const list = py.eval("[10, 20, 30, 40]");
 *   const sym = runtime().sym;
 *   const item = sym.PyList_GetItem(list.unsafePtr, ssize(3)); // borrowed
 *   assert.equal(sym.PyLong_AsDouble(item), 40);
 *   assert.equal(Deno.UnsafePointer.value(ssize(-1)), 2n ** 64n - 1n);
 * });
 * ```
 */
export function ssize(n: number): Deno.PointerValue {
  if (n >= 0 && n < CACHE_LIMIT) {
    const hit = cache[n];
    if (hit !== undefined) return hit;
    for (let i = cache.length; i <= n; i++) {
      cache.push(Deno.UnsafePointer.create(BigInt(i)));
    }
    return cache[n];
  }
  return Deno.UnsafePointer.create(BigInt.asUintN(64, BigInt(n)));
}
