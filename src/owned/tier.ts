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

import {
  currentScope,
  Dead,
  noGilError,
  Ref,
  releasePtr,
  type Tier,
} from "../core/gil.ts";
import { type Ptr, runtime } from "../core/runtime.ts";

function freeSlot(ref: Ref): void {
  // The owning scope, not the current one: a callback's scope may release
  // an object of the scope that called Python.
  const scope = ref.owner;
  if (ref.slot >= 0 && scope !== null && scope.slots[ref.slot] === ref) {
    scope.slots[ref.slot] = undefined;
    scope.free.push(ref.slot);
  }
  ref.slot = -1;
  ref.owner = null;
}

/** The owned policy. */
export const OWNED: Tier = {
  name: "owned",
  adopt(ptr: Ptr): Ref {
    const scope = currentScope();
    if (scope === null) throw noGilError();
    const slot = scope.free.length > 0 ? scope.free.pop()! : scope.slots.length;
    const ref = new Ref(ptr, slot, scope);
    scope.slots[slot] = ref;
    return ref;
  },
  dispose(ref: Ref): void {
    const p = ref.ptr;
    if (p === null) return;
    ref.ptr = null;
    ref.dead = Dead.Disposed;
    freeSlot(ref);
    if (!ref.borrowed) releasePtr(p, ref.born);
  },
  moveOut(ref: Ref): Ptr {
    const p = ref.ptr!;
    ref.ptr = null;
    ref.dead = Dead.Moved;
    freeSlot(ref);
    if (ref.borrowed) runtime().sym.Py_IncRef(p); // the caller's reference stays the caller's
    return p;
  },
};
