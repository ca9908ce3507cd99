/**
 * The stable tier's `Python`: GIL scopes whose results are pool-owned.
 *
 * @module
 */

import { withGilScope } from "../core/gil.ts";
import { PythonBase, TOKEN_KEY } from "../types/python.ts";
import { POOL, withPool } from "./tier.ts";

/**
 * The GIL token of the stable tier (PyO3 0.20's `Python<'py>`). Objects
 * returned inside `Python.withGil(py => ...)` are owned by a pool and released
 * when the scope, or a nested `py.withPool`, ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, Python } from "@pyembed/pyembed";
 *
 * const r = Python.withGil((py) => py.eval("2 ** 10").extract(Extract.int));
 * assert.equal(r, 1024);
 * assert.match(String(Python.version), /^3\.\d+\.\d+/);
 * ```
 */
export class Python extends PythonBase {
  /**
   * Acquire the GIL, open a pool, run `f(py)` synchronously, release every
   * pooled reference, release the GIL. Re-entrant. A callback returning a
   * Promise is an error (the GIL is still released).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * const n = Python.withGil((py) => py.eval("len('abc')").toJs()); // JS values leave the scope
   * assert.equal(n, 3);
   * // a scope is synchronous: a callback returning a Promise is refused
   * assert.throws(() => Python.withGil(async () => {}));
   * ```
   */
  static withGil<R>(f: (py: Python) => R): R {
    return withGilScope(
      (scope) => f(new Python(TOKEN_KEY, scope, POOL)),
      POOL,
    );
  }

  /**
   * Run `f` in a nested pool (PyO3's `Python::with_pool`): objects made
   * inside are released when it returns. Use it in long loops.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   let sum = 0;
   *   for (let i = 0; i < 100; i++) {
   *     py.withPool(() => {
   *       const v = py.eval(String(i)); // released when this pool ends
   *       sum += v.extract(Extract.int);
   *     });
   *   }
   *   assert.equal(sum, 4950);
   * });
   * ```
   */
  withPool<R>(f: (py: Python) => R): R {
    return withPool(() => f(this));
  }
}
