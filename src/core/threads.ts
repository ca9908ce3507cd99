/**
 * TypeScript functions called from Python threads other than the JS thread.
 *
 * Only the JS thread runs JavaScript. Deno runs an FFI callback that arrives
 * on another thread on the JS thread's event loop and blocks the calling
 * thread until it ran: if that thread held the GIL while the JS thread waited
 * for it (inside a synchronous Python call, `allowThreads`, or a new
 * `withGil`), the process hung for good. So a call from another thread never
 * reaches Deno's trampoline while holding the GIL. Mechanism (the Python half
 * is `threads_py.ts`, module `_pyembed_threads`):
 *
 * - While no thread but the JS thread can run Python ("direct mode"), a
 *   TypeScript function's `PyMethodDef` points at Deno's trampoline: today's
 *   fast path, nothing added.
 * - From just before a thread starts (`_thread.start_new_thread`, so every
 *   `threading.Thread`, `concurrent.futures` pool, ...) until its function
 *   returns, and while an async job runs Python on another thread
 *   ({@linkcode enterForeignWork}), it points at CPython's own
 *   `PyObject_Vectorcall` (3.11+; `_PyObject_MakeTpCall` on 3.8;
 *   `PyObject_Call` on 3.9 and 3.10, where TypeScript functions use the
 *   `METH_VARARGS` convention, see {@linkcode varargsConvention})
 *   ("threaded mode"): the call goes through C code
 *   that picks, per thread (a `_thread._local`), the inner function (JS
 *   thread: Deno's trampoline, same as direct) or the foreign path.
 * - The foreign path queues the call and waits for it with the GIL released;
 *   a pump thread calls the drain callback below through `ctypes` (which
 *   releases the GIL around a foreign call); Deno runs it on the JS thread
 *   when its event loop is free, and the queued calls run there in GIL scopes
 *   of their own, through the same trampoline as a same-thread call
 *   (arguments, CPython's argument errors, exceptions both ways).
 * - A call the JS thread does not take up within the timeout
 *   ({@linkcode setThreadCallTimeout}, 10 s by default) raises `RuntimeError`
 *   in the calling thread: the one true cycle (JS blocked synchronously on the
 *   very thread that calls it) ends with that error instead of a hang.
 *
 * Not covered: a thread CPython did not start (a C library's own thread
 * entering Python through `PyGILState_Ensure`, such as a `ctypes` callback run
 * by C code on its thread) while no `_thread` thread or async job is running:
 * it reaches Deno's trampoline directly, as before (an error when the JS
 * thread is idle, a hang when it is blocked in Python).
 *
 * @module
 */

import { strCache } from "./convert.ts";
import { withGilScope } from "./gil.ts";
import { initialize, type Ptr, runtime } from "./runtime.ts";
import { ssize } from "./ssize.ts";

const MODULE = "_pyembed_threads";

/** The module object (borrowed from `sys.modules`; lives for the process). */
function threadsModule(): Ptr {
  const sym = runtime().sym;
  const m = sym.PyDict_GetItemWithError(
    sym.PyImport_GetModuleDict()!,
    strCache(MODULE),
  );
  if (m === null) {
    sym.PyErr_Clear();
    throw new Error(`pyembed internal error: ${MODULE} is missing`);
  }
  return m;
}

/** `module.name(*args)`; returns the new reference, throws on error. */
function callModule(name: string, args: Ptr[]): Ptr {
  const sym = runtime().sym;
  const f = sym.PyObject_GetAttr(threadsModule(), strCache(name));
  if (f === null) {
    sym.PyErr_Clear();
    throw new Error(`pyembed internal error: ${MODULE}.${name} is missing`);
  }
  const t = sym.PyTuple_New(ssize(args.length))!;
  args.forEach((a, i) => {
    sym.Py_IncRef(a);
    sym.PyTuple_SetItem(t, ssize(i), a);
  });
  const out = sym.PyObject_CallObject(f, t);
  sym.Py_DecRef(t);
  sym.Py_DecRef(f);
  if (out === null) {
    sym.PyErr_Clear();
    throw new Error(`pyembed internal error: ${MODULE}.${name}() raised`);
  }
  return out;
}

function callModuleVoid(name: string, args: Ptr[]): void {
  runtime().sym.Py_DecRef(callModule(name, args));
}

function intObj(n: number): Ptr {
  return runtime().sym.PyLong_FromDouble(n)!;
}

function strObj(s: string): Ptr {
  const bytes = new TextEncoder().encode(s + "\0");
  return runtime().sym.PyUnicode_InternFromString(bytes)!;
}

function withTemps(objs: Ptr[], f: (objs: Ptr[]) => void): void {
  try {
    f(objs);
  } finally {
    for (const o of objs) runtime().sym.Py_DecRef(o);
  }
}

const BUSY_MESSAGE =
  "TypeScript function {name}() was called from a Python thread other than the JavaScript thread, " +
  "and the JavaScript thread was not free to run it within {seconds} s: it was busy in a synchronous call " +
  "(Python.withGil, py.run, a call into Python, py.allowThreads) or in other JavaScript. If that call waits " +
  "for this thread (for example py.run('t.start(); t.join()')), it is a deadlock: run the Python code that " +
  "waits with the async API so the JavaScript thread stays free, or raise the limit with " +
  "setThreadCallTimeout(ms).";

const ENDED_MESSAGE =
  "this TypeScript function belongs to a JavaScript runtime (Deno isolate) that has ended, " +
  "so it can no longer be called";

let drainCallback:
  | Deno.UnsafeCallback<
    { readonly parameters: readonly []; readonly result: "void" }
  >
  | null = null;
let owned = false;
/**
 * The `PyMethodDef` of this isolate's inner functions (made in Python on a
 * function's first call in threaded mode): the inner trampoline; its
 * name is what a SystemError would print. Never freed (functions made on it
 * may outlive any table entry).
 */
let innerDef: Ptr | null = null;
let closeRegistered = false;

const METH_FASTCALL_KEYWORDS = 0x80 | 0x02;
const METH_VARARGS_KEYWORDS = 0x01 | 0x02;

/**
 * Internal: does this CPython give TypeScript functions the `METH_VARARGS |
 * METH_KEYWORDS` convention, `(self, args tuple, kwargs dict)`? On 3.9 and
 * 3.10, whose only exported forwarder with a method's signature is
 * `PyObject_Call` (see `threads_py.ts`); elsewhere `METH_FASTCALL |
 * METH_KEYWORDS`.
 */
export function varargsConvention(): boolean {
  const minor = runtime().version.minor;
  return minor === 9 || minor === 10;
}

/** Internal: the `ml_flags` of every TypeScript function's `PyMethodDef`. */
export function methodFlags(): number {
  return varargsConvention() ? METH_VARARGS_KEYWORDS : METH_FASTCALL_KEYWORDS;
}

/** A calloc'ed `PyMethodDef` {"TypeScript function", meth, fastcall, NULL}. */
function methodDef(meth: Ptr): Ptr {
  const sym = runtime().sym;
  const name = new TextEncoder().encode("TypeScript function\0");
  const namePtr = sym.calloc(BigInt(name.length), 1n)!;
  sym.memcpyTo(namePtr, name, ssize(name.length));
  const def = sym.calloc(1n, 32n)!;
  const buf = new DataView(new ArrayBuffer(32));
  buf.setBigUint64(0, BigInt(Deno.UnsafePointer.value(namePtr)), true);
  buf.setBigUint64(8, BigInt(Deno.UnsafePointer.value(meth)), true);
  buf.setInt32(16, methodFlags(), true);
  sym.memcpyTo(def, new Uint8Array(buf.buffer), ssize(32));
  return def;
}

/** Runs the queued foreign-thread calls; called by the pump thread through Deno. */
function drain(): void {
  try {
    withGilScope(() => {
      const sym = runtime().sym;
      const out = callModule("drain", []);
      sym.Py_DecRef(out);
    });
  } catch {
    // drain() catches everything in Python; nothing may unwind into C here.
  }
}

/**
 * Internal (GIL held): make this isolate the one foreign-thread calls reach,
 * with `fast` (Deno's trampoline for the exposed functions) as the
 * direct-mode entry and `inner` (the trampoline that reads a function's id
 * from its `self`) as the inner functions'. Idempotent.
 */
export function prepareThreads(fast: Ptr, inner: Ptr): void {
  if (owned) return;
  if (drainCallback === null) {
    drainCallback = new Deno.UnsafeCallback(
      { parameters: [], result: "void" } as const,
      drain,
    );
    // Never keeps the process alive by itself: a program that ends while
    // Python threads still call TypeScript exits (the threads are cut off).
    drainCallback.unref();
  }
  if (innerDef === null) innerDef = methodDef(inner);
  withTemps([
    intObj(Number(Deno.UnsafePointer.value(fast))),
    intObj(Number(Deno.UnsafePointer.value(drainCallback.pointer))),
    strObj(BUSY_MESSAGE),
    strObj(ENDED_MESSAGE),
    intObj(Number(Deno.UnsafePointer.value(innerDef))),
  ], (args) => callModuleVoid("own", args));
  owned = true;
  if (!closeRegistered) {
    closeRegistered = true;
    globalThis.addEventListener("unload", () => {
      // After this, calls from other threads raise RuntimeError instead of
      // entering an ended isolate.
      try {
        withGilScope(() => callModuleVoid("close", []));
      } catch {
        // the program is ending
      }
    });
  }
}

/** `_pyembed_threads.new_self`, kept for the life of the process. */
let newSelf: Ptr | null = null;

/**
 * Internal: the `self` of a new TypeScript function (a new reference): a
 * `TypeScriptFunction` module holding the table id `id`, with the exposed
 * `PyMethodDef` `def` registered so that its `ml_meth` follows the thread
 * mode. One Python call.
 */
export function newFunctionSelf(name: Ptr, id: Ptr, def: Ptr): Ptr {
  const sym = runtime().sym;
  if (newSelf === null) {
    newSelf = sym.PyObject_GetAttr(threadsModule(), strCache("new_self"));
    if (newSelf === null) {
      sym.PyErr_Clear();
      throw new Error(`pyembed internal error: ${MODULE}.new_self is missing`);
    }
  }
  const addr = intObj(Number(Deno.UnsafePointer.value(def)));
  const t = sym.PyTuple_New(ssize(3))!;
  sym.Py_IncRef(name);
  sym.PyTuple_SetItem(t, ssize(0), name);
  sym.Py_IncRef(id);
  sym.PyTuple_SetItem(t, ssize(1), id);
  sym.PyTuple_SetItem(t, ssize(2), addr);
  const self = sym.PyObject_CallObject(newSelf, t);
  sym.Py_DecRef(t);
  if (self === null) {
    sym.PyErr_Clear();
    throw new Error(`pyembed internal error: ${MODULE}.new_self() raised`);
  }
  return self;
}

/** Internal: these exposed `PyMethodDef`s are about to be freed. */
export function unregisterDefs(defs: Ptr[]): void {
  if (defs.length === 0) return;
  withTemps(
    defs.map((d) => intObj(Number(Deno.UnsafePointer.value(d)))),
    (args) => callModuleVoid("unregister", args),
  );
}

/**
 * Internal (GIL held): Python is about to run on a thread CPython did not
 * start through `_thread` (an async job on Deno's thread pool); TypeScript
 * functions switch to threaded mode until the matching
 * {@linkcode leaveForeignWork}.
 */
export function enterForeignWork(): void {
  callModuleVoid("enter", []);
}

/** Internal (GIL held): the matching end of {@linkcode enterForeignWork}. */
export function leaveForeignWork(): void {
  callModuleVoid("leave", []);
}

/**
 * How long a TypeScript function called from a Python thread other than the
 * JS thread waits for the JS thread to be free (in its event loop) before it
 * raises `RuntimeError` in the calling thread. The default is 10,000 ms;
 * `Infinity` waits for ever. The wait only ends in that error when the JS
 * thread stays busy the whole time, in a synchronous call (`Python.withGil`,
 * `py.run`, `py.allowThreads`) or other JavaScript, which is a deadlock when
 * that call is waiting for the calling thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setThreadCallTimeout } from "@pyembed/pyembed";
 *
 * setThreadCallTimeout(2_000); // fail after 2 s instead of 10 s
 * setThreadCallTimeout(10_000); // the default again
 * assert.throws(() => setThreadCallTimeout(-1), TypeError);
 * ```
 */
export function setThreadCallTimeout(ms: number): void {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw new TypeError(
      `setThreadCallTimeout(ms): ms must be a non-negative number of milliseconds or Infinity, not ${
        String(ms)
      }`,
    );
  }
  initialize();
  withGilScope(() => {
    const sym = runtime().sym;
    const v = sym.PyFloat_FromDouble(ms === Infinity ? -1 : ms / 1000)!;
    try {
      if (sym.PyObject_SetAttr(threadsModule(), strCache("timeout"), v) !== 0) {
        sym.PyErr_Clear();
        throw new Error("pyembed internal error: cannot set the timeout");
      }
    } finally {
      sym.Py_DecRef(v);
    }
  });
}
