/**
 * GIL-independent strong references (`Py<T>`, a `PyErr`'s exception object):
 * released explicitly, or by a `FinalizationRegistry` backstop that takes the
 * GIL. Only these long-lived references pay for a registration; the hot path
 * (pool and owned objects) never does.
 *
 * @module
 */

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
  /** Take ownership of a new strong reference `ptr`. */
  constructor(ptr: Ptr) {
    this.#cell = { ptr };
    registry.register(this, this.#cell, this);
  }
  /** The pointer, or `null` after release. Borrowed: valid while this lives. */
  get ptr(): Ptr | null {
    return this.#cell.ptr;
  }
  /** Release now (idempotent). */
  release(): void {
    const p = this.#cell.ptr;
    if (p === null) return;
    this.#cell.ptr = null;
    registry.unregister(this);
    decrefAnywhere(p);
  }
}
