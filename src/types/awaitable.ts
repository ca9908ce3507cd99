/**
 * Coroutines and Promises across the boundary (issue 11, item 4), the pair
 * pyo3-async-runtimes calls `into_future` and `future_into_py`:
 *
 * - **A Python awaitable becomes a Promise**: `obj.awaitAsync(extract?)`
 *   submits it (`asyncio.run_coroutine_threadsafe`) to an asyncio event loop
 *   this library runs on a daemon Python thread of its own, started on first
 *   use (an asyncio Future or Task of another running loop is awaited on its
 *   own loop). The JS side waits through the async API (`callAsync` of the
 *   `concurrent.futures.Future`'s `result`), so the JS event loop stays free
 *   while the coroutine runs, and TypeScript functions the coroutine calls
 *   run on the JS thread (`../core/threads.ts`). An `AbortSignal` cancels the
 *   task; a cancelled task rejects with `CancelledError`.
 * - **A Promise becomes a Python awaitable**: a TypeScript function that
 *   returns a Promise (or any thenable) gives Python a `TypeScriptPromise`,
 *   which `await` works on in any coroutine on any thread's running loop
 *   (`asyncio.wrap_future` over a `concurrent.futures.Future`, which is
 *   thread-safe). When the Promise settles, the JS thread takes the GIL and
 *   sets the result (the value converted as a return value is) or the
 *   exception (the rejection converted as a thrown error is: a `PyErr` as
 *   itself, anything else as `RuntimeError` with the JS message). If the
 *   awaiting task was cancelled first, the outcome is dropped.
 *
 * Awaiting a `TypeScriptPromise` on the JS thread itself (an event loop run
 * by synchronous `py.run` code) would wait for the JS thread forever: it
 * raises `RuntimeError` instead, as `result()` does there.
 *
 * @module
 */

import { toPy } from "../core/convert.ts";
import { callPy, runKit } from "../core/kit.ts";
import { restoreError } from "../core/err.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { callAsyncOn, checkExtractor, hostOf, settle } from "./async.ts";
import { type FromPyObject, ptrOf, PyAny, wrap } from "./any.ts";
import type { Py } from "./py.ts";
import type { PythonBase } from "./python.ts";

/** The Python half, run once per isolate in a private namespace. */
const AWAIT_SOURCE = String.raw`
import asyncio, concurrent.futures, inspect, threading

__pyembed_internal__ = True  # the async job's traceback skips these frames
js_thread = threading.get_ident()
_loop = None
_lock = threading.Lock()


def loop():
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            l = asyncio.new_event_loop()
            started = threading.Event()

            def run():
                asyncio.set_event_loop(l)
                l.call_soon(started.set)
                l.run_forever()

            threading.Thread(target=run, name="pyembed-asyncio", daemon=True).start()
            started.wait()
            _loop = l
        return _loop


async def _await(aw):
    return await aw


def submit(aw):
    if asyncio.isfuture(aw):
        target = aw.get_loop()
        if target.is_closed() or not target.is_running():
            raise RuntimeError(
                "awaitAsync(): this asyncio Future belongs to an event loop that is not running, "
                "so it can never complete: await a coroutine instead, or run its loop")
    elif inspect.isawaitable(aw):
        target = loop()
    else:
        raise TypeError(
            f"awaitAsync(): object {type(aw).__name__} can't be used in 'await' expression")
    return asyncio.run_coroutine_threadsafe(_await(aw), target)


def wait(cf):
    try:
        return cf.result()
    except BaseException as e:
        # Start the traceback where the coroutine's own frames do.
        tb = e.__traceback__
        while tb is not None and (tb.tb_frame.f_globals is globals()
                                  or tb.tb_frame.f_code.co_filename.endswith(
                                      ("concurrent/futures/_base.py", "asyncio/futures.py",
                                       "asyncio/tasks.py"))):
            tb = tb.tb_next
        raise e.with_traceback(tb)


def cancel(cf):
    cf.cancel()


class TypeScriptPromise:
    """What a TypeScript function returned: a JavaScript Promise. Await it
    in a coroutine; result() waits for it from a thread that is not the JS
    thread."""

    __slots__ = ("_cf", "_name")

    def __init__(self, name):
        self._cf = concurrent.futures.Future()
        self._name = name

    def _check(self, what):
        if threading.get_ident() == js_thread:
            raise RuntimeError(
                f"{what} a Promise on the JS thread: the Promise settles only when the JS thread is "
                "free, and this waits in it, so it would never return. Run the coroutine with "
                "awaitAsync() (it runs on pyembed's asyncio thread), or wait from another thread")

    def __await__(self):
        self._check("awaiting")
        return (yield from asyncio.wrap_future(self._cf).__await__())

    def result(self, timeout=None):
        self._check("TypeScriptPromise.result() waits for")
        return self._cf.result(timeout)

    def done(self):
        return self._cf.done()

    def __repr__(self):
        cf = self._cf
        state = ("cancelled" if cf.cancelled() else "rejected" if cf.exception() is not None
                 else "fulfilled") if cf.done() else "pending"
        return f"<TypeScriptPromise of {self._name}() {state}>"


def settle(p, ok, v):
    try:
        if ok:
            p._cf.set_result(v)
        else:
            p._cf.set_exception(v)
    except concurrent.futures.InvalidStateError:
        pass  # the awaiting task was cancelled: the outcome is dropped
`;

interface Machine {
  submit: Ptr;
  wait: Ptr;
  cancel: Ptr;
  promise: Ptr;
  settle: Ptr;
}

let machine: Machine | null = null;

/** The Python side, made on first use (GIL held). Lives for the process. */
function getMachine(): Machine {
  return machine ??= (() => {
    const k = runKit(AWAIT_SOURCE, "<pyembed-await>", [
      "submit",
      "wait",
      "cancel",
      "TypeScriptPromise",
      "settle",
    ]);
    return {
      submit: k.submit,
      wait: k.wait,
      cancel: k.cancel,
      promise: k.TypeScriptPromise,
      settle: k.settle,
    };
  })();
}

/** `f(*args)` (GIL held): a new reference, or throws the Python error. */
function call(f: Ptr, ...args: Ptr[]): Ptr {
  return callPy(f, args);
}

/**
 * Options of `PyAny.awaitAsync`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyErr, Python } from "@pyembed/pyembed";
 *
 * const ac = new AbortController();
 * const job = Python.withGil((py) =>
 *   py.eval("__import__('asyncio').sleep(5)").awaitAsync(undefined, { signal: ac.signal })
 * );
 * ac.abort();
 * await assert.rejects(job, (e) => e instanceof PyErr && e.typeName === "CancelledError");
 * ```
 */
export interface AwaitOptions {
  /** Cancels the Python task (the Promise then rejects with `CancelledError`). */
  signal?: AbortSignal;
}

/**
 * Internal: `obj.awaitAsync(extract, options)` on a tier object (see
 * `PyAny.awaitAsync`). Never throws: every error rejects the Promise.
 */
export function awaitAsyncOn<T>(
  obj: PyAny,
  extract: FromPyObject<T> | undefined,
  options: AwaitOptions | undefined,
): Promise<T | Py<PyAny>> {
  return settle(() => {
    const p = ptrOf(obj); // brand, liveness and GIL checks
    checkExtractor(extract, "awaitAsync(extract)");
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(
        "awaitAsync(extract, options): options.signal must be an AbortSignal",
      );
    }
    const py = obj.py();
    const host = hostOf(py);
    const sym = runtime().sym;
    const m = getMachine();
    const cf = call(m.submit, p);
    const job = callAsyncOn(
      wrap(py, (sym.Py_IncRef(m.wait), m.wait), PyAny),
      [wrap(py, (sym.Py_IncRef(cf), cf), PyAny)],
      undefined,
      extract,
    );
    if (signal === undefined) {
      sym.Py_DecRef(cf);
      return job;
    }
    // The future is kept (a strong reference) until the job settles, for
    // the abort listener.
    let held = true;
    const onAbort = (): void => {
      if (!held) return;
      host.withGil(() => sym.Py_DecRef(call(m.cancel, cf)));
    };
    const release = (): void => {
      signal.removeEventListener("abort", onAbort);
      if (!held) return;
      held = false;
      host.withGil(() => sym.Py_DecRef(cf));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort);
    return job.finally(release);
  });
}

const outType = new BigUint64Array(1);
const outValue = new BigUint64Array(1);
const outTb = new BigUint64Array(1);

/** The Python exception object a thrown JS value becomes (GIL held): a new reference. */
function exceptionOf(e: unknown): Ptr {
  const sym = runtime().sym;
  restoreError(e);
  sym.PyErr_Fetch(outType, outValue, outTb);
  sym.PyErr_NormalizeException(outType, outValue, outTb);
  const t = Deno.UnsafePointer.create(outType[0]);
  const v = Deno.UnsafePointer.create(outValue[0])!;
  const tb = Deno.UnsafePointer.create(outTb[0]);
  if (tb !== null) {
    sym.PyException_SetTraceback(v, tb);
    sym.Py_DecRef(tb);
  }
  if (t !== null) sym.Py_DecRef(t);
  return v;
}

/**
 * Internal, for `pyfunction`: the `TypeScriptPromise` Python gets for the
 * thenable `p` a TypeScript function `name` returned (GIL held, in the
 * call's scope; a new reference). `py` is the call's token: its tier's
 * `withGil` settles the Python side when `p` settles.
 */
export function promiseToPy(
  p: PromiseLike<unknown>,
  py: PythonBase,
  name: string,
): Ptr {
  const sym = runtime().sym;
  const host = hostOf(py);
  const m = getMachine();
  const nameStr = toPy(name, py);
  let obj: Ptr;
  try {
    obj = call(m.promise, nameStr);
  } finally {
    sym.Py_DecRef(nameStr);
  }
  sym.Py_IncRef(obj); // JS's own reference, until the Promise settles
  const done = (ok: boolean, v: unknown): void => {
    host.withGil((py2) => {
      try {
        let value: Ptr;
        if (ok) {
          try {
            value = toPy(v, py2);
          } catch (e) {
            ok = false;
            value = exceptionOf(e);
          }
        } else {
          value = exceptionOf(v);
        }
        const flag = toPy(ok, py2);
        try {
          sym.Py_DecRef(call(m.settle, obj, flag, value));
        } finally {
          sym.Py_DecRef(flag);
          sym.Py_DecRef(value);
        }
      } catch {
        sym.PyErr_Clear(); // nothing to report to: Python will not see it
      } finally {
        sym.Py_DecRef(obj);
      }
    });
  };
  Promise.resolve(p).then(
    (v) => done(true, v),
    (e) => done(false, e),
  );
  return obj;
}
