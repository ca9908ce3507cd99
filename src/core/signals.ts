/**
 * Ctrl-C (SIGINT) for the embedded interpreter (issue 12, defect 5).
 *
 * **Behaviour.** A SIGINT that arrives while the JS thread runs Python code
 * raises `KeyboardInterrupt` there, as in python3 (a blocking call such as
 * `time.sleep` is interrupted; a handler Python code set with
 * `signal.signal` runs instead); it reaches JS as a `PyKeyboardInterrupt`. A
 * SIGINT that arrives while JS code runs inside `Python.withGil` is thrown
 * as a `PyKeyboardInterrupt` when that outermost scope's callback returns.
 * Any other SIGINT gets Deno's default: the process ends (killed by SIGINT,
 * status 130), or the program's `Deno.addSignalListener("SIGINT")`
 * listeners run. `signal.getsignal(SIGINT)` is `signal.default_int_handler`
 * and `_thread.interrupt_main()` raises `KeyboardInterrupt` in the JS
 * thread's Python code, as in python3.
 *
 * **What Deno does** (deno 2.9.6, `ext/signals`, `signal-hook`): its first
 * signal registration installs one process-wide handler for SIGHUP, SIGTERM
 * and SIGINT, which calls the handler it replaced (chaining) and wakes a
 * thread of its own; that thread runs the JS listeners or, when there are
 * none, ends the process, whatever the JS thread is doing. A JS listener
 * only runs when the JS thread is free. Deno registers by itself about half
 * a second after start (a SIGUSR1 listener), and never installs its handler
 * again.
 *
 * **Mechanism.** Which handler runs must depend on where the JS thread is
 * when the signal arrives, and only the kernel's disposition is consulted at
 * that instant (no C code of ours can run in a signal handler). So the
 * disposition is swapped, lazily:
 * - the first outermost `withGil` of a JS task installs CPython's
 *   disposition (`sigaction`) and queues a microtask; later outermost scopes
 *   of the same task find it installed (one boolean test);
 * - that microtask, which runs when the task's synchronous code is done and
 *   before the event loop goes on, puts Deno's disposition back, then, with
 *   the GIL, runs `PyErr_CheckSignals`: a `KeyboardInterrupt` it raises is a
 *   SIGINT that no Python code saw (it arrived while JS code ran between two
 *   scopes), so it is cleared and SIGINT is raised again, now to Deno's
 *   disposition, which decides as it would have.
 *
 * So a task that uses Python pays two `sigaction` calls and one
 * `PyErr_CheckSignals` (about 0.7 µs on the 2-core VM of the README), not
 * each scope; a loop of scopes in one task pays it once. Each outermost
 * scope pays one `PyErr_CheckSignals` call (a fast FFI call) at its end.
 *
 * Deno's handler is made to exist before CPython's is ever installed (a
 * listener added and removed at set-up), so Deno's handler never chains to
 * CPython's: otherwise a `Deno.addSignalListener` that is the process's
 * first registration, called in a task that used Python, would make every
 * later SIGINT trip Python too.
 *
 * **Limits.** A JS loop that never yields, run in a task that used Python,
 * is not ended by Ctrl-C until it yields (SIGINT waits for the next Python
 * code or the end of the task), as a C loop holding the GIL in python3.
 * A `Deno.addSignalListener` listener does not hear a SIGINT that became a
 * `KeyboardInterrupt`. Python code running in another thread (the async
 * API, `allowThreads`) while the JS thread is free is not interrupted:
 * CPython runs signal handlers in its main thread only. Linux only (nothing
 * is done elsewhere), and only in the isolate whose thread is CPython's main
 * thread. `setSigintHandling(false)` turns it all off.
 *
 * @module
 */

import {
  cstr,
  newNamespace,
  type Ptr,
  runSource,
  type Runtime,
} from "./runtime.ts";

const SIGINT = 2;
/** Room for one `struct sigaction` (152 bytes on Linux glibc and musl). */
const ACT_WORDS = 32;

/** Set up already (or gave up): never tried again. */
let setUpDone = Deno.build.os !== "linux";
/** Set up successfully. */
let ready = false;
/** `setSigintHandling`. */
let enabled = true;
/** CPython's disposition is installed now. */
let held = false;
/** The microtask that puts Deno's back is queued. */
let queued = false;
/** Open outermost scopes (more than one only through `allowThreads`). */
let depth = 0;
let rt: Runtime | null = null;

/** CPython's disposition: what SIGINT does while Python holds it. */
const pyAct = new BigUint64Array(ACT_WORDS);
/** The disposition outside (Deno's), saved when CPython's is installed. */
const outerAct = new BigUint64Array(ACT_WORDS);
/** What the restore found installed (normally `pyAct`). */
const foundAct = new BigUint64Array(ACT_WORDS);
let pyActPtr: Ptr | null = null;
let outerActPtr: Ptr | null = null;
let foundActPtr: Ptr | null = null;
/** The address of CPython's C signal handler. */
let pyHandler = -1n;
/** `KeyboardInterrupt` (a strong reference). */
let keyboardInterrupt: Ptr | null = null;

let signalError: (() => unknown) | null = null;

/**
 * Let a SIGINT that arrived while JS code ran inside the outermost scope be
 * thrown when its callback returns: `fetch` turns the raised Python exception
 * into its JS error (`fetchError`, registered by `err.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 * import { fetchError } from "./err.ts";
 * import { setSignalErrorHook } from "./signals.ts";
 *
 * setSignalErrorHook(fetchError); // what src/types/err.ts does at load
 * Python.withGil((py) => assert.equal(py.eval("1").toJs(), 1));
 * ```
 */
export function setSignalErrorHook(fetch: () => unknown): void {
  signalError = fetch;
}

/**
 * Is Ctrl-C handled as described in this module? `undefined` before the
 * first outermost `Python.withGil`; `false` when it could not be set up (not
 * Linux, not CPython's main thread) or {@linkcode setSigintHandling} turned
 * it off.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 * import { sigintActive } from "./signals.ts";
 *
 * Python.withGil(() => {});
 * assert.equal(typeof sigintActive(), "boolean"); // true on Linux's main thread
 * ```
 */
export function sigintActive(): boolean | undefined {
  return setUpDone ? ready && enabled : undefined;
}

/**
 * Turn Ctrl-C handling on (the default) or off. Off, SIGINT gets Deno's
 * disposition inside Python too (the process ends at once, or Deno's
 * listeners run later), and an outermost scope costs nothing more. Call
 * outside `Python.withGil`.
 *
 * @example
 * ```ts
 * import { setSigintHandling } from "@pyembed/pyembed";
 * setSigintHandling(false); // Ctrl-C ends the process even inside Python
 * setSigintHandling(true);
 * ```
 */
export function setSigintHandling(on: boolean): void {
  if (depth !== 0) {
    throw new Error(
      "setSigintHandling() was called inside Python.withGil: call it outside any GIL scope",
    );
  }
  if (!on && held && rt !== null) restore(false);
  enabled = on;
}

/**
 * The outermost scope begins (the GIL was just taken): make sure CPython's
 * SIGINT disposition is installed. Never throws.
 */
export function sigintEnter(r: Runtime): void {
  if (held) {
    depth++;
    return;
  }
  if (!ready) {
    if (setUpDone || !setUp(r)) return;
  }
  if (!enabled) return;
  r.sym.sigaction!(SIGINT, pyActPtr, outerActPtr);
  held = true;
  depth++;
}

/**
 * The outermost scope's callback returned (still inside it, GIL held): throw
 * a `KeyboardInterrupt` (or what a Python signal handler raised) left
 * pending by a SIGINT that arrived while no Python code ran.
 */
export function sigintCheck(): void {
  if (held && signalError !== null && rt!.sym.PyErr_CheckSignals() !== 0) {
    throw signalError();
  }
}

/**
 * The outermost scope ends: queue the microtask that gives SIGINT back to
 * Deno once the task's synchronous code is done. Never throws.
 */
export function sigintLeave(): void {
  if (!held) return;
  depth--;
  if (!queued) {
    queued = true;
    queueMicrotask(restoreTask);
  }
}

function restoreTask(): void {
  queued = false;
  if (held && depth === 0 && rt !== null) restore(true);
}

/**
 * Put Deno's disposition back (GIL taken here). With `reraise`, a
 * `KeyboardInterrupt` still pending is a SIGINT no Python code saw: raised
 * again, to Deno's disposition.
 */
function restore(reraise: boolean): void {
  const sym = rt!.sym;
  const g = sym.PyGILState_Ensure();
  let again = false;
  try {
    sym.sigaction!(SIGINT, outerActPtr, foundActPtr);
    held = false;
    if (foundAct[0] !== pyAct[0]) changedInside(sym);
    if (reraise && sym.PyErr_CheckSignals() !== 0) {
      again = sym.PyErr_ExceptionMatches(keyboardInterrupt) !== 0;
      if (again) sym.PyErr_Clear();
      else sym.PyErr_WriteUnraisable(null); // a Python handler's own error
    }
  } finally {
    sym.PyGILState_Release(g);
  }
  if (again) sym.raise!(SIGINT);
}

/**
 * Python code changed SIGINT's disposition while it held it: SIG_DFL,
 * SIG_IGN or CPython's handler is Python's choice, kept for next time; a
 * handler from outside Python stays installed.
 */
function changedInside(sym: Runtime["sym"]): void {
  const h = foundAct[0];
  if (h === 0n || h === 1n || h === pyHandler) {
    pyAct.set(foundAct);
  } else {
    sym.sigaction!(SIGINT, foundActPtr, null);
    outerAct.set(foundAct);
  }
}

/**
 * Once, in the first outermost scope (GIL held, before its callback): make
 * Python's SIGINT handler `signal.default_int_handler` (SIG_IGN and a
 * handler Python code set are kept), learn CPython's disposition, put back
 * the one outside, and make Deno install its own handler now. Never throws;
 * false when SIGINT is left alone.
 */
function setUp(r: Runtime): boolean {
  setUpDone = true;
  const sym = r.sym;
  const sigaction = sym.sigaction;
  if (sigaction === null || sym.raise === null) return false;
  try {
    pyActPtr = Deno.UnsafePointer.of(pyAct);
    outerActPtr = Deno.UnsafePointer.of(outerAct);
    foundActPtr = Deno.UnsafePointer.of(foundAct);
    if (sigaction(SIGINT, null, outerActPtr) !== 0) return false;
    const builtins = sym.PyEval_GetBuiltins();
    const ns = builtins === null ? null : newNamespace(sym, builtins);
    if (ns === null) {
      sym.PyErr_Clear();
      return false;
    }
    try {
      const ok = run(sym, ns, SETUP_CODE);
      sigaction(SIGINT, null, foundActPtr);
      const handler = foundAct[0];
      if (!ok || handler <= 1n || !run(sym, ns, KEEP_CODE)) {
        sigaction(SIGINT, outerActPtr, null);
        return false;
      }
      sigaction(SIGINT, outerActPtr, pyActPtr);
      pyHandler = handler;
      const name = sym.PyUnicode_InternFromString(cstr("KeyboardInterrupt"));
      if (name === null) return false;
      keyboardInterrupt = sym.PyDict_GetItemWithError(builtins, name);
      sym.Py_DecRef(name);
      if (keyboardInterrupt === null) return false;
      sym.Py_IncRef(keyboardInterrupt);
    } finally {
      sym.Py_DecRef(ns);
    }
    if (outerAct[0] === pyHandler) {
      // CPython's handler was outside Python already (`signal` imported
      // while SIGINT was SIG_DFL): outside, it is SIG_DFL again.
      outerAct.fill(0n);
      sigaction(SIGINT, outerActPtr, null);
    }
    if (outerAct[0] === 0n) {
      // Let Deno install its handler now, over SIG_DFL, so that it never
      // chains to CPython's (see the module doc). No listener is left.
      try {
        const noop = (): void => {};
        Deno.addSignalListener("SIGINT", noop);
        Deno.removeSignalListener("SIGINT", noop);
        sigaction(SIGINT, null, outerActPtr);
      } catch { /* no signal API here (a Worker): SIG_DFL stays */ }
    }
    rt = r;
    ready = true;
    return true;
  } catch {
    return false;
  }
}

/** Run `code` in `ns`; false (and no exception left set) when it raised. */
function run(sym: Runtime["sym"], ns: Ptr, code: string): boolean {
  if (runSource(sym, ns, code, "<pyembed>")) return true;
  sym.PyErr_Clear();
  return false;
}

// `signal.signal` raises ValueError outside CPython's main thread (the JS
// thread of an isolate that took CPython over from an ended one), where
// Python never runs signal handlers: SIGINT is then left alone.
const SETUP_CODE = [
  "import signal",
  "h = signal.getsignal(signal.SIGINT)",
  "signal.signal(signal.SIGINT, signal.default_int_handler)",
  "",
].join("\n");

// Once CPython's handler address is known: keep SIG_IGN (SIGINT was ignored
// when `signal` was imported; python3 keeps ignoring it) or a handler Python
// code set; None (a disposition CPython did not install) and SIG_DFL become
// default_int_handler, as in python3.
const KEEP_CODE = [
  "if h is signal.SIG_IGN or (callable(h) and h is not signal.default_int_handler):",
  "    signal.signal(signal.SIGINT, h)",
  "",
].join("\n");
