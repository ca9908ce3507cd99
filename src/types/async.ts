/**
 * Python calls off the JS thread (issue 11, item 3): `obj.callAsync(...)`,
 * `Python.runAsync(code)`, `Python.evalAsync(code)`, `Python.callAsync(fn)`.
 *
 * How a job runs, with no native code:
 * - once per isolate, Python code makes a `ctypes.CFUNCTYPE(c_int, c_int64)`
 *   entry, `_run(id)`, kept alive for the life of the process. A ctypes
 *   callback takes the GIL itself (`PyGILState_Ensure`) on whatever thread
 *   calls it, and releases it when it returns;
 * - on the JS thread, with the GIL, a job `(callable, args, kwargs)` is put
 *   in a Python dict under a fresh id (strong references: the job owns what
 *   it needs, whatever happens to the caller's scope), then the entry is
 *   called through a `Deno.UnsafeFnPointer` declared `nonblocking: true`:
 *   Deno runs it on its blocking thread pool and returns a Promise, so the
 *   JS thread goes back to its event loop;
 * - on that thread `_run` pops the job, calls `callable(*args, **kwargs)`
 *   and stores `(True, result)` or `(False, exception)` in a second dict
 *   (its own frame is cut from the traceback, so the traceback starts where
 *   a synchronous call's does);
 * - when the Promise resolves, the JS thread takes the GIL in a scope of the
 *   caller's tier, pops the outcome, and resolves with a `Py` (or the
 *   extractor's JS value), or rejects with the typed `PyErr` (its exception
 *   object kept as a GIL-independent reference, with its traceback).
 *
 * Around every job the JS thread calls `enterForeignWork()` (before the job
 * may start) and `leaveForeignWork()` (after its outcome was taken), both
 * with the GIL held, so TypeScript functions the job calls from its thread
 * are routed to the JS thread (`../core/threads.ts`).
 *
 * @module
 */

import {
  arrayToTuple,
  borrowedPtr,
  compileSource,
  toPy,
  TpFlags,
  typeFlags,
  typeName,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { runKit } from "../core/kit.ts";
import { PyErr } from "./err.ts";
import { PyTypeError } from "./exceptions.ts";
import { detachedFromScopes, gilHeld } from "../core/gil.ts";
import {
  cstr,
  EVAL_INPUT,
  FILE_INPUT,
  type Ptr,
  runtime,
} from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { enterForeignWork, leaveForeignWork } from "../core/threads.ts";
import { type FromPyObject, type Kwargs, ptrOf, PyAny, wrap } from "./any.ts";
import { type Py, pyFromOwned } from "./py.ts";
import type { PythonBase } from "./python.ts";

/**
 * What a `Python` class offers the async forms: its own `withGil`, so the
 * scopes they open (to prepare a job, to take its outcome) are of that
 * class's tier.
 */
export interface GilHost {
  /** The tier's `Python.withGil`. */
  withGil<R>(f: (py: PythonBase) => R): R;
}

/** The Python half, run once per isolate in a private namespace. */
const ASYNC_SOURCE = String.raw`
import ctypes

__pyembed_internal__ = True
jobs = {}   # id -> (callable, args, kwargs or None), until a thread takes it
done = {}   # id -> (True, result) or (False, exception), until JS takes it


def _run(i):
    job = jobs.pop(i, None)
    if job is None:
        return 2
    f, a, k = job
    job = None
    try:
        r = f(*a) if k is None else f(*a, **k)
    except BaseException as e:
        tb = e.__traceback__
        # Start where a synchronous call's does: skip this frame and those of
        # pyembed's own helpers (awaitable.ts's wait).
        while tb is not None and tb.tb_frame.f_globals.get("__pyembed_internal__"):
            tb = tb.tb_next
        e.__traceback__ = tb
        done[i] = (False, e)
        return 1
    done[i] = (True, r)
    return 0


entry = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64)(_run)
address = ctypes.cast(entry, ctypes.c_void_p).value
`;

const ENTRY = {
  parameters: ["i64"],
  result: "i32",
  nonblocking: true,
} as const;

interface Machine {
  /** The ctypes function object behind `entry` (kept for the life of the process). */
  owner: Ptr;
  jobs: Ptr;
  done: Ptr;
  entry: Deno.UnsafeFnPointer<typeof ENTRY>;
}

let machine: Machine | null = null;
let nextId = 1;

/** The Python side, made on first use (GIL held). */
function getMachine(): Machine {
  if (machine !== null) return machine;
  const sym = runtime().sym;
  let kit;
  try {
    // `entry` is kept (a reference for the life of the process): it owns
    // the C function at `address`, and through `_run` the namespace.
    kit = runKit(ASYNC_SOURCE, "<pyembed-async>", [
      "jobs",
      "done",
      "entry",
      "address",
    ]);
  } catch (e) {
    throw asyncUnavailable(e as Error);
  }
  const address = BigInt(sym.PyLong_AsDouble(kit.address));
  const entry = new Deno.UnsafeFnPointer(
    Deno.UnsafePointer.create(address)!,
    ENTRY,
  );
  machine = { owner: kit.entry, jobs: kit.jobs, done: kit.done, entry };
  return machine;
}

function asyncUnavailable(cause: Error): Error {
  return new Error(
    `pyembed's async API needs Python's ctypes module, which failed to load: ${cause.message}`,
    { cause },
  );
}

/** Is `e` a usable extractor (an object with an `extract` method)? */
export function checkExtractor(e: unknown, where: string): void {
  if (e === undefined) return;
  let ok = false;
  try {
    ok = (typeof e === "object" || typeof e === "function") && e !== null &&
      typeof (e as { extract?: unknown }).extract === "function";
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new TypeError(
      `${where}: the extractor must be a FromPyObject (Extract.int, Extract.list(Extract.str), ` +
        `or an object with an extract(obj) method), got ${describe(e)}`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "a JS object" : `a JS ${typeof v}`;
}

/** How a job's result becomes the Promise's value (GIL held, in a host scope). */
type Finish<T> = (py: PythonBase, result: Ptr) => T;

/** `Py<PyAny>` of the new reference `p`. */
const toPyRef: Finish<Py<PyAny>> = (_py, p) => pyFromOwned(p, PyAny);
/** Drop the result (`runAsync`). */
const discard: Finish<void> = (_py, p) => runtime().sym.Py_DecRef(p);

function finisher<T>(
  extract: FromPyObject<T> | undefined,
): Finish<T | Py<PyAny>> {
  if (extract === undefined) return toPyRef;
  // The result is owned by the completion scope and released when it ends,
  // whatever the extractor does.
  return (py, p) => extract.extract(wrap(py, p, PyAny));
}

/** A started job: its id and the Promise of the entry call's status. */
interface Started {
  id: number;
  m: Machine;
  running: Promise<number>;
}

/**
 * Queue the job `(f, a, k)` (new references, stolen, also on failure) and
 * start it on Deno's blocking thread pool. The GIL is held (by any scope of
 * this JS thread). Returns a plain object, not a Promise: it may leave a
 * `withGil` callback.
 */
function start(f: Ptr, a: Ptr, k: Ptr | null): Started {
  const r = runtime();
  const sym = r.sym;
  let m: Machine;
  let job: Ptr | null;
  try {
    m = getMachine();
    job = sym.PyTuple_New(ssize(3));
    if (job === null) throw fetchError();
  } catch (e) {
    sym.Py_DecRef(f);
    sym.Py_DecRef(a);
    if (k !== null) sym.Py_DecRef(k);
    throw e;
  }
  if (k === null) {
    k = r.none;
    sym.Py_IncRef(k);
  }
  sym.PyTuple_SetItem(job, ssize(0), f);
  sym.PyTuple_SetItem(job, ssize(1), a);
  sym.PyTuple_SetItem(job, ssize(2), k);
  const id = nextId++;
  const key = idKey(id);
  const rc = sym.PyDict_SetItem(m.jobs, key, job);
  sym.Py_DecRef(job);
  if (rc !== 0) {
    sym.Py_DecRef(key);
    throw fetchError();
  }
  let running: Promise<number>;
  try {
    enterForeignWork();
    try {
      running = m.entry.call(BigInt(id));
    } catch (e) {
      leaveForeignWork();
      throw e;
    }
  } catch (e) {
    if (sym.PyDict_DelItem(m.jobs, key) !== 0) sym.PyErr_Clear();
    sym.Py_DecRef(key);
    throw e;
  }
  sym.Py_DecRef(key);
  return { id, m, running };
}

/**
 * The Promise of a started job's outcome, taken (GIL held) in a
 * `host.withGil` scope when its thread is done, and turned into the
 * Promise's value by `finish`.
 */
function outcome<T>(
  host: GilHost,
  { id, m, running }: Started,
  finish: Finish<T>,
  site: CallSite,
): Promise<T> {
  const complete = (status: number | null, failure?: unknown): T =>
    host.withGil((py) => {
      let result: Ptr | null = null;
      let error: { e: unknown } | null = null;
      try {
        if (status === null) {
          dropJob(m, id);
          throw failure;
        }
        result = takeOutcome(m, id, status);
      } catch (e) {
        error = { e };
      }
      try {
        leaveForeignWork();
      } catch (e) {
        if (result !== null) runtime().sym.Py_DecRef(result);
        throw e;
      }
      if (error !== null) throw error.e;
      return finish(py, result!);
    });
  return running.then(
    (status) => complete(status),
    (failure) => complete(null, failure),
  ).then(undefined, (e) => {
    if (e instanceof PyErr) showCallSite(e, site);
    throw e;
  });
}

/** Where a job was started: the JS frames, captured (not formatted) at the call. */
interface CallSite {
  stack?: string;
}

/**
 * The caller's frames, captured cheaply now (about 2-3 µs; formatted only
 * if the job fails); `from` and the frames it called are left out.
 */
function callSite(from: (...args: never[]) => unknown): CallSite {
  const site: CallSite = {};
  Error.captureStackTrace(site, from);
  return site;
}

/**
 * Make `err.stack` the Python traceback followed by the JS frames that
 * started the job (the frames V8 captured are this module's completion
 * code). A string Deno prints as is for an unhandled rejection.
 */
function showCallSite(err: PyErr, site: CallSite): void {
  Object.defineProperty(err, "stack", {
    configurable: true,
    enumerable: false,
    get: (): string => {
      let frames = "";
      try {
        const s = site.stack ?? "";
        const nl = s.indexOf("\n");
        frames = nl < 0 ? "" : s.slice(nl);
      } catch {
        // no frames
      }
      const js = `${err.name}: ${err.message}${frames}`;
      const tb = err.traceback;
      return tb ? `${tb.trimEnd()}\n\nJavaScript stack:\n${js}` : js;
    },
  });
}

function idKey(id: number): Ptr {
  const key = runtime().sym.PyLong_FromDouble(id);
  if (key === null) throw fetchError();
  return key;
}

/** Forget job `id` wherever it is (its thread never ran it). */
function dropJob(m: Machine, id: number): void {
  const sym = runtime().sym;
  const key = idKey(id);
  for (const table of [m.jobs, m.done]) {
    if (sym.PyDict_Contains(table, key) === 1) {
      if (sym.PyDict_DelItem(table, key) !== 0) sym.PyErr_Clear();
    }
  }
  if (sym.PyErr_Occurred() !== null) sym.PyErr_Clear();
  sym.Py_DecRef(key);
}

/**
 * Pop job `id`'s outcome (GIL held): the result as a new reference, or
 * throw its exception as a `PyErr` with its traceback.
 */
function takeOutcome(m: Machine, id: number, status: number): Ptr {
  const r = runtime();
  const sym = r.sym;
  const key = idKey(id);
  const pair = sym.PyDict_GetItemWithError(m.done, key);
  if (pair === null) {
    sym.Py_DecRef(key);
    if (sym.PyErr_Occurred() !== null) throw fetchError();
    dropJob(m, id);
    throw new Error(
      `pyembed internal error: async job ${id} ended (status ${status}) without a result ` +
        "(see stderr for a Python traceback)",
    );
  }
  sym.Py_IncRef(pair);
  if (sym.PyDict_DelItem(m.done, key) !== 0) sym.PyErr_Clear();
  sym.Py_DecRef(key);
  const ok = sym.PyObject_IsTrue(sym.PyTuple_GetItem(pair, ssize(0))!) === 1;
  const value = sym.PyTuple_GetItem(pair, ssize(1))!;
  sym.Py_IncRef(value);
  sym.Py_DecRef(pair);
  if (ok) return value;
  // Raise the job's exception object itself (its traceback included) and
  // fetch it as a PyErr: thrown out of the completion scope, it keeps its
  // object as a GIL-independent reference.
  const type = sym.PyObject_Type(value)!;
  const tb = sym.PyException_GetTraceback(value);
  sym.PyErr_Restore(type, value, tb); // steals all three
  throw fetchError();
}

/** Run `f` and turn a synchronous throw into a rejected Promise. */
/**
 * `f()`, or a rejection with what it threw. The Promise owns nothing of any
 * scope, so a `withGil` callback may return it.
 */
export function settle<T>(f: () => Promise<T>): Promise<T> {
  let p: Promise<T>;
  try {
    p = f();
  } catch (e) {
    p = Promise.reject(e);
  }
  return detachedFromScopes(p);
}

export function hostOf(py: PythonBase): GilHost {
  const host = py.constructor as unknown as Partial<GilHost>;
  if (typeof host.withGil !== "function") {
    throw new TypeError(
      "callAsync: this object's token has no Python.withGil (use an object from a tier's Python.withGil)",
    );
  }
  return host as GilHost;
}

function checkArgs(args: unknown, where: string): void {
  if (args !== undefined && !Array.isArray(args)) {
    throw new TypeError(
      `${where}: args must be an array of positional arguments (or undefined), got ${
        describe(args)
      }`,
    );
  }
}

/** The job `(callable, args, kwargs)` for a call (GIL held); new references. */
function callJob(
  py: PythonBase,
  callable: Ptr,
  args: readonly unknown[] | undefined,
  kwargs: Kwargs | undefined,
): [Ptr, Ptr, Ptr | null] {
  const sym = runtime().sym;
  const a = arrayToTuple(args ?? [], py);
  let k: Ptr | null = null;
  if (kwargs !== undefined) {
    try {
      k = toPy(kwargs, py);
    } catch (e) {
      sym.Py_DecRef(a);
      throw e;
    }
  }
  sym.Py_IncRef(callable);
  return [callable, a, k];
}

/**
 * Internal: `obj.callAsync(args, kwargs, extract)` on a tier object (see
 * `PyAny.callAsync`). Never throws: every error rejects the Promise.
 */
export function callAsyncOn<T>(
  obj: PyAny,
  args: readonly unknown[] | undefined,
  kwargs: Kwargs | undefined,
  extract: FromPyObject<T> | undefined,
): Promise<T | Py<PyAny>> {
  const site = callSite(callAsyncOn);
  return settle(() => {
    const p = ptrOf(obj); // brand, liveness and GIL checks
    checkArgs(args, "callAsync(args, kwargs)");
    checkExtractor(extract, "callAsync(args, kwargs, extract)");
    const py = obj.py();
    const host = hostOf(py);
    const [f, a, k] = callJob(py, p, args, kwargs);
    return outcome(host, start(f, a, k), finisher(extract), site);
  });
}

/**
 * Internal: `Python.callAsync(fn, args, kwargs, extract)`: `fn` is a tier
 * object or a `Py`, callable outside any scope.
 */
export function callAsyncStatic<T>(
  host: GilHost,
  fn: unknown,
  args: readonly unknown[] | undefined,
  kwargs: Kwargs | undefined,
  extract: FromPyObject<T> | undefined,
): Promise<T | Py<PyAny>> {
  const site = callSite(callAsyncStatic);
  return settle(() => {
    checkHost(host, "Python.callAsync");
    checkArgs(args, "Python.callAsync(fn, args, kwargs)");
    checkExtractor(extract, "Python.callAsync(fn, args, kwargs, extract)");
    const started = host.withGil((py) => {
      const p = typeof fn === "object" && fn !== null
        ? borrowedPtr(fn)
        : undefined;
      if (p === undefined) {
        throw new TypeError(
          `Python.callAsync(fn, ...): fn must be a Python object (a PyAny or a Py), got ${
            describe(fn)
          }`,
        );
      }
      const [f, a, k] = callJob(py, p, args, kwargs);
      return start(f, a, k);
    });
    return outcome(host, started, finisher(extract), site);
  });
}

function checkHost(host: unknown, where: string): void {
  if (
    typeof host !== "function" ||
    typeof (host as Partial<GilHost>).withGil !== "function"
  ) {
    throw new TypeError(
      `${where} must be called on a tier's Python class (Python.${
        where.split(".")[1]
      }(...)), not detached from it`,
    );
  }
}

/** The pointer of a `globals`/`locals` argument (a `PyDict` or `Py<PyDict>`). */
function namespaceOf(v: unknown, what: string, where: string): Ptr {
  const p = typeof v === "object" && v !== null ? borrowedPtr(v) : undefined;
  if (p === undefined) {
    throw PyTypeError.newErr(
      `${where}: ${what} must be a Python dict (a PyDict or a Py<PyDict>), not ${
        describe(v)
      }`,
    );
  }
  if ((typeFlags(runtime().sym, p) & TpFlags.Dict) === 0) {
    throw PyTypeError.newErr(`${what} must be a dict, not ${typeName(p)}`);
  }
  return p;
}

/**
 * Internal: `Python.runAsync` / `Python.evalAsync`: compile on the JS thread
 * (a SyntaxError rejects at once), run with `exec`/`eval` on another thread.
 */
export function execAsync<T>(
  host: GilHost,
  mode: "run" | "eval",
  code: unknown,
  globals: unknown,
  locals: unknown,
  extract: FromPyObject<T> | undefined,
): Promise<T | Py<PyAny> | void> {
  const where = mode === "run" ? "Python.runAsync" : "Python.evalAsync";
  const site = callSite(execAsync);
  return settle(() => {
    checkHost(host, where);
    if (typeof code !== "string") {
      throw new TypeError(
        `${where}(code): code must be a string, got ${describe(code)}`,
      );
    }
    checkExtractor(extract, `${where}(code, globals, locals, extract)`);
    const started = host.withGil(() => {
      const r = runtime();
      const sym = r.sym;
      let g: Ptr;
      if (globals !== undefined) {
        g = namespaceOf(globals, "globals", where);
      } else {
        const main = sym.PyImport_AddModule(cstr("__main__"));
        if (main === null) throw fetchError();
        g = sym.PyModule_GetDict(main)!;
      }
      const l = locals !== undefined ? namespaceOf(locals, "locals", where) : g;
      const co = compileSource(
        code,
        mode === "eval" ? "<eval>" : "<run>",
        mode === "eval" ? EVAL_INPUT : FILE_INPUT,
      );
      const fnName = mode === "eval" ? "eval" : "exec";
      const key = sym.PyUnicode_InternFromString(cstr(fnName))!;
      const f = sym.PyDict_GetItemWithError(r.builtins, key);
      sym.Py_DecRef(key);
      if (f === null) {
        sym.Py_DecRef(co);
        if (sym.PyErr_Occurred() !== null) throw fetchError();
        throw new Error(`builtins.${fnName} is missing`);
      }
      sym.Py_IncRef(f);
      const a = sym.PyTuple_New(ssize(3))!;
      sym.Py_IncRef(g);
      sym.Py_IncRef(l);
      sym.PyTuple_SetItem(a, ssize(0), co);
      sym.PyTuple_SetItem(a, ssize(1), g);
      sym.PyTuple_SetItem(a, ssize(2), l);
      return start(f, a, null);
    });
    const finish: Finish<T | Py<PyAny> | void> = mode === "run"
      ? discard
      : finisher(extract);
    return outcome(host, started, finish, site);
  });
}

/** Internal, for tests: jobs queued or finished whose outcome was not taken yet. */
export function pendingAsyncJobs(): number {
  if (machine === null || !gilHeld) return 0;
  const sym = runtime().sym;
  return Number(sym.PyDict_Size(machine.jobs)) +
    Number(sym.PyDict_Size(machine.done));
}
