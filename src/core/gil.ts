/**
 * GIL scopes, the reference record (`Ref`) every object wraps, and the two
 * ownership policies' shared bookkeeping.
 *
 * A `Ref` is the one strong reference an object holds. The stable tier's pool
 * keeps `Ref`s in one array with a start mark per pool (PyO3's
 * `OWNED_OBJECTS`/`GILPool`); the experimental tier keeps them in a slot table
 * of the GIL scope with a free list, so a disposed slot is reused at once and
 * a `using` loop stays flat. When a pool or scope ends, every `Ref` it still
 * holds is decref'd and marked dead, so a later use throws instead of reading
 * freed memory.
 *
 * @module
 */

import {
  gilHeld,
  loadedRuntime,
  noGilError,
  type Ptr,
  type Runtime,
  runtime,
  setGilHeld,
} from "./runtime.ts";
import { sigintCheck, sigintEnter, sigintLeave } from "./signals.ts";

export { gilHeld, noGilError };

/** Why a `Ref` no longer holds its pointer. */
export const enum Dead {
  Alive = 0,
  PoolEnded = 1,
  Disposed = 2,
  ScopeEnded = 3,
  Moved = 4,
}

/** One strong reference, shared by every wrapper over it (downcast views). */
export class Ref {
  /** The object, or `null` once released. */
  ptr: Ptr | null;
  /** Slot in the owned scope's table, or -1 (pool-owned, or unregistered). */
  slot: number;
  /** Why `ptr` is null. */
  dead: Dead;
  /**
   * The scope whose slot table holds this reference (owned tier), or whose
   * pool entries hold an owned-tier argument ({@linkcode borrowForCall});
   * `null` for a pool-owned one.
   */
  owner: Scope | null;
  /** The user-code epoch at its creation (see `releasePtr`). */
  readonly born: number;
  /**
   * Borrowed from the caller of a TypeScript function for the length of the
   * call (an argument, as PyO3 passes `Borrowed` arguments): the caller's
   * reference keeps the object alive, this one holds none of its own.
   * Releasing it (its pool or scope ending, `[Symbol.dispose]()`) drops
   * nothing; moving it out (`unbind()`) takes a new reference. Only the
   * trampoline sets it, on references registered in the call's own scope,
   * which ends before the call returns.
   */
  borrowed: boolean;
  constructor(ptr: Ptr, slot: number, owner: Scope | null) {
    this.ptr = ptr;
    this.slot = slot;
    this.dead = Dead.Alive;
    this.owner = owner;
    this.born = epoch;
    this.borrowed = false;
  }
}

// --- user code inside an operation ---------------------------------------------
//
// An operation reads borrowed pointers (its own object's, a container's) and
// then may run user code: a `[toPyObject]` method, a getter or Proxy trap
// while converting an argument, a user extractor inside `Extract.list(...)`,
// or a TypeScript function that Python code calls back. If that code released
// one of those objects, the operation would go on with a freed pointer. So
// while user code runs inside an operation, releasing an object that existed
// before that user code began marks the wrapper dead at once (a later use
// throws) but defers the decref until no operation is in flight: the next
// release made outside user code, or the end of the outermost scope. Objects
// the user code made itself are released at once (no operation in flight
// can have borrowed them). That one rule makes every use-after-free of this
// kind impossible, whatever the operation.

/** Counts user-code regions entered; a `Ref` records the count at its birth. */
let epoch = 0;
/** The `epoch` at which each open user-code region began, innermost last. */
const regions: number[] = [];
const deferred: Ptr[] = [];

/** The current user-code epoch: what a new reference records as its birth. */
export function currentEpoch(): number {
  return epoch;
}

/** Enter user code that runs inside an operation (pair with {@linkcode leaveUser}). */
export function enterUser(): void {
  regions.push(++epoch);
}

/** Leave user code entered with {@linkcode enterUser}. */
export function leaveUser(): void {
  regions.pop();
}

/**
 * Drop the strong reference `p` (the GIL is held) of an object born at
 * epoch `born`: now, or, when user code inside an operation releases an
 * object older than itself, once no operation is in flight.
 */
export function releasePtr(p: Ptr, born: number): void {
  const n = regions.length;
  if (n > 0 && born < regions[n - 1]) {
    deferred.push(p);
    return;
  }
  const sym = runtime().sym;
  sym.Py_DecRef(p);
  if (deferred.length > 0 && n === 0) flushDeferred(sym);
}

function flushDeferred(sym: Runtime["sym"]): void {
  // A decref can run __del__, which can call back into TS and defer more.
  while (deferred.length > 0 && regions.length === 0) {
    sym.Py_DecRef(deferred.pop()!);
  }
}

/** An ownership policy: what a tier does with a new strong reference. */
export interface Tier {
  /** `"pool"` (stable) or `"owned"` (experimental). */
  readonly name: "pool" | "owned";
  /** Take ownership of a new strong reference. */
  adopt(ptr: Ptr): Ref;
  /** `[Symbol.dispose]` of an object: release now (owned) or leave it to the pool. */
  dispose(ref: Ref): void;
  /** `unbind()`: hand the strong reference to a `Py` (a move for owned, an incref for pool). */
  moveOut(ref: Ref): Ptr;
}

/** One `withGil` scope (re-entrant calls share the outermost one). */
export class Scope {
  /** Index into the pool array where this scope's references start. */
  readonly poolStart: number;
  #slots: (Ref | undefined)[] | null = null;
  #free: number[] | null = null;
  /**
   * Owned references of this scope; `undefined` marks a free slot. Made on
   * first use: most scopes (a pool-tier scope, a TypeScript function's scope
   * that makes nothing) never own a slot, and every TypeScript function
   * called from Python opens one.
   */
  get slots(): (Ref | undefined)[] {
    return this.#slots ??= [];
  }
  /** Free slot indexes (made on first use, as `slots`). */
  get free(): number[] {
    return this.#free ??= [];
  }
  /** Does the slot table hold anything (without making it)? */
  get hasSlots(): boolean {
    return this.#slots !== null && this.#slots.length > 0;
  }
  /** Still open? */
  active = true;
  /**
   * The ownership policy of the tier that opened the scope (its outermost
   * `withGil`, or the TypeScript function a callback scope runs): what owns
   * the exception objects of errors caught in it. `null` for internal scopes.
   */
  tier: Tier | null;
  /** A callback scope's enclosing scope, restored when it ends. */
  outer: Scope | null = null;
  /** Whether the GIL was marked held before a callback scope opened. */
  outerHeld = false;
  constructor(poolStart: number, tier: Tier | null) {
    this.poolStart = poolStart;
    this.tier = tier;
  }
}

/** Pool-owned references of every open pool, innermost last. */
export const pooled: Ref[] = [];

let current: Scope | null = null;

/** The innermost open scope, or `null`. */
export function currentScope(): Scope | null {
  return gilHeld ? current : null;
}

/**
 * An argument of a TypeScript function: a reference borrowed from the
 * caller for the length of the call (see `Ref.borrowed`). In both tiers it
 * is kept with the pool entries of the call's scope, which marks it dead
 * when the call ends (one push; the owned tier's slot table measured ~25 ns
 * more per argument). An owned-tier argument records that scope as its
 * `owner`, so that its release reads as the scope's end, not a pool's.
 */
export function borrowForCall(ptr: Ptr, scope: Scope | null): Ref {
  const ref = new Ref(ptr, -1, scope);
  ref.borrowed = true;
  pooled.push(ref);
  return ref;
}

/** Decref and mark dead every pooled reference from `start` on. */
export function releasePooled(start: number, why: Dead): void {
  if (pooled.length <= start) return;
  const sym = runtime().sym;
  // Popping, not `pooled.length = start`: a length write takes a slow path in
  // V8 (about half the cost of an empty withGil or withPool).
  while (pooled.length > start) {
    const ref = pooled.pop()!;
    const p = ref.ptr;
    if (p !== null) {
      ref.ptr = null;
      ref.dead = ref.owner !== null ? Dead.ScopeEnded : why; // borrowForCall
      if (!ref.borrowed) sym.Py_DecRef(p);
    }
  }
  if (resources.length > 0) sweepResources();
}

function releaseSlots(scope: Scope): void {
  if (!scope.hasSlots) return; // free slots exist only below slots.length
  const sym = runtime().sym;
  for (const ref of scope.slots) {
    if (ref !== undefined && ref.ptr !== null) {
      const p = ref.ptr;
      ref.ptr = null;
      ref.dead = Dead.ScopeEnded;
      if (!ref.borrowed) sym.Py_DecRef(p);
    }
  }
  // Popping, not `length = 0` (a slow path in V8, see releasePooled).
  const { slots, free } = scope;
  while (slots.length > 0) slots.pop();
  while (free.length > 0) free.pop();
  if (resources.length > 0) sweepResources();
}

// --- resources other than references (buffers, issue 14) ----------------------
//
// An acquired buffer (`PyBuffer`) must be released with `PyBuffer_Release`,
// not a decref, and its JS views detached first. It registers with its tier
// like any object, through a placeholder strong reference (`marker`, to
// `None`) adopted by the tier, so it belongs to the same pool or scope an
// object made at that moment would; when that pool or scope ends and the
// marker dies, the sweep below releases the resource. Costs nothing while no
// resource is live (one length check per pool or scope end).

/** Something a pool or scope releases besides its references: an acquired buffer. */
export interface Releasable {
  /** The placeholder reference registered with the tier; dead once its pool or scope ended. */
  readonly marker: Ref;
  /** Release the resource (idempotent; called with the GIL held). */
  release(): void;
}

/** Live resources of every open pool and scope, in acquisition order. */
const resources: Releasable[] = [];

/** Register `r` to be released when its marker's pool or scope ends. */
export function registerResource(r: Releasable): void {
  resources.push(r);
}

/** Forget `r` (released explicitly). Searches from the end: usually O(1). */
export function unregisterResource(r: Releasable): void {
  const i = resources.lastIndexOf(r);
  if (i < 0) return;
  resources[i] = resources[resources.length - 1];
  resources.pop();
}

/** The number of live resources (for tests). */
export function liveResources(): number {
  return resources.length;
}

function sweepResources(): void {
  const dead: Releasable[] = [];
  let j = 0;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i];
    if (r.marker.ptr === null) dead.push(r);
    else resources[j++] = r;
  }
  while (resources.length > j) resources.pop();
  // Newest first, as references are.
  for (let i = dead.length - 1; i >= 0; i--) dead[i].release();
}

/** Is `v` a Promise-like (a throwing `then` getter counts as no)? */
export function isThenable(v: unknown): boolean {
  if ((typeof v !== "object" && typeof v !== "function") || v === null) {
    return false;
  }
  try {
    return typeof (v as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/**
 * Run `f` with the GIL held, inside a scope (re-entrant: a nested call reuses
 * the open scope). Every reference the scope still owns is released when the
 * outermost call returns or throws.
 */
export function withGilScope<R>(
  f: (scope: Scope) => R,
  tier: Tier | null = null,
): R {
  if (gilHeld && current !== null) return checkSync(f(current));
  const r: Runtime = loadedRuntime();
  const gstate = r.sym.PyGILState_Ensure();
  sigintEnter(r); // Ctrl-C inside Python: see signals.ts
  try {
    return inScope((scope) => checkSync(f(scope)), tier, true);
  } finally {
    sigintLeave();
    if (deferred.length > 0 && regions.length === 0) {
      setGilHeld(true);
      try {
        flushDeferred(r.sym);
      } finally {
        setGilHeld(false);
      }
    }
    r.sym.PyGILState_Release(gstate);
  }
}

let escape: ((e: unknown, outermost: boolean) => Ref | null) | null = null;
/**
 * Installed by `err.ts`: called with a value thrown out of a pool or scope
 * before it releases what it owns, so a `PyErr` keeps its exception object:
 * as a GIL-independent reference when it leaves the outermost scope
 * (`outermost`), else in a new `Ref` the caller hands to the enclosing pool.
 */
export function setEscapeHook(
  f: (e: unknown, outermost: boolean) => Ref | null,
): void {
  escape = f;
}

/** Internal to the pool tier: see {@linkcode setEscapeHook}. */
export function escaping(e: unknown, outermost: boolean): Ref | null {
  return escape === null ? null : escape(e, outermost);
}

/**
 * Run `f` in a new innermost scope (the GIL is held); everything the scope
 * owns is released when `f` returns or throws, and the outer scope is
 * restored.
 */
function inScope<R>(
  f: (scope: Scope) => R,
  tier: Tier | null,
  outermost = false,
): R {
  const outer = current;
  const outerHeld = gilHeld;
  const scope = new Scope(pooled.length, tier);
  current = scope;
  setGilHeld(true);
  try {
    const v = f(scope);
    // A SIGINT no Python code saw while the callback ran (signals.ts).
    if (outermost && tier !== null) sigintCheck();
    return v;
  } catch (e) {
    if (outermost) escaping(e, true);
    throw e;
  } finally {
    scope.active = false;
    try {
      releasePooled(scope.poolStart, Dead.PoolEnded);
      releaseSlots(scope);
    } finally {
      // Restored whatever happens above (even the JS stack running out).
      current = outer;
      setGilHeld(outerHeld);
    }
  }
}

/** Promises that hold nothing of any scope (async jobs' results). */
const detached = new WeakSet<object>();

/**
 * Mark `p` as owning nothing of any GIL scope (an async job's Promise: the
 * job holds its own strong references), so a `withGil` callback may return
 * it. Returns `p`.
 */
export function detachedFromScopes<T>(p: Promise<T>): Promise<T> {
  detached.add(p);
  return p;
}

/**
 * Internal: a synchronous callback's `result`, unless it is a thenable: then
 * its rejection is silenced (the objects it would use are released; the
 * error is this one) and a `TypeError` with `message` is thrown.
 */
export function refuseThenable<R>(result: R, message: string): R {
  if (isThenable(result)) {
    (result as unknown as Promise<unknown>).then(undefined, () => {});
    throw new TypeError(message);
  }
  return result;
}

function checkSync<R>(result: R): R {
  if (isThenable(result) && !detached.has(result as object)) {
    refuseThenable(
      result,
      "Python.withGil callback returned a Promise: GIL scopes are synchronous. " +
        "Do the await outside withGil and pass JS values in, or keep Python objects across awaits " +
        "with Py.from(obj) (stable) / obj.unbind() (experimental) and bind them again in a new withGil.",
    );
  }
  return result;
}

/**
 * Open the scope of a TypeScript function called from Python (the GIL is
 * held by Python's caller on this thread): what the callback makes is
 * released when {@linkcode leaveCallbackScope} closes it, as PyO3's
 * per-call `GILPool`. Returns `null`, opening nothing, when this thread does
 * not hold the GIL (a call arriving from another Python thread). No closure
 * and one allocation per call: the trampoline runs this on every call.
 */
export function enterCallbackScope(): Scope | null {
  if (!gilHeld && loadedRuntime().sym.PyGILState_Check() !== 1) return null;
  // The handler is user code, run inside whatever operation called Python.
  enterUser();
  const scope = new Scope(pooled.length, null); // its tier is set once known
  scope.outer = current;
  scope.outerHeld = gilHeld;
  current = scope;
  setGilHeld(true);
  return scope;
}

/**
 * Close a scope opened by {@linkcode enterCallbackScope}: release what it
 * owns and restore the scope and GIL state around it (whatever happens while
 * releasing, even the JS stack running out).
 */
export function leaveCallbackScope(scope: Scope): void {
  scope.active = false;
  try {
    releasePooled(scope.poolStart, Dead.PoolEnded);
    releaseSlots(scope);
  } finally {
    current = scope.outer;
    setGilHeld(scope.outerHeld);
    scope.outer = null;
    leaveUser();
  }
}

/**
 * Release the GIL around `f` (`PyEval_SaveThread`/`PyEval_RestoreThread`), so
 * Python threads run. Python objects must not be used inside `f`: they throw.
 */
export function allowThreads<R>(f: () => R): R {
  if (!gilHeld) {
    throw new Error(
      "py.allowThreads() called without the GIL: call it inside Python.withGil",
    );
  }
  const r = runtime();
  const saved = r.sym.PyEval_SaveThread();
  setGilHeld(false, true);
  try {
    return checkSync(f());
  } finally {
    r.sym.PyEval_RestoreThread(saved);
    setGilHeld(true);
  }
}

/** Release-reason text for error messages. */
export function deadMessage(dead: Dead): string {
  switch (dead) {
    case Dead.PoolEnded:
      return "This Python object was released: the pool that owned it ended (its Python.withGil or py.withPool scope returned). " +
        "Keep it past the scope with Py.from(obj), or use it inside the scope.";
    case Dead.Disposed:
      return "This Python object was released: it was disposed ([Symbol.dispose]() or the end of its `using` block). " +
        "Use obj.clone() for a second reference you can keep.";
    case Dead.ScopeEnded:
      return "This Python object was released: its Python.withGil scope ended. " +
        "Keep it past the scope with obj.unbind() (a Py<T>), then py-bind it again with p.bind(py).";
    case Dead.Moved:
      return "This Python object was released: its reference was moved into a Py by unbind(). Use the Py (p.bind(py)) instead.";
    default:
      return "This Python object is not usable.";
  }
}
