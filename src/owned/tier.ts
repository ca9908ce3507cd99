/**
 * The experimental tier's ownership policy: PyO3 PR #3205's owned
 * `PyAny<'py>` (later `Bound<'py, T>`). Each object owns one strong
 * reference, released at `[Symbol.dispose]()`, or when its GIL scope ends.
 *
 * Bookkeeping is a slot table per scope with a free list: registering and
 * disposing are O(1) and a `using` loop reuses the same slot, so memory stays
 * flat. No `FinalizationRegistry` is involved.
 *
 * @module
 */

import { currentScope, Dead, noGilError, Ref, type Tier } from "../core/gil.ts";
import { type Ptr, runtime } from "../core/runtime.ts";

function freeSlot(ref: Ref): void {
  const scope = currentScope();
  if (ref.slot >= 0 && scope !== null && scope.slots[ref.slot] === ref) {
    scope.slots[ref.slot] = undefined;
    scope.free.push(ref.slot);
  }
  ref.slot = -1;
}

/** The owned policy. */
export const OWNED: Tier = {
  name: "owned",
  adopt(ptr: Ptr): Ref {
    const scope = currentScope();
    if (scope === null) throw noGilError();
    const slot = scope.free.length > 0 ? scope.free.pop()! : scope.slots.length;
    const ref = new Ref(ptr, slot);
    scope.slots[slot] = ref;
    return ref;
  },
  dispose(ref: Ref): void {
    const p = ref.ptr;
    if (p === null) return;
    ref.ptr = null;
    ref.dead = Dead.Disposed;
    freeSlot(ref);
    runtime().sym.Py_DecRef(p);
  },
  moveOut(ref: Ref): Ptr {
    const p = ref.ptr!;
    ref.ptr = null;
    ref.dead = Dead.Moved;
    freeSlot(ref);
    return p;
  },
};
