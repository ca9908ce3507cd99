/**
 * TypeScript functions as Python callables (PyO3's `#[pyfunction]`).
 *
 * One native trampoline, a single `Deno.UnsafeCallback` with CPython's
 * `METH_FASTCALL | METH_KEYWORDS` signature, serves every function. Each
 * function object is a `PyCFunction` whose `self` is a small module object
 * (so Python shows `<built-in function add>`, as for PyO3 functions) holding
 * the index of its entry (signature, handler, defaults) in the callback table;
 * the trampoline finds the entry by that module's address (`bySelf`). A
 * second trampoline, reached only through the inner functions of the thread
 * mode (`src/core/threads.ts`), reads the index from the module instead.
 * Arguments are bound by `bindArguments`, CPython's own algorithm and
 * messages. The table holds a weak reference to each function object; an
 * entry whose function Python has dropped is swept (its JS closure released)
 * on later creations and by {@linkcode pyfunctionTableSize}.
 *
 * @module
 */

import {
  setFunctionConverter,
  strCache,
  strToJs,
  strToPy,
  toPy,
} from "../core/convert.ts";
import { fetchError, restoreError } from "../core/err.ts";
import { PyTypeError } from "../types/exceptions.ts";
import {
  borrowForCall,
  enterCallbackScope,
  isThenable,
  leaveCallbackScope,
  type Scope,
  type Tier,
} from "../core/gil.ts";
import { loadedRuntime, type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import {
  methodFlags,
  newFunctionSelf,
  prepareThreads,
  unregisterDefs,
  varargsConvention,
} from "../core/threads.ts";
import { PyAny, wrap } from "../types/any.ts";
import { promiseToPy } from "../types/awaitable.ts";
import { PyCFunction } from "../types/cfunction.ts";
import { PyDict } from "../types/dict.ts";
import { PyTuple } from "../types/tuple.ts";
import { KEY } from "../types/internal.ts";
import type { PythonBase } from "../types/python.ts";
import { tokenState } from "../types/python.ts";
import { bindArguments, parseSignature, type Signature } from "./signature.ts";
import type { PyArgs, PyArgsOf } from "./signature_types.ts";

/** The parameters a handler receives: each name bound to a Python object. */
export type { PyArgs, PyArgsOf } from "./signature_types.ts";

/**
 * A TypeScript function callable from Python: gets the bound parameters by
 * name (`*args` is a `PyTuple` and `**kwargs` a `PyDict`: downcast them to
 * use their methods)
 * and a token; its return value is converted with `ToPyObject`.
 */
export type PyFunctionHandler<
  P extends PythonBase = PythonBase,
  S extends string = string,
> = (
  args: PyArgsOf<S>,
  py: P,
) => unknown;

interface Entry {
  sig: Signature;
  handler: PyFunctionHandler<never>;
  defaults: (Ptr | null)[];
  weak: Ptr | null;
  tokenClass: new (key: symbol, scope: unknown, tier: unknown) => PythonBase;
  tier: Tier;
  def: Ptr;
  name: Ptr;
  doc: Ptr;
  /**
   * `{parameter name: index}` as a Python dict: a keyword name is resolved by
   * one `PyDict_GetItemWithError` to the JS name string in `paramNames`,
   * instead of being decoded to JS on every call.
   */
  nameIndex: Ptr;
  paramNames: readonly string[];
  /** The Python minor version whose argument-error wording to follow. */
  minor: number;
  /** Every parameter name as an own property (see `invoke`). */
  template: PyArgs;
  /**
   * The function's `self` module (a reference of the entry's, released with
   * it), null until the function object exists, and the low 32 bits of its
   * address as a signed integer (see `bySelf`).
   */
  self: Ptr | null;
  selfLow: number;
}

const ID_ATTR = "__pyembed_function_id__";
/** `ID_ATTR` as an interned `str` (set with the trampoline). */
let idKey: Ptr | null = null;
const NO_NAMES: readonly string[] = Object.freeze([]);
const table: (Entry | undefined)[] = [];
const freeIds: number[] = [];
let live = 0;
let createdSinceSweep = 0;
/**
 * Live entries by their `self` module's address. The trampoline declares
 * `self` as an `i32`, so Deno hands it the low 32 bits of the address as a
 * plain number (a `usize` would arrive as a `BigInt`, allocated per call,
 * and `nargs` likewise as an `i32`: measured with raw callbacks, about
 * 40-60 ns a call less), and the entry is one `Map` lookup away, with no
 * FFI call. The key is `selfKey(low)`, bits 4-31 (objects are 16-byte
 * aligned): a small integer, the cheapest `Map` key.
 *
 * The low bits are enough because of two rules. (1) Only an exposed
 * function's own `PyMethodDef` calls this trampoline, and only with its
 * own `self` (one `PyCFunction_NewEx` per entry, `makeFunctionObject`); the
 * inner functions of the thread mode, whose `self` is another module, call
 * the second trampoline, which reads the id. (2) No two live entries share a
 * key: a new `self` whose key is taken (possible only for addresses 4 GiB
 * apart) is replaced by another before it is used, and an entry keeps its
 * key, and a reference to its `self`, until it is released
 * (`releaseEntry` deletes the key first). So a call's key names the entry
 * whose function is being called.
 */
const bySelf = new Map<number, Entry>();
/** `bySelf`'s key for an address whose low 32 bits (signed) are `low`. */
function selfKey(low: number): number {
  return low >> 4;
}
/** The low 32 bits of `p`'s address, signed: what an `i32` parameter holds. */
function lowBits(p: Ptr): number {
  return Number(BigInt.asIntN(32, BigInt(Deno.UnsafePointer.value(p))));
}

let trampoline:
  | Deno.UnsafeCallback<{
    readonly parameters: readonly ["i32", "pointer", "i32", "pointer"];
    readonly result: "pointer";
  }>
  | null = null;
/** The inner functions' trampoline (see `bySelf`): `self` is read in full. */
let innerTrampoline:
  | Deno.UnsafeCallback<{
    readonly parameters: readonly ["usize", "pointer", "isize", "pointer"];
    readonly result: "pointer";
  }>
  | null = null;

/**
 * How many TypeScript functions may be running inside one another (JS ->
 * Python -> JS ...). Each level stacks CPython's, Deno's and V8's frames on
 * the one native stack; past this bound the call raises `RecursionError` in
 * Python instead of running the handler, long before the stack runs out
 * (measured: V8's stack limit is reached at about 240 levels on 3.11 with
 * the default stack size, fewer with deep Python frames in between).
 */
const MAX_CALL_DEPTH = 100;
let callDepth = 0;
const RECURSION_MESSAGE = new TextEncoder().encode(
  `maximum recursion depth exceeded: more than ${MAX_CALL_DEPTH} TypeScript functions ` +
    "called from Python are running inside one another\0",
);
let recursionErrorType: Ptr | null = null;

function trampolineFn(
  selfLow: number,
  args: Deno.PointerValue,
  nargs: number,
  kwnames: Deno.PointerValue,
): Deno.PointerValue {
  return call(selfLow, false, nargs, kwnames, args, null, null);
}

function innerTrampolineFn(
  self: number | bigint,
  args: Deno.PointerValue,
  nargs: number | bigint,
  kwnames: Deno.PointerValue,
): Deno.PointerValue {
  return call(self, true, Number(nargs), kwnames, args, null, null);
}

/**
 * Every call from Python, either convention: the positional arguments are
 * fastcall's `argv` (`argv`, keyword values after them) or varargs' tuple
 * (`tuple`, keyword values in the list `kwValues`); `kwnames` is the tuple of
 * keyword names or NULL. `self` is the low 32 bits of the `self` address
 * (an exposed function, see `bySelf`) or, when `byId`, the whole address (an
 * inner function).
 */
function call(
  self: number | bigint,
  byId: boolean,
  nargs: number,
  kwnames: Deno.PointerValue,
  argv: Deno.PointerValue,
  tuple: Deno.PointerValue,
  kwValues: Deno.PointerValue,
): Deno.PointerValue {
  if (callDepth >= MAX_CALL_DEPTH) {
    // The caller holds the GIL (it is calling us); do as little as possible.
    if (recursionErrorType !== null) {
      loadedRuntime().sym.PyErr_SetString(
        recursionErrorType,
        RECURSION_MESSAGE,
      );
    }
    return null;
  }
  callDepth++;
  try {
    const scope = enterCallbackScope();
    if (scope === null) {
      foreignThreadError();
      return null;
    }
    try {
      const entry = byId ? entryBySelfId(self) : entryByLowBits(self as number);
      if (entry === undefined) {
        throw PyTypeError.newErr("this TypeScript function was released");
      }
      scope.tier = entry.tier; // errors caught in the handler are owned as its tier owns objects
      return invoke(entry, scope, nargs, kwnames, argv, tuple, kwValues);
    } catch (e) {
      restoreError(e);
      return null;
    } finally {
      leaveCallbackScope(scope);
    }
  } catch {
    // Only reachable when the JS stack ran out while unwinding above: never
    // let a JS exception escape into C; Python gets a RecursionError.
    try {
      const sym = loadedRuntime().sym;
      sym.PyErr_Clear();
      if (recursionErrorType !== null) {
        sym.PyErr_SetString(recursionErrorType, RECURSION_MESSAGE);
      }
    } catch {
      // nothing more can be done without stack
    }
    return null;
  } finally {
    callDepth--;
  }
}

/** The entry of an exposed function's `self` (see `bySelf`). */
function entryByLowBits(low: number): Entry | undefined {
  const hit = bySelf.get(selfKey(low));
  return hit !== undefined && hit.selfLow === low ? hit : undefined;
}

/** The entry of an inner function's `self`: read its id. */
function entryBySelfId(self: number | bigint): Entry | undefined {
  const sym = runtime().sym;
  const ptr = Deno.UnsafePointer.create(BigInt(self));
  const dict = ptr === null ? null : sym.PyModule_GetDict(ptr);
  if (dict === null) {
    sym.PyErr_Clear();
    return undefined;
  }
  const idObj = sym.PyDict_GetItemWithError(dict, idKey!);
  return idObj === null ? undefined : table[sym.PyLong_AsDouble(idObj)];
}

// --- reading fastcall's argv --------------------------------------------------
//
// Every Deno pointer primitive (`UnsafePointerView.getPointer`,
// `UnsafePointer.create`/`offset`) is a slow op, 60-80 ns a call, while an FFI
// call on V8's fast path costs 5-10 ns. So argv is read with FFI calls only:
// libc's `memcpy` copies its pointers into the items of a private scratch
// tuple and `PyTuple_GetItem` hands each one back as a pointer object. The
// items are left there after the call: the tuple is untracked by the cyclic
// collector (`PyObject_GC_UnTrack`, so no collection visits the stale
// pointers), never reachable from Python, and cleared before it is ever
// released (`growScratch`). The arguments are read before any user code
// runs, so a nested call may reuse the tuple.

/** Initial scratch size, in pointers; grows to the largest call seen. */
const SCRATCH_MIN = 16;
let scratch: Ptr | null = null;
let scratchItems: Ptr | null = null;
let scratchZeros: Ptr | null = null;
let scratchCap = 0;
const NO_ARGS: readonly Ptr[] = Object.freeze([]);
/**
 * Offset of `ob_item` in a `PyTupleObject`: `tuple.__basicsize__` (CPython
 * sets it to the struct's size without the item array), read once from the
 * running interpreter instead of assumed, so a build with another layout
 * (`Py_TRACE_REFS`) is written at its own offset.
 */
let tupleItems = -1;
function tupleItemsOffset(): number {
  if (tupleItems >= 0) return tupleItems;
  const r = runtime();
  const size = r.sym.PyObject_GetAttr(r.types.tuple, strCache("__basicsize__"));
  if (size === null) throw fetchError();
  const n = r.sym.PyLong_AsDouble(size);
  r.sym.Py_DecRef(size);
  if (!(n > 0) || n % 8 !== 0) {
    throw new Error(`unexpected tuple.__basicsize__ ${n}`);
  }
  return (tupleItems = n);
}

function growScratch(n: number): void {
  const items = tupleItemsOffset(); // before anything is allocated
  const sym = runtime().sym;
  let cap = scratchCap === 0 ? SCRATCH_MIN : scratchCap;
  while (cap < n) cap *= 2;
  const t = sym.PyTuple_New(ssize(cap));
  if (t === null) throw fetchError();
  const zeros = sym.calloc(BigInt(cap), 8n);
  if (zeros === null) {
    sym.Py_DecRef(t);
    throw new Error("out of memory");
  }
  sym.PyObject_GC_UnTrack(t); // see "reading fastcall's argv" above
  if (scratch !== null) {
    // Its items are stale borrowed pointers: cleared, so that its
    // deallocation decrefs nothing.
    sym.memcpyPtr(scratchItems!, scratchZeros!, ssize(scratchCap * 8));
    sym.Py_DecRef(scratch);
  }
  if (scratchZeros !== null) sym.free(scratchZeros);
  scratch = t;
  // Computed once per tuple (an op, outside the hot path).
  scratchItems = Deno.UnsafePointer.offset(t, items);
  scratchZeros = zeros;
  scratchCap = cap;
}

/** The `n` pointers of `argv` (borrowed from the caller). */
function readArgv(argv: Ptr, n: number): Ptr[] {
  const sym = runtime().sym;
  if (n > scratchCap) growScratch(n);
  const size = ssize(n * 8);
  const t = scratch!;
  sym.memcpyPtr(scratchItems!, argv, size);
  const out: Ptr[] = [];
  for (let i = 0; i < n; i++) out.push(sym.PyTuple_GetItem(t, ssize(i))!);
  return out;
}

/** The arguments of a varargs call: the tuple's items, then the keyword values. */
function readVarargs(
  tuple: Ptr,
  nargs: number,
  kwValues: Deno.PointerValue,
  nkw: number,
): Ptr[] {
  const sym = runtime().sym;
  const out: Ptr[] = [];
  for (let i = 0; i < nargs; i++) {
    out.push(sym.PyTuple_GetItem(tuple, ssize(i))!);
  }
  for (let j = 0; j < nkw; j++) {
    out.push(sym.PyList_GetItem(kwValues!, ssize(j))!);
  }
  return out;
}

// A call from another Python thread reaches this trampoline directly only in
// direct mode (src/core/threads.ts): a thread CPython did not start. Deno runs it on the JS thread when that thread is idle
// in its event loop and blocks the caller (if the JS thread is itself inside
// Python, that is a deadlock no code here can see). The caller holds the GIL
// and is blocked until we return. On 3.8-3.11 the current thread state is a
// process global (the GIL holder's, i.e. the caller's), so setting an error
// here sets it on the caller: a clear RuntimeError instead of CPython's
// "returned NULL without setting an exception". On 3.12+ the current thread
// state is thread-local (NULL on the JS thread) and nothing may touch Python:
// the NULL becomes that SystemError.
let foreignError: { type: Ptr; msg: Ptr } | null = null;
const FOREIGN_THREAD_MESSAGE =
  "a TypeScript function was called from a Python thread other than the one " +
  "running JavaScript; TypeScript functions can only be called on the JS thread";

function prepareForeignThreadError(): void {
  const r = runtime();
  if (foreignError !== null || r.version.minor > 11) return;
  const type = r.sym.PyDict_GetItemWithError(
    r.builtins,
    strCache("RuntimeError"),
  );
  if (type === null) return;
  // Both kept for the life of the process (the type is a builtin).
  foreignError = { type, msg: strToPy(FOREIGN_THREAD_MESSAGE) };
}

function foreignThreadError(): void {
  const r = loadedRuntime();
  if (foreignError === null || r.version.minor > 11) return;
  // The caller (another Python thread) holds the GIL on 3.8-3.11.
  r.sym.PyErr_SetObject(foreignError.type, foreignError.msg);
}

function invoke(
  entry: Entry,
  scope: unknown,
  nargs: number,
  kwnames: Deno.PointerValue,
  argv: Deno.PointerValue,
  tuple: Deno.PointerValue,
  kwValues: Deno.PointerValue,
): Deno.PointerValue {
  const sym = runtime().sym;
  const nkw = kwnames === null ? 0 : Number(sym.PyTuple_Size(kwnames));
  const n = nargs + nkw;
  // Read first: user code below may make a nested call (see readArgv).
  const argp = n === 0
    ? NO_ARGS
    : argv !== null
    ? readArgv(argv, n)
    : readVarargs(tuple!, nargs, kwValues, nkw);
  let bound;
  if (nkw === 0) {
    bound = bindArguments(entry.sig, nargs, NO_NAMES, entry.minor);
  } else {
    const names: string[] = [];
    for (let j = 0; j < nkw; j++) {
      const k = sym.PyTuple_GetItem(kwnames!, ssize(j))!;
      const idx = sym.PyDict_GetItemWithError(entry.nameIndex, k);
      // A name that is no parameter's: with **kwargs it can only land there
      // (the dict is filled from the Python string objects), so the binder
      // just needs a string distinct from every parameter name; without
      // **kwargs it is an error whose message needs the text.
      names.push(
        idx !== null
          ? entry.paramNames[sym.PyLong_AsDouble(idx)]
          : entry.sig.varkw !== undefined
          ? `\0kw${j}`
          : strToJs(k),
      );
    }
    bound = bindArguments(entry.sig, nargs, names, entry.minor);
  }
  if ("error" in bound) throw PyTypeError.newErr(bound.error);
  const py = new entry.tokenClass(KEY, scope, entry.tier);
  // A copy of the entry's template: the object is made with all its keys
  // (one shape per function), and the stores below replace values.
  const params: PyArgs = { ...entry.template };
  // Each parameter is a tier object kept with this call's scope. An
  // argument's reference is borrowed from the caller (`Ref.borrowed`: no
  // incref now, no decref when the scope ends; the caller's reference
  // outlives the scope, as for PyO3's `Borrowed` arguments). A default gets
  // a reference of its own: a sweep during the call may release the entry's
  // (a threaded-mode call can outlive the exposed function). The token was
  // just made with this tier, so it is not checked again per argument.
  const tier = entry.tier;
  const argOwner = tier.name === "owned" ? scope as Scope : null;
  const names = entry.paramNames;
  const sources = bound.sources;
  for (let i = 0; i < names.length; i++) {
    const src = sources[i];
    let ref;
    if (src >= 0) {
      ref = borrowForCall(argp[src], argOwner);
    } else {
      const d = entry.defaults[i]!;
      sym.Py_IncRef(d);
      ref = tier.adopt(d);
    }
    params[names[i]] = new PyAny(KEY, ref, py);
  }
  if (entry.sig.varargs !== undefined) {
    const n = nargs - bound.varargsStart;
    const t = sym.PyTuple_New(ssize(n))!;
    for (let i = 0; i < n; i++) {
      const a = argp[bound.varargsStart + i];
      sym.Py_IncRef(a);
      sym.PyTuple_SetItem(t, ssize(i), a);
    }
    params[entry.sig.varargs] = wrap(py, t, PyTuple);
  }
  if (entry.sig.varkw !== undefined) {
    const d = sym.PyDict_New()!;
    const kw = wrap(py, d, PyDict);
    for (const j of bound.varkwIndexes) {
      if (
        sym.PyDict_SetItem(
          d,
          sym.PyTuple_GetItem(kwnames!, ssize(j))!,
          argp[nargs + j],
        ) !== 0
      ) {
        throw fetchError();
      }
    }
    params[entry.sig.varkw] = kw;
  }
  const result = (entry.handler as PyFunctionHandler)(params, py);
  if (isThenable(result)) {
    // An async handler: Python gets an awaitable (src/types/awaitable.ts).
    return promiseToPy(result as PromiseLike<unknown>, py, entry.sig.name);
  }
  return toPy(result, py);
}

let varargsTrampoline:
  | Deno.UnsafeCallback<{
    readonly parameters: readonly ["i32", "pointer", "pointer"];
    readonly result: "pointer";
  }>
  | null = null;
let innerVarargsTrampoline:
  | Deno.UnsafeCallback<{
    readonly parameters: readonly ["usize", "pointer", "pointer"];
    readonly result: "pointer";
  }>
  | null = null;

/**
 * The `METH_VARARGS | METH_KEYWORDS` entry (CPython 3.9 and 3.10, see
 * `varargsConvention`): `(self, args tuple, kwargs dict or NULL)` becomes
 * the fastcall arguments the binder reads, the positional ones in place
 * (the tuple's items), with the keywords' values after them in a scratch
 * array and their names as a kwnames tuple.
 */
function varargsFn(
  self: number,
  args: Deno.PointerValue,
  kwargs: Deno.PointerValue,
): Deno.PointerValue {
  return varargsCall(self, false, args, kwargs);
}

function innerVarargsFn(
  self: number | bigint,
  args: Deno.PointerValue,
  kwargs: Deno.PointerValue,
): Deno.PointerValue {
  return varargsCall(self, true, args, kwargs);
}

/** A varargs call (see `varargsFn`); `self` and `byId` as for `call`. */
function varargsCall(
  self: number | bigint,
  byId: boolean,
  args: Deno.PointerValue,
  kwargs: Deno.PointerValue,
): Deno.PointerValue {
  try {
    const sym = loadedRuntime().sym;
    const n = args === null ? 0 : Number(sym.PyTuple_Size(args));
    const nk = kwargs === null ? 0 : Number(sym.PyDict_Size(kwargs));
    if (nk === 0) return call(self, byId, n, null, null, args, null);
    const keys = sym.PyDict_Keys(kwargs!);
    const values = keys === null ? null : sym.PyDict_Values(kwargs!);
    const names = values === null ? null : sym.PyList_AsTuple(keys!);
    try {
      if (names === null) return null; // MemoryError set
      return call(self, byId, n, names, null, args, values);
    } finally {
      if (names !== null) sym.Py_DecRef(names);
      if (values !== null) sym.Py_DecRef(values);
      if (keys !== null) sym.Py_DecRef(keys);
    }
  } catch {
    return null; // never unwind into C (call catches the rest)
  }
}

/** `cb`, which never keeps the process alive by itself (unref'd once, when made). */
function unrefed<T extends { unref(): void }>(cb: T): T {
  cb.unref();
  return cb;
}

/**
 * The trampolines, made once: the exposed functions' entry and the inner
 * functions' (see `bySelf`), in this CPython's convention.
 */
function getTrampoline(): { pointer: Deno.PointerObject } {
  let entry: { pointer: Deno.PointerObject };
  let inner: { pointer: Deno.PointerObject };
  if (!varargsConvention()) {
    trampoline ??= unrefed(
      new Deno.UnsafeCallback(
        {
          parameters: ["i32", "pointer", "i32", "pointer"],
          result: "pointer",
        } as const,
        trampolineFn,
      ),
    );
    innerTrampoline ??= unrefed(
      new Deno.UnsafeCallback(
        {
          parameters: ["usize", "pointer", "isize", "pointer"],
          result: "pointer",
        } as const,
        innerTrampolineFn,
      ),
    );
    entry = trampoline;
    inner = innerTrampoline;
  } else {
    varargsTrampoline ??= unrefed(
      new Deno.UnsafeCallback(
        {
          parameters: ["i32", "pointer", "pointer"],
          result: "pointer",
        } as const,
        varargsFn,
      ),
    );
    innerVarargsTrampoline ??= unrefed(
      new Deno.UnsafeCallback(
        {
          parameters: ["usize", "pointer", "pointer"],
          result: "pointer",
        } as const,
        innerVarargsFn,
      ),
    );
    entry = varargsTrampoline;
    inner = innerVarargsTrampoline;
  }
  idKey = strCache(ID_ATTR);
  prepareThreads(entry.pointer, inner.pointer);
  prepareForeignThreadError();
  if (recursionErrorType === null) {
    const t = runtime().sym.PyDict_GetItemWithError(
      runtime().builtins,
      strCache("RecursionError"),
    );
    if (t !== null) recursionErrorType = t; // a builtin: lives as long as Python
  }
  return entry;
}

function cAlloc(bytes: Uint8Array): Ptr {
  const sym = runtime().sym;
  const p = sym.calloc(BigInt(bytes.length + 1), 1n);
  if (p === null) throw new Error("out of memory");
  sym.memcpyTo(p, bytes as Uint8Array<ArrayBuffer>, ssize(bytes.length));
  return p;
}

/** Release the entries whose function objects Python has dropped. */
function sweep(): void {
  const r = runtime();
  const dead: number[] = [];
  for (let id = 0; id < table.length; id++) {
    const e = table[id];
    if (e === undefined || e.weak === null) continue;
    const target = r.sym.PyWeakref_GetObject(e.weak);
    if (target !== null && !Deno.UnsafePointer.equals(target, r.none)) continue;
    dead.push(id);
  }
  // Unregistered (one call) before any is freed: an address freed first
  // could be reused by a new PyMethodDef while still registered.
  unregisterDefs(dead.map((id) => table[id]!.def));
  for (const id of dead) releaseEntry(id, table[id]!);
  createdSinceSweep = 0;
}

/**
 * Free entry `id` (its function objects are gone, or were never made); its
 * `def` is no longer registered with the thread mode (see `sweep`).
 */
function releaseEntry(id: number, e: Entry): void {
  const sym = runtime().sym;
  if (e.self !== null) {
    // The key goes before the reference: then the address can be reused.
    const key = selfKey(e.selfLow);
    if (bySelf.get(key) === e) bySelf.delete(key);
    sym.Py_DecRef(e.self);
  }
  if (e.weak !== null) sym.Py_DecRef(e.weak);
  for (const d of e.defaults) if (d !== null) sym.Py_DecRef(d);
  sym.free(e.def);
  sym.free(e.name);
  sym.free(e.doc);
  sym.Py_DecRef(e.nameIndex);
  table[id] = undefined;
  freeIds.push(id);
  live--;
}

/**
 * Number of live TypeScript functions in the callback table, after sweeping
 * those Python has dropped. Needs the GIL. For tests and diagnostics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pyfunction, pyfunctionTableSize, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const before = pyfunctionTableSize();
 *   py.withPool(() => {
 *     pyfunction(py, "f()", () => 1);
 *     assert.equal(pyfunctionTableSize(), before + 1);
 *   });
 *   assert.equal(pyfunctionTableSize(), before); // Python dropped it with the pool
 * });
 * ```
 */
export function pyfunctionTableSize(): number {
  sweep();
  return live;
}

/**
 * Make a Python callable from a TypeScript function with a signature written
 * in Python syntax: positional-only (`/`), keyword-only (`*`), defaults
 * (Python literals, evaluated once now), `*args`, `**kwargs`. Argument errors
 * are the TypeErrors CPython raises for a `def` with that signature, word for
 * word. A `PyErr` thrown by the handler reaches Python as that exception; any
 * other JS error as `RuntimeError` with the JS message (and the JS stack as a
 * note on 3.11+).
 *
 * Objects the handler receives or makes live until it returns (a per-call
 * scope, as PyO3's per-call `GILPool`); keep one longer with `Py.from` /
 * `unbind()`. The arguments are borrowed from Python's caller, as PyO3's
 * `Borrowed` arguments: they hold no reference count of their own (the
 * caller's keeps them alive for the call), so disposing one releases nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, pyfunction, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const add = pyfunction(py, "add(a, b=0, /, *, scale=1.0)", ({ a, b, scale }) =>
 *     (a.extract(Extract.float) + b.extract(Extract.float)) * scale.extract(Extract.float));
 *   assert.equal(add.call([1, 2], { scale: 10 }).toJs(), 30);
 *   // the argument errors are CPython's own
 *   assert.throws(() => add.call1(), /add\(\) missing 1 required positional argument: 'a'/);
 * });
 * ```
 */
export function pyfunction<P extends PythonBase, S extends string>(
  py: P,
  signature: S,
  handler: PyFunctionHandler<P, S>,
): PyCFunction {
  return wrap(
    py,
    functionPtr(py, signature, handler as unknown as PyFunctionHandler<P>),
    PyCFunction,
  );
}

/**
 * A TypeScript function that binds as a method when stored on a Python class
 * (as a `def` in the class body does): `obj.name(x)` calls it with `obj` as
 * its first parameter, conventionally `self`. It is `pyfunction`'s function
 * wrapped in CPython's `instancemethod` (`PyInstanceMethod_New`), so calling
 * it directly, or through the class (`Cls.name(obj, x)`), passes every
 * argument as given. Argument errors are those of a `def` with that
 * signature; CPython 3.10+ prefixes a method's qualified name
 * (`Cls.name()`), which a TypeScript function does not know, so its errors
 * say `name()`.
 *
 * @example
 * ```ts
 * import { Extract, pymethod, Python } from "@pyembed/pyembed";
 * Python.withGil((py) => {
 *   const d = py.eval("{}");
 *   py.run("class Point:\n    def __init__(self, x, y): self.x, self.y = x, y", d);
 *   const cls = py.eval("Point", d);
 *   cls.setattr("norm1", pymethod(py, "norm1(self, scale=1)", ({ self, scale }) =>
 *     (Math.abs(self.getattr("x").extract(Extract.float)) +
 *       Math.abs(self.getattr("y").extract(Extract.float))) * scale.extract(Extract.float)));
 *   console.log(py.eval("Point(3, -4).norm1(scale=2)", d).toJs()); // 14
 * });
 * ```
 */
export function pymethod<P extends PythonBase, S extends string>(
  py: P,
  signature: S,
  handler: PyFunctionHandler<P, S>,
): PyAny {
  const f = functionPtr(
    py,
    signature,
    handler as unknown as PyFunctionHandler<P>,
  );
  const m = runtime().sym.PyInstanceMethod_New(f);
  runtime().sym.Py_DecRef(f);
  if (m === null) throw fetchError();
  return wrap(py, m, PyAny);
}

/** `ast.literal_eval(text)` as a new reference, with no tier object made. */
function literalEval(text: string): Ptr {
  const sym = runtime().sym;
  const name = strToPy("ast");
  const ast = sym.PyImport_Import(name);
  sym.Py_DecRef(name);
  if (ast === null) throw fetchError();
  const f = sym.PyObject_GetAttr(ast, strCache("literal_eval"));
  sym.Py_DecRef(ast);
  if (f === null) throw fetchError();
  const args = sym.PyTuple_New(ssize(1))!;
  sym.PyTuple_SetItem(args, ssize(0), strToPy(text));
  const v = sym.PyObject_Call(f, args, null);
  sym.Py_DecRef(args);
  sym.Py_DecRef(f);
  if (v === null) throw fetchError();
  return v;
}

/** The function object of {@linkcode pyfunction} as a new reference. */
function functionPtr<P extends PythonBase>(
  py: P,
  signature: string,
  handler: PyFunctionHandler<P>,
): Ptr {
  const state = tokenState(py);
  const r = runtime();
  const sym = r.sym;
  const sig = parseSignature(signature, { pythonMinor: r.version.minor });
  if (++createdSinceSweep >= 64) sweep();
  // Defaults: Python literals, evaluated once.
  const defaults: (Ptr | null)[] = [];
  try {
    for (const p of sig.parameters) {
      defaults.push(p.default === undefined ? null : literalEval(p.default));
    }
  } catch (e) {
    for (const d of defaults) if (d !== null) sym.Py_DecRef(d);
    throw e;
  }
  const enc = new TextEncoder();
  const name = cAlloc(enc.encode(sig.name));
  const doc = cAlloc(enc.encode(`${signature.trim()}\n--\n\n`));
  const fast = getTrampoline().pointer;
  const def = methodDef(name, doc, fast); // ml_meth follows the thread mode

  const paramNames = sig.parameters.map((p) => p.name);
  const nameIndex = sym.PyDict_New()!;
  paramNames.forEach((n, i) => {
    const k = strToPy(n);
    const v = sym.PyLong_FromDouble(i)!;
    sym.PyDict_SetItem(nameIndex, k, v);
    sym.Py_DecRef(k);
    sym.Py_DecRef(v);
  });
  const id = freeIds.length > 0 ? freeIds.pop()! : table.length;
  const entry: Entry = {
    sig,
    handler: handler as PyFunctionHandler<never>,
    defaults,
    weak: null,
    tokenClass: py.constructor as Entry["tokenClass"],
    tier: state.tier,
    def,
    name,
    doc,
    nameIndex,
    paramNames,
    minor: r.version.minor,
    template: argsTemplate(sig),
    self: null,
    selfLow: 0,
  };
  table[id] = entry;
  live++;
  try {
    return makeFunctionObject(entry, id, sig.name);
  } catch (e) {
    // Once the weak reference exists, the entry is swept when self is gone.
    if (entry.weak === null) {
      unregisterDefs([entry.def]);
      releaseEntry(id, entry);
    }
    throw e;
  }
}

/**
 * The function object for table entry `id` (a new reference): its `self`
 * is a `TypeScriptFunction` module holding the id and, once the function is
 * called in threaded mode, the per-thread dispatch (see
 * `src/core/threads.ts`); its `def` is registered so that `ml_meth` follows
 * the thread mode. The entry holds a weak reference to the function.
 */
function makeFunctionObject(entry: Entry, id: number, name: string): Ptr {
  const sym = runtime().sym;
  const idObj = sym.PyLong_FromDouble(id)!;
  let self: Ptr | null = null;
  // A self whose key another live entry has (see `bySelf`) is kept aside, so
  // that the next one gets another address, and released at the end.
  const taken: Ptr[] = [];
  try {
    for (;;) {
      const s = newFunctionSelf(strCache(name), idObj, entry.def);
      if (!bySelf.has(selfKey(lowBits(s)))) {
        self = s;
        break;
      }
      taken.push(s);
      if (taken.length > 64) {
        throw new Error(
          "pyembed internal error: no free address key for a TypeScript function",
        );
      }
    }
  } finally {
    sym.Py_DecRef(idObj);
    for (const t of taken) sym.Py_DecRef(t);
  }
  try {
    const fn = sym.PyCFunction_NewEx(entry.def, self, null);
    if (fn === null) throw fetchError();
    entry.weak = sym.PyWeakref_NewRef(fn, null);
    if (entry.weak === null) {
      sym.Py_DecRef(fn);
      throw fetchError();
    }
    // The entry keeps self's reference and its key from here on (see
    // `bySelf`).
    entry.self = self;
    entry.selfLow = lowBits(self);
    bySelf.set(selfKey(entry.selfLow), entry);
    return fn;
  } finally {
    if (entry.self === null) sym.Py_DecRef(self);
  }
}

/** An object whose own properties are the handler's parameter names. */
function argsTemplate(sig: Signature): PyArgs {
  const t: Record<string, unknown> = {};
  const names = sig.parameters.map((p) => p.name);
  if (sig.varargs !== undefined) names.push(sig.varargs);
  if (sig.varkw !== undefined) names.push(sig.varkw);
  for (const n of names) {
    // Defined, not assigned: a parameter may be called `__proto__`.
    Object.defineProperty(t, n, {
      value: undefined,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return t as PyArgs;
}

/** A calloc'ed `PyMethodDef` {name, meth, METH_FASTCALL | METH_KEYWORDS, doc}. */
function methodDef(name: Ptr, doc: Ptr, meth: Ptr): Ptr {
  const sym = runtime().sym;
  const def = sym.calloc(1n, 32n)!;
  const buf = new DataView(new ArrayBuffer(32));
  buf.setBigUint64(0, BigInt(Deno.UnsafePointer.value(name)), true);
  buf.setBigUint64(8, BigInt(Deno.UnsafePointer.value(meth)), true);
  buf.setInt32(16, methodFlags(), true);
  buf.setBigUint64(24, BigInt(Deno.UnsafePointer.value(doc)), true);
  sym.memcpyTo(def, new Uint8Array(buf.buffer), ssize(32));
  return def;
}

/**
 * Internal (also `pyclass`): a tier object's JS value when it has one, else
 * the object itself.
 */
export function jsArg(obj: PyAny): unknown {
  try {
    return obj.toJs();
  } catch {
    return obj;
  }
}

// A plain JS function passed where Python expects a callable becomes
// `f(*args, **kwargs)`: positional arguments are converted to JS values
// (objects without a JS equivalent arrive as tier objects); keyword
// arguments, if any, arrive as one trailing plain object.
setFunctionConverter((fn, py) => {
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(fn.name)
    ? fn.name
    : "js_function";
  // The new reference goes straight to the caller: no tier object is made,
  // so nothing stays in a pool or slot once Python drops the function.
  return functionPtr(
    py as PythonBase,
    `${name}(*args, **kwargs)`,
    ({ args, kwargs }) => {
      const list: unknown[] = [];
      for (const a of args) list.push(jsArg(a));
      if (kwargs.len() > 0) {
        const kw: Record<string, unknown> = {};
        for (const k of kwargs) kw[k.str()] = jsArg(kwargs.getItem(k));
        list.push(kw);
      }
      return (fn as (...a: unknown[]) => unknown)(...list);
    },
  );
});
