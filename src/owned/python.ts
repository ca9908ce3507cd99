/**
 * The experimental tier's `Python`: GIL scopes whose results own their
 * references.
 *
 * @module
 */

import { withGilScope } from "../core/gil.ts";
import { PythonBase, TOKEN_KEY } from "../types/python.ts";
import { OWNED } from "./tier.ts";

/**
 * The GIL token of the experimental tier. Every object a call returns owns
 * one strong reference: release it with `using` / `[Symbol.dispose]()`;
 * whatever is left is released when the outermost `withGil` returns. There
 * is no `withPool` in this tier.
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
 *   using v = d.getItem("n")!; // released at the end of this block
 *   assert.equal(v.extract(Extract.int), 3);
 * });
 * ```
 */
export class Python extends PythonBase {
  /**
   * Acquire the GIL, run `f(py)` synchronously, release every reference not
   * yet disposed or unbound, release the GIL. Re-entrant.
   * @experimental
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed/experimental";
   *
   * Python.withGil((py) => {
   *   using s = py.eval("'abc'"); // owned: released at the end of the block
   *   assert.equal(s.len(), 3);
   *   s[Symbol.dispose]();
   *   assert.throws(() => s.len(), /released/); // never a use after free
   * });
   * ```
   */
  static withGil<R>(f: (py: Python) => R): R {
    return withGilScope(
      (scope) => f(new Python(TOKEN_KEY, scope, OWNED)),
      OWNED,
    );
  }
}
