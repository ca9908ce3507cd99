/**
 * GIL-independent strong references (`Py<T>`, a `PyErr`'s exception object):
 * released explicitly, or by a `FinalizationRegistry` backstop that takes the
 * GIL. Only these long-lived references pay for a registration; the hot path
 * (pool and owned objects) never does.
 *
 * @module
 */

import { currentEpoch, releasePtr } from "./gil.ts";
import { gilHeld, isInitialized, loadedRuntime, type Ptr } from "./runtime.ts";

/** Decref `p`, taking the GIL first when this thread does not hold it. */
export function decrefAnywhere(p: Ptr): void {
  if (!isInitialized()) return;
  const sym = loadedRuntime().sym;
  if (gilHeld) {
    sym.Py_DecRef(p);
    return;
  }
  const g = sym.PyGILState_Ensure();
  sym.Py_DecRef(p);
  sym.PyGILState_Release(g);
}

interface Cell {
  ptr: Ptr | null;
}

const registry = new FinalizationRegistry<Cell>((cell) => {
  const p = cell.ptr;
  if (p !== null) {
    cell.ptr = null;
    decrefAnywhere(p);
  }
});

/** A strong reference that outlives GIL scopes. */
export class Strong {
  #cell: Cell;
  #born: number;
  /**
   * Take ownership of a new strong reference `ptr`. `born` is the user-code
   * epoch of the reference (see `releasePtr` in gil.ts): the current one for a
   * new reference, the original's when a reference is moved in (`unbind()`).
   */
  constructor(ptr: Ptr, born: number = currentEpoch()) {
    this.#cell = { ptr };
    this.#born = born;
    registry.register(this, this.#cell, this);
  }
  /** The pointer, or `null` after release. Borrowed: valid while this lives. */
  get ptr(): Ptr | null {
    return this.#cell.ptr;
  }
  /**
   * Release now (idempotent). With the GIL held this follows the deferral
   * rule of `releasePtr`: user code inside an operation cannot free what the
   * operation is using.
   */
  release(): void {
    const p = this.#cell.ptr;
    if (p === null) return;
    this.#cell.ptr = null;
    registry.unregister(this);
    if (gilHeld) releasePtr(p, this.#born);
    else decrefAnywhere(p);
  }
}
