/**
 * The stable tier's ownership policy: PyO3 0.20's `GILPool`. A new reference
 * is pushed onto the pool array (`OWNED_OBJECTS`) and released when the
 * innermost pool (`withGil` or `withPool`) ends.
 *
 * @module
 */

import {
  Dead,
  escaping,
  pooled,
  Ref,
  releasePooled,
  type Tier,
} from "../core/gil.ts";
import { type Ptr, runtime } from "../core/runtime.ts";

/** The pool policy. */
export const POOL: Tier = {
  name: "pool",
  adopt(ptr: Ptr): Ref {
    const ref = new Ref(ptr, -1, null);
    pooled.push(ref);
    return ref;
  },
  dispose(_ref: Ref): void {
    // The pool owns the reference; it is released when the pool ends.
  },
  moveOut(ref: Ref): Ptr {
    const p = ref.ptr!;
    runtime().sym.Py_IncRef(p);
    return p;
  },
};

/** Run `f` in a nested pool: references registered inside are released when it returns. */
export function withPool<R>(f: () => R): R {
  const start = pooled.length;
  let kept: Ref | null = null;
  try {
    return f();
  } catch (e) {
    kept = escaping(e, false); // a PyErr thrown out keeps its exception object
    throw e;
  } finally {
    releasePooled(start, Dead.PoolEnded);
    if (kept !== null) pooled.push(kept);
  }
}
