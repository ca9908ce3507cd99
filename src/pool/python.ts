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
   */
  withPool<R>(f: (py: Python) => R): R {
    return withPool(() => f(this));
  }
}
