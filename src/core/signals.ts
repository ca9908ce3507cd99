/**
 * Ctrl-C (SIGINT) for the embedded interpreter (issue 12, defect 5).
 *
 * **Behaviour.** While the JS thread is inside the outermost
 * `Python.withGil` (Linux, CPython's main thread), SIGINT gets CPython's own
 * disposition: Python code running there raises `KeyboardInterrupt`, which
 * reaches JS as a `PyKeyboardInterrupt` (a blocking call such as
 * `time.sleep` is interrupted, a Python handler set with `signal.signal`
 * runs instead). Outside it, SIGINT gets Deno's: the process ends as Deno
 * ends it (killed by SIGINT), or the program's `Deno.addSignalListener`
 * listeners run. `signal.getsignal(SIGINT)` is `signal.default_int_handler`
 * (SIGINT ignored at start stays ignored inside Python, as in python3) and `_thread.interrupt_main()` raises
 * `KeyboardInterrupt` in the JS thread's Python code, as in python3.
 *
 * **What Deno does** (deno 2.9.6; `ext/signals` and `signal-hook` 0.3):
 * its first `deno_signals::register` (in `deno run`, a SIGUSR1 listener
 * spawned on the JS thread's event loop after a 500 ms sleep: measured
 * between 260 and 540 ms in an idle program, never during a synchronous run)
 * installs one process-wide handler for SIGHUP, SIGTERM and SIGINT. It calls
 * the handler it replaced first (chaining), then wakes a thread of its own,
 * which runs the JS listeners or, when there are none, ends the process
 * (`emulate_default_handler`: SIG_DFL, raise). That thread ends the process
 * whatever the JS thread is doing, and a JS listener (which stops the kill)
 * only runs when the JS thread is free, which it is not during a
 * synchronous Python call. Later registrations (`Deno.addSignalListener`)
 * never install the handler again (measured: once overwritten, it stays
 * overwritten).
 *
 * **Mechanism (decision).** The outermost scope swaps the process's SIGINT
 * disposition: `sigaction(SIGINT, CPython's, &saved)` after taking the GIL,
 * `sigaction(SIGINT, &saved, &found)` before releasing it. This is the only
 * way found that is exact: which handler runs must depend on where the JS
 * thread is at the instant the signal arrives, and the kernel's disposition
 * is the only thing consulted at that instant (no C code of ours can run in
 * a signal handler, and a `Deno.UnsafeCallback` must never). Rejected:
 * - CPython's handler installed once before Deno's, so Deno chains to it:
 *   Deno's thread still ends the process (measured before this change:
 *   `import signal` at start, Deno's handler installed on top, SIGINT during
 *   a Python loop: killed by SIGINT).
 * - A permanent listener plus `PyErr_SetInterrupt` (needs no GIL) from it:
 *   the listener never runs during a synchronous Python call, and with it
 *   installed Deno no longer ends the process outside Python either.
 * - A watchdog thread (a Python thread through ctypes, or a Worker) that
 *   installs CPython's handler once a Python call has lasted some
 *   milliseconds: a few ns per scope (below), but a SIGINT early in a
 *   call, or during C code holding the GIL, would end the process instead
 *   of raising `KeyboardInterrupt`, and a thread would wake up for good.
 *
 * **Cost** (`bench/signal_bench.ts`: 100 empty outermost scopes per
 * iteration, swap on and off in the same process; CPython 3.11, deno 2.9.6,
 * a 2-core AMD EPYC VM where one `getpid` syscall takes about 160 ns; load
 * average 0.6): an empty `Python.withGil` takes 0.13-0.16 µs with the swap
 * off and 0.68-0.69 µs with it on (owned tier: 0.12-0.14 -> 0.68-0.89 µs).
 * The two `sigaction` calls take 0.47-0.51 µs (`PyGILState_Ensure` plus
 * `Release` 0.06-0.07 µs), `PyErr_CheckSignals` 9 ns. With the other core
 * busy (load 2): 0.17-0.20 -> 0.99-1.06 µs. So about +0.5 µs per outermost
 * scope, four to five times an empty one: a real cost on that hot path.
 * Nested scopes, operations and callbacks pay nothing; a loop inside one
 * scope pays it once. For comparison, the watchdog's per-scope part (two
 * typed-array writes) measured 6 ns per bench iteration, loop included.
 * `setSigintSwap(false)` removes the swap: SIGINT then gets Deno's default
 * inside Python too, and a `signal.signal(SIGINT, ...)` in Python code
 * replaces Deno's handler for good, as before this change (the setup still
 * makes `getsignal` and `interrupt_main` work).
 *
 * **Limits.** A SIGINT that arrives while JS code (not Python code) runs
 * inside the scope, or in a C function called directly from JS, is raised
 * by the next Python bytecode, or, once `err.ts` registers
 * {@linkcode setSignalErrorHook}, thrown when the outermost scope's callback
 * returns. A `Deno.addSignalListener` listener does not hear a SIGINT that
 * became `KeyboardInterrupt`. If the process's first `Deno.addSignalListener`
 * is called from inside Python (a TypeScript function called by Python),
 * Deno's handler chains to CPython's from then on, so a later SIGINT outside
 * Python is also pending in Python. Not macOS or Windows (untested there:
 * nothing is done), and not when another isolate initialized CPython (its
 * signal handlers only run in the thread that did).
 *
 * @module
 */

import { cstr, FILE_INPUT, type Ptr, type Runtime } from "./runtime.ts";

const SIGINT = 2;
/** Room for one `struct sigaction` (152 bytes on Linux glibc and musl). */
const ACT_WORDS = 32;

/** Set up (learned CPython's disposition), or gave up: never looked again. */
let setUpDone = Deno.build.os !== "linux";
/** Set up successfully: the JS thread is CPython's main thread. */
let ready = false;
/** Swap around each outermost scope (`setSigintSwap`). */
let swap = true;
/** Open outermost scopes (more than one only through `allowThreads`). */
let depth = 0;

/** CPython's disposition: what SIGINT does while the JS thread is inside Python. */
const pyAct = new BigUint64Array(ACT_WORDS);
/** The disposition outside Python (Deno's), saved by the outermost entry. */
const outerAct = new BigUint64Array(ACT_WORDS);
/** What the outermost exit found installed (normally `pyAct`). */
const foundAct = new BigUint64Array(ACT_WORDS);
let pyActPtr: Ptr | null = null;
let outerActPtr: Ptr | null = null;
let foundActPtr: Ptr | null = null;
/** The address of CPython's C signal handler (`signal_handler`). */
let pyHandler = -1n;

let signalError: (() => unknown) | null = null;

/**
 * Let a SIGINT that no Python code picked up be thrown when the outermost
 * scope's callback returns: `fetch` turns the raised Python exception into
 * its JS error (`fetchError` in `err.ts`). Without it, such a
 * `KeyboardInterrupt` stays pending and the next Python bytecode raises it,
 * as python3 does.
 *
 * @example
 * ```ts ignore
 * setSignalErrorHook(fetchError);
 * ```
 */
export function setSignalErrorHook(fetch: () => unknown): void {
  signalError = fetch;
}

/**
 * Is the SIGINT swap active? `undefined` until the first outermost
 * `Python.withGil` set it up; `false` when it could not be (not Linux, not
 * CPython's main thread) or {@linkcode setSigintSwap} turned it off.
 *
 * @example
 * ```ts ignore
 * Python.withGil(() => {});
 * console.log(sigintActive()); // true on Linux, in CPython's main thread
 * ```
 */
export function sigintActive(): boolean | undefined {
  return setUpDone ? ready && swap : undefined;
}

/**
 * Does the end of an outermost scope throw a `KeyboardInterrupt` left
 * pending (see {@linkcode setSignalErrorHook})?
 *
 * @example
 * ```ts ignore
 * console.log(sigintChecked());
 * ```
 */
export function sigintChecked(): boolean {
  return signalError !== null;
}

/**
 * Turn the swap on (the default) or off: off, SIGINT gets Deno's
 * disposition inside Python too (the process ends), and an outermost scope
 * costs nothing more. Call outside `Python.withGil`.
 *
 * @example
 * ```ts ignore
 * setSigintSwap(false);
 * ```
 */
export function setSigintSwap(on: boolean): void {
  if (depth !== 0) {
    throw new Error("setSigintSwap() called inside Python.withGil");
  }
  swap = on;
}

/**
 * The outermost scope begins (the GIL was just taken): install CPython's
 * SIGINT disposition, keeping the current one (Deno's) for
 * {@linkcode sigintLeave}. Returns whether the caller must call
 * `sigintLeave`. Never throws.
 */
export function sigintEnter(r: Runtime): boolean {
  if (!ready || !swap) {
    if (setUpDone || !setUp(r) || !swap) return false;
  }
  if (depth++ === 0) r.sym.sigaction!(SIGINT, pyActPtr, outerActPtr);
  return true;
}

/**
 * The outermost scope ends (the GIL is still held): put back the disposition
 * {@linkcode sigintEnter} found. If Python code changed SIGINT's
 * disposition meanwhile (`signal.signal`), that becomes CPython's for the
 * next scopes; if a handler from outside Python was installed meanwhile (the
 * process's first `Deno.addSignalListener`, from a TypeScript function
 * called by Python), it stays installed. Never throws.
 */
export function sigintLeave(r: Runtime): void {
  if (--depth !== 0) return;
  r.sym.sigaction!(SIGINT, outerActPtr, foundActPtr);
  if (foundAct[0] !== pyAct[0]) changedInside(r);
}

/**
 * At the end of the outermost scope's callback, inside the scope: throw the
 * `KeyboardInterrupt` (or what another Python signal handler raised) that a
 * SIGINT left pending because no Python code ran after it. Only with
 * {@linkcode setSignalErrorHook}.
 */
export function sigintCheck(r: Runtime): void {
  if (signalError !== null && r.sym.PyErr_CheckSignals() !== 0) {
    throw signalError();
  }
}

function changedInside(r: Runtime): void {
  const h = foundAct[0];
  if (h === 0n || h === 1n || h === pyHandler) {
    pyAct.set(foundAct); // SIG_DFL, SIG_IGN or CPython's handler: Python's choice
  } else {
    r.sym.sigaction!(SIGINT, foundActPtr, null); // a handler from outside Python
  }
}

/**
 * Once, in the first outermost scope (GIL held, before its callback): make
 * Python's SIGINT handler `signal.default_int_handler` (SIG_IGN and a
 * handler Python code set are kept), learn CPython's disposition, and put
 * back the one outside Python (SIG_DFL if CPython's own was left there).
 * Never throws; false when SIGINT is left alone.
 */
function setUp(r: Runtime): boolean {
  setUpDone = true;
  const sym = r.sym;
  const sigaction = sym.sigaction;
  if (sigaction === null) return false;
  try {
    pyActPtr = Deno.UnsafePointer.of(pyAct);
    outerActPtr = Deno.UnsafePointer.of(outerAct);
    foundActPtr = Deno.UnsafePointer.of(foundAct);
    if (sigaction(SIGINT, null, outerActPtr) !== 0) return false;
    const ns = sym.PyDict_New();
    if (ns === null) return false;
    try {
      const builtins = sym.PyEval_GetBuiltins();
      const key = sym.PyUnicode_InternFromString(cstr("__builtins__"));
      if (builtins === null || key === null) return false;
      sym.PyDict_SetItem(ns, key, builtins);
      sym.Py_DecRef(key);
      const ok = run(sym, ns, SETUP_CODE);
      sigaction(SIGINT, null, foundActPtr);
      const handler = foundAct[0];
      if (ok && handler > 1n && run(sym, ns, KEEP_CODE)) {
        sigaction(SIGINT, outerActPtr, pyActPtr);
        pyHandler = handler;
      } else {
        sigaction(SIGINT, outerActPtr, null);
        return false;
      }
    } finally {
      sym.Py_DecRef(ns);
    }
    if (outerAct[0] === pyHandler) {
      // CPython's handler was outside Python already (`signal` was imported
      // while SIGINT was SIG_DFL): outside Python it is SIG_DFL again.
      outerAct.fill(0n);
      sigaction(SIGINT, outerActPtr, null);
    }
    ready = true;
    return true;
  } catch {
    return false;
  }
}

/** Run `code` in `ns`; false (and no exception left set) when it raised. */
function run(sym: Runtime["sym"], ns: Ptr, code: string): boolean {
  const co = sym.Py_CompileString(cstr(code), cstr("<pyembed>"), FILE_INPUT);
  const res = co === null ? null : sym.PyEval_EvalCode(co, ns, ns);
  if (co !== null) sym.Py_DecRef(co);
  if (res === null) {
    sym.PyErr_Clear();
    return false;
  }
  sym.Py_DecRef(res);
  return true;
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
