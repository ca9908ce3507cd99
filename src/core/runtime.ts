/**
 * The process-wide CPython runtime: loading, initialization, and the handful
 * of objects every operation needs (builtin types, `None`, scratch buffers).
 *
 * @module
 */

import { type ALL_SYMBOLS, debug, loadLibrary } from "../ffi/library.ts";
import { THREADS_SOURCE } from "./threads_py.ts";
import { checkPermissionsMode, enablePermissions } from "./permissions.ts";

/** The raw symbol table type. */
export type Sym = Deno.DynamicLibrary<typeof ALL_SYMBOLS>["symbols"];
/** A non-null `PyObject*`. */
export type Ptr = Deno.PointerObject;

/** Options for `Python.initialize`. */
export interface InitializeOptions {
  /**
   * An explicit path to `libpython3.X.so`; tried first, and alone (no other
   * source is tried when it fails).
   */
  library?: string;
  /**
   * `"deno"`: apply this process's Deno permissions to Python code. A PEP 578
   * audit hook refuses, with a Python `PermissionError` naming the flag that
   * grants it (`--allow-read=/etc/passwd`), every file, network, subprocess,
   * environment-write and `ctypes` loading operation that
   * `Deno.permissions.querySync` does not report granted for the descriptor
   * Deno itself would check. Reading the directories on `sys.path` at that
   * moment (the stdlib, `site-packages`) is implied. Off by default (no hook
   * is installed); once on it stays on for the life of the process (an audit
   * hook cannot be removed), and it may be turned on after CPython was
   * initialized. Not a sandbox: see the README's Permissions section.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyPermissionError, Python } from "@pyembed/pyembed";
   *
   * Python.initialize({ permissions: "deno" });
   * Python.withGil((py) => {
   *   // run without --allow-write: Python's open() for writing is refused
   *   assert.throws(() => py.run("open('pyembed-doc-test.txt', 'w')"), PyPermissionError);
   * });
   * ```
   */
  permissions?: "deno";
}

/** `sys.version_info`-like triple of the running interpreter. */
export interface PythonVersion {
  /** Major version, 3. */
  major: number;
  /** Minor version, 8 to 13. */
  minor: number;
  /** Micro (patch) version. */
  micro: number;
  /** The full `sys.version` string. */
  full: string;
  /** `"3.11.7"`: `String(Python.version)`. */
  toString(): string;
}

/** Builtin type objects, kept alive for the life of the process. */
export interface BuiltinTypes {
  type: Ptr;
  object: Ptr;
  int: Ptr;
  float: Ptr;
  bool: Ptr;
  str: Ptr;
  bytes: Ptr;
  bytearray: Ptr;
  list: Ptr;
  tuple: Ptr;
  dict: Ptr;
  set: Ptr;
  frozenset: Ptr;
  slice: Ptr;
  module: Ptr;
  builtinFunction: Ptr;
  noneType: Ptr;
}

/** The live runtime; `null` until {@linkcode initialize}. */
export interface Runtime {
  sym: Sym;
  lib: Deno.DynamicLibrary<typeof ALL_SYMBOLS>;
  path: string;
  source: string;
  version: PythonVersion;
  types: BuiltinTypes;
  none: Ptr;
  true_: Ptr;
  false_: Ptr;
  builtins: Ptr;
  /** The `PyThreadState*` saved after initialization released the GIL. */
  mainThreadState: Deno.PointerValue;
  /** `threading.get_ident()` of the thread running JavaScript. */
  jsThreadIdent: bigint | number;
}

let rt: Runtime | null = null;

/** Py_file_input / Py_eval_input for `Py_CompileString`. */
export const FILE_INPUT = 257;
/** Py_eval_input. */
export const EVAL_INPUT = 258;

const enc = new TextEncoder();
/** A NUL-terminated UTF-8 copy of `s`, for `const char*` parameters. */
export function cstr(s: string): Uint8Array<ArrayBuffer> {
  return enc.encode(s + "\0") as Uint8Array<ArrayBuffer>;
}

/**
 * A new dict whose `__builtins__` is `builtins` (the GIL held): the fresh
 * namespace every piece of pyembed's own Python source runs in. `null`, with
 * the Python error set, if it could not be made.
 */
export function newNamespace(sym: Sym, builtins: Ptr): Ptr | null {
  const ns = sym.PyDict_New();
  if (ns === null) return null;
  const key = sym.PyUnicode_InternFromString(cstr("__builtins__"));
  const rc = key === null ? -1 : sym.PyDict_SetItem(ns, key, builtins);
  if (key !== null) sym.Py_DecRef(key);
  if (rc !== 0) {
    sym.Py_DecRef(ns);
    return null;
  }
  return ns;
}

/**
 * Compile `code` (pyembed's own source: well-formed, no NUL) as a file named
 * `filename` and run it in `ns` (the GIL held). `false`, with the Python
 * error set, when compiling or running it raised: the caller chooses what
 * that error becomes (a thrown `PyErr`, a message, nothing).
 */
export function runSource(
  sym: Sym,
  ns: Ptr,
  code: string,
  filename: string,
): boolean {
  const co = sym.Py_CompileString(cstr(code), cstr(filename), FILE_INPUT);
  const res = co === null ? null : sym.PyEval_EvalCode(co, ns, ns);
  if (co !== null) sym.Py_DecRef(co);
  if (res === null) return false;
  sym.Py_DecRef(res);
  return true;
}

/**
 * Does the JS thread hold the GIL right now (inside a scope, outside
 * `allowThreads`)? Written only by `gil.ts` through {@linkcode setGilHeld}.
 */
export let gilHeld = false;
/** Is the GIL released by `py.allowThreads` (rather than no scope being open)? */
let inAllowThreads = false;

/**
 * Internal to `gil.ts`: record that the JS thread took or released the GIL
 * (`allowThreads` says whether it was released by `py.allowThreads`).
 */
export function setGilHeld(held: boolean, allowThreads = false): void {
  gilHeld = held;
  inAllowThreads = !held && allowThreads;
}

/** The error for a use while the GIL is released (inside allowThreads or outside any scope). */
export function noGilError(): Error {
  return new Error(
    inAllowThreads
      ? "Python object used without the GIL: inside py.allowThreads(...) the GIL is released. " +
        "Use Python objects before or after the allowThreads callback, not inside it."
      : "This Python object was released (its Python.withGil scope ended), or Python is used outside " +
        "Python.withGil: objects and tokens are released when the scope that made them ends, and " +
        "nothing may touch Python without the GIL. Use them inside their scope, or keep an object with " +
        "Py.from(obj) (stable) / obj.unbind() (experimental) and p.bind(py) it in a new Python.withGil.",
  );
}

/**
 * The runtime, for code that calls CPython: throws {@linkcode noGilError}
 * unless the JS thread holds the GIL. This is the one gate between the
 * library and the symbol table, so no operation can touch a reference
 * count or call CPython without the GIL, whatever order its checks run in.
 * (Holding the GIL implies the runtime is initialized.)
 */
export function runtime(): Runtime {
  if (!gilHeld) throw noGilError();
  return rt!;
}

/**
 * The runtime without the GIL, initializing it on first use: only for GIL
 * management (`PyGILState_*`, `PyEval_SaveThread`), initialization and
 * metadata (`Python.version`). Never call other CPython functions through it.
 */
export function loadedRuntime(): Runtime {
  return rt ?? initialize();
}

/** Has {@linkcode initialize} completed? */
export function isInitialized(): boolean {
  return rt !== null;
}

function must(p: Deno.PointerValue, what: string): Ptr {
  if (p === null) throw new Error(`CPython initialization failed: ${what}`);
  return p;
}

type LoadedLibrary = ReturnType<typeof loadLibrary>;

/**
 * A library whose `Py_InitializeEx` ran but whose initialization failed
 * after it: CPython cannot be unloaded, so a later call retries with it.
 */
let pinned: LoadedLibrary | null = null;

/**
 * Load libpython and initialize CPython once (`Py_InitializeEx(0)`, then
 * release the GIL, as PyO3's `prepare_freethreaded_python`). Idempotent.
 *
 * **One isolate at a time** (issue 10, case 9). Every isolate (the main
 * thread, each Worker, each `deno test` module) has its own copy of this
 * module, but the process has one CPython. So:
 * - initialization runs under a process-wide lock (`lockProcess` in
 *   `src/ffi/library.ts`: a Linux abstract Unix socket named after the
 *   process), so two isolates initializing at the same moment are
 *   serialized;
 * - under the lock the owner is recorded in Python, `sys._pyembed_owner`
 *   (an isolate token kept on `globalThis`, and whether it is a Worker), and
 *   it holds the process-wide owner mark (`holdOwnerMark`, another abstract
 *   socket) while it lives. Any other isolate gets an Error saying CPython
 *   is owned by another isolate (the main thread or a Worker) and what to
 *   do. TypeScript functions handed to Python can only be made by the
 *   owner, so Python never enters another live isolate's code;
 * - an owner that is not a Worker releases the mark when its isolate ends
 *   (its `unload` event; each `deno test` module is such an isolate;
 *   closing a socket needs no GIL, so an ending isolate never waits on
 *   Python). The next isolate to initialize takes CPython over and first
 *   disables every TypeScript function Python still holds (they are all
 *   ended isolates'): its `PyMethodDef` is pointed away from the dead
 *   trampoline, so a call raises `RuntimeError` and never enters the dead
 *   isolate;
 * - a Worker gets no `unload` event (not on `terminate()`, not on
 *   `self.close()`), so a Worker owner keeps CPython for the life of the
 *   process and every other isolate is refused, even after it ended.
 *
 * Not covered (measured, SIGSEGV 4/4 on 3.11 and 3.13): a Python thread
 * that calls a TypeScript function after its isolate ended and before a
 * new owner took over (always, for a terminated Worker): Deno frees the
 * callback with the isolate. Stop Python threads that call TypeScript
 * before ending the owning isolate.
 *
 * **A python3-like host** (issue 12): before `Py_InitializeEx`, the
 * interpreter binary matching the library is set as the program name, so
 * `sys.executable`, `sys._base_executable`, `sys.prefix` and a virtualenv
 * come out as that `python3.X` (or the virtualenv's `python`) gives them;
 * after it, SIGXFSZ is ignored as python3 does ({@linkcode setUpHost}).
 * When the owning isolate ends (`unload`: a normal end or `Deno.exit()`),
 * `atexit` handlers run and `sys.stdout`/`sys.stderr` are flushed; on an
 * uncaught error the streams are flushed ({@linkcode atExit}).
 *
 * **Failure** (issue 10, case 7): the version is read with `Py_GetVersion`
 * before anything else, and an unsupported one is refused and unloaded
 * before it is promoted to RTLD_GLOBAL or initialized; a library is also
 * refused, before promotion, when another CPython is already in the
 * process's global scope. A supported libpython, once loaded, is never
 * unloaded (unloading libpython3.13 leaves its mimalloc thread-exit
 * destructor dangling: SIGSEGV when the thread exits), so a failure drops
 * only this isolate's handle; the module state is as if never called and a
 * later call works (with the same library, or another one when nothing was
 * promoted). After `Py_InitializeEx` (a failure there is a CPython bug; a
 * Fatal Python error aborts the process and cannot be caught) CPython stays
 * initialized: the GIL is released and a later call retries with the same
 * library.
 */
export function initialize(options: InitializeOptions = {}): Runtime {
  checkPermissionsMode(options.permissions);
  if (rt) {
    if (options.library !== undefined && options.library !== rt.path) {
      throw alreadyInitialized(rt.path, rt.source, options.library);
    }
    if (options.permissions) enablePermissions(rt, options.permissions);
    return rt;
  }
  if (
    pinned && options.library !== undefined && options.library !== pinned.path
  ) {
    throw alreadyInitialized(pinned.path, pinned.source, options.library);
  }
  // loadLibrary returns holding the process-wide lock, and throws with
  // nothing promoted; a pinned library takes the lock again.
  const loaded = pinned ?? loadLibrary(options);
  const unlock = loaded === pinned ? loaded.lock() : loaded.unlock;
  try {
    rt = initializeLocked(loaded);
  } finally {
    unlock();
  }
  debug(
    `CPython ${rt.version.full} initialized from ${loaded.path} (${loaded.source})`,
  );
  if (loaded.venvSitePackages) addSiteDir(rt, loaded.venvSitePackages);
  if (options.permissions) enablePermissions(rt, options.permissions);
  return rt;
}

/** `initialize`, with the process-wide lock held. */
function initializeLocked(loaded: LoadedLibrary): Runtime {
  const sym = loaded.lib.symbols;
  const dropHandle = (): void => {
    if (loaded !== pinned) loaded.close();
    pinned = null;
  };
  const shadow = loaded.shadowedBy();
  if (shadow !== null) {
    dropHandle();
    throw new Error(
      `Cannot initialize CPython from ${loaded.path}: another CPython (${shadow}) is already loaded in ` +
        "this process, and a second one would bind to its symbols. A process runs one CPython: use that " +
        "library (or start another process).",
    );
  }
  const alreadyUp = sym.Py_IsInitialized() !== 0;
  let up = alreadyUp;
  let gstate = -1;
  let holdsGil = false;
  let refused = false;
  try {
    if (alreadyUp) {
      gstate = sym.PyGILState_Ensure();
    } else {
      setProgramName(sym, loaded.executable);
      sym.Py_InitializeEx(0);
      up = true;
    }
    holdsGil = true;
    if (!alreadyUp) setUpHost(sym, loaded);
    const owner = claimOwnership(loaded);
    if (owner !== null) {
      refused = true;
      throw ownedElsewhereError(owner);
    }
    const r = buildRuntime(loaded, sym);
    r.jsThreadIdent = sym.PyThread_get_thread_ident();
    r.mainThreadState = alreadyUp ? null : sym.PyEval_SaveThread();
    if (alreadyUp) sym.PyGILState_Release(gstate);
    holdsGil = false;
    pinned = null;
    return r;
  } catch (e) {
    if (holdsGil) {
      if (sym.PyErr_Occurred() !== null) sym.PyErr_Clear();
      if (alreadyUp) sym.PyGILState_Release(gstate);
      else sym.PyEval_SaveThread();
    }
    if (!up || refused) {
      // Refused before Py_InitializeEx, or CPython is another isolate's:
      // drop this isolate's handle to the library.
      dropHandle();
    } else {
      // CPython is initialized in this process and cannot be unloaded: keep
      // the library, retry later with it.
      pinned = loaded;
    }
    throw e;
  }
}

/** The key of this isolate's token on `globalThis` (shared by every copy of pyembed in it). */
const ISOLATE_TOKEN = Symbol.for("pyembed.isolate");

function isolateToken(): string {
  const g = globalThis as { [ISOLATE_TOKEN]?: string };
  return g[ISOLATE_TOKEN] ??= crypto.randomUUID();
}

function inWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}

type OwnerKind = "main" | "worker" | "unknown";

/**
 * Run `code` (with the GIL held) in a fresh namespace holding `vars` as
 * strings; returns the namespace (a new reference) or throws.
 */
function runInNamespace(
  sym: Sym,
  code: string,
  vars: Record<string, string>,
): Ptr {
  const ns = must(
    newNamespace(sym, must(sym.PyEval_GetBuiltins(), "no builtins")),
    "dict",
  );
  for (const [k, v] of Object.entries(vars)) {
    const key = must(sym.PyUnicode_InternFromString(cstr(k)), k);
    const s = must(sym.PyUnicode_InternFromString(cstr(v)), k);
    sym.PyDict_SetItem(ns, key, s);
    sym.Py_DecRef(s);
    sym.Py_DecRef(key);
  }
  if (!runSource(sym, ns, code, "<pyembed>")) {
    sym.PyErr_Clear();
    sym.Py_DecRef(ns);
    throw new Error(
      "CPython initialization failed: pyembed's ownership code raised",
    );
  }
  return ns;
}

/** `ns[name]`, a borrowed reference. */
function itemOf(sym: Sym, ns: Ptr, name: string): Ptr {
  const key = must(sym.PyUnicode_InternFromString(cstr(name)), name);
  return must(sym.PyDict_GetItemWithError(ns, key), name);
}

const ENDED_MESSAGE =
  "this TypeScript function was made by a Deno isolate (the main thread, a Worker or a test module) that " +
  "has ended: it can no longer be called";

/**
 * The ownership decision, run with the GIL and the lock held. `free` says
 * whether the owner mark was free (and is now held by this isolate), `"?"`
 * when marks are unavailable. `result`: 0 this isolate owns CPython now, 1/2/3
 * another live isolate owns it (main-like, Worker, unknown). Taking over
 * from an ended owner, every TypeScript function Python still holds (they
 * are all the ended isolates', this one made none yet) gets a `self` whose
 * class raises RuntimeError from `__str__`, and its id in `ended`.
 */
const CLAIM_CODE = [
  "import sys",
  "o = getattr(sys, '_pyembed_owner', None)",
  "ended = []",
  "if o is not None and o[0] == token:",
  "    result = 0  # this isolate (another copy of pyembed in it)",
  "elif free == '0' or (o is not None and free == '1' and can_disable == '0'):",
  "    result = 3 if o is None else 2 if o[1] == 'worker' else 1",
  "else:",
  "    if o is not None and free == '1':",
  "        import gc, types",
  "        class EndedTypeScriptFunction(types.ModuleType):",
  "            def __str__(self):",
  "                raise RuntimeError(message)",
  "        t = sys.modules.get('_pyembed_threads')",
  "        if t is not None:",
  "            t.reset()  # before disabling: no thread may switch the old functions back",
  "        bf = type(len)",
  "        for f in gc.get_objects():",
  "            if type(f) is bf:",
  "                m = f.__self__",
  "                if isinstance(m, types.ModuleType) and '__pyembed_function_id__' in m.__dict__:",
  "                    m.__class__ = EndedTypeScriptFunction",
  "                    ended.append(id(f))",
  "    sys._pyembed_owner = (token, kind)",
  "    result = 0",
  "",
].join("\n");

/**
 * `Py_DecodeLocale`'s copy of the program name: CPython keeps the pointer
 * `Py_SetProgramName` was given, so it is never freed.
 */
let programName: Deno.PointerValue = null;

/**
 * Before `Py_InitializeEx`: tell CPython the interpreter binary matching the
 * library (`interpreterFor` in `src/ffi/library.ts`), so that it computes
 * `sys.executable` (and, from it, `sys.prefix` and a virtualenv's
 * `pyvenv.cfg`) as that `python3.X` would. `Py_SetProgramName` works from
 * 3.8 to 3.13 (deprecated from 3.11; measured: 3.8-3.13 all take an
 * absolute name as `sys.executable`, and in a virtualenv give the same
 * `sys.executable`, `_base_executable`, `prefix` and `sys.path` as its
 * `bin/python`).
 */
function setProgramName(sym: Sym, executable: string | null): void {
  if (executable === null || programName !== null) return;
  programName = sym.Py_DecodeLocale(cstr(executable), null);
  if (programName !== null) sym.Py_SetProgramName(programName);
}

const SIGXFSZ = 25; // Linux (x86-64, arm64) and macOS

/**
 * Right after `Py_InitializeEx`, GIL held, before any user code: what
 * python3's own startup does that `Py_InitializeEx(0)` leaves out.
 * - `sys.executable` / `sys._base_executable` are checked against the
 *   interpreter binary and set when CPython computed another one;
 * - `sys.argv` is `['']` when missing (as `python3 -c`'s `sys.argv[0]` is
 *   `'-c'`, an embedded interpreter has no script: CPython's own default
 *   for an empty argv, `PySys_SetArgvEx(0, ...)`, is `['']`);
 * - SIGXFSZ is ignored (`PyOS_setsig(SIGXFSZ, SIG_IGN)`, as CPython's
 *   `signal_install_handlers`), so writing past `RLIMIT_FSIZE` raises
 *   `OSError(EFBIG)` instead of killing the process. SIGPIPE is already
 *   ignored by Deno.
 * - `os.fork`/`os.forkpty` (and `posix.`'s) raise `RuntimeError` saying
 *   to use `subprocess` or multiprocessing's 'spawn': a forked child returns
 *   into a JS runtime whose threads are gone and crashes (SIGSEGV, as plain
 *   Deno calling libc `fork`). `subprocess` forks in C (`_posixsubprocess`)
 *   and execs at once, so it keeps working; a C extension calling `fork()`
 *   itself is not covered.
 */
function setUpHost(sym: Sym, loaded: LoadedLibrary): void {
  sym.PyOS_setsig(SIGXFSZ, Deno.UnsafePointer.create(1n)); // SIG_IGN
  const ns = runInNamespace(sym, HOST_CODE, {
    exe: loaded.executable ?? "",
    fork_message: FORK_MESSAGE,
  });
  sym.Py_DecRef(ns);
  installThreads(sym);
}

/**
 * Install `_pyembed_threads` (see `threads_py.ts`) before any user code:
 * from here on every thread started through `_thread` is counted, so
 * TypeScript functions are in threaded mode whenever such a thread runs.
 */
function installThreads(sym: Sym): void {
  sym.Py_DecRef(runInNamespace(sym, THREADS_INSTALL, { src: THREADS_SOURCE }));
}

const THREADS_INSTALL = [
  "import sys, types",
  "if '_pyembed_threads' not in sys.modules:",
  "    m = types.ModuleType('_pyembed_threads')",
  "    exec(compile(src, '<pyembed threads>', 'exec'), m.__dict__)",
  "    sys.modules['_pyembed_threads'] = m",
  "",
].join("\n");

const HOST_CODE = [
  "import sys",
  "if exe and sys.executable != exe:",
  "    sys.executable = exe",
  "if exe and getattr(sys, '_base_executable', exe) != exe and sys.prefix == sys.base_prefix:",
  "    sys._base_executable = exe",
  "if not isinstance(getattr(sys, 'argv', None), list):",
  "    sys.argv = ['']",
  "import os, posix",
  "def fork(*args, **kwargs):",
  "    raise RuntimeError(fork_message)",
  "for m in (os, posix):",
  "    for name in ('fork', 'forkpty'):",
  "        if hasattr(m, name):",
  "            setattr(m, name, fork)",
  "",
].join("\n");

const FORK_MESSAGE =
  "os.fork() is not available in Python embedded in Deno (pyembed): the child process would return into a " +
  "JavaScript runtime whose threads are gone, and crash. Use subprocess, or multiprocessing with the 'spawn' " +
  "start method (multiprocessing.get_context('spawn'), or multiprocessing.set_start_method('spawn')).";

/**
 * What `Py_FinalizeEx` does for Python code at exit, minus finalization
 * (PyO3 never finalizes either: objects held by JS stay valid): run the
 * `atexit` handlers (`atexit._run_exitfuncs()`, which prints a failing
 * handler's traceback as python3 does), then flush `sys.stdout` and
 * `sys.stderr`. Non-daemon threads are not joined (`threading._shutdown`
 * could wait forever, or for a thread waiting on this JS thread): they are
 * cut off at exit like daemon threads. Nothing here throws; with
 * `atexitToo` false only the streams are flushed.
 */
function atExit(sym: Sym, atexitToo: boolean): void {
  if (rt === null) return;
  let gstate: number;
  try {
    gstate = sym.PyGILState_Ensure();
  } catch {
    return;
  }
  try {
    sym.Py_DecRef(
      runInNamespace(sym, EXIT_CODE, { atexit_too: atexitToo ? "1" : "0" }),
    );
  } catch {
    // nothing to report to: the program is ending
  } finally {
    sym.PyGILState_Release(gstate);
  }
}

const EXIT_CODE = [
  "import sys",
  "if atexit_too == '1':",
  "    try:",
  "        import atexit",
  "        atexit._run_exitfuncs()",
  "    except BaseException:",
  "        pass",
  "for name in ('stdout', 'stderr'):",
  "    try:",
  "        getattr(sys, name).flush()",
  "    except BaseException:",
  "        pass",
  "",
].join("\n");

/** This isolate's hold on the owner mark, once it owns CPython. */
let ownerMark: (() => void) | null = null;

/**
 * Decide who owns CPython (GIL and lock held): null when this isolate does
 * now, else the kind of the live owner. An owner is alive while it holds the
 * owner mark (`holdOwnerMark` in `src/ffi/library.ts`), which it releases in
 * its `unload` handler. Taking over from an ended owner disables its
 * TypeScript functions first (see {@linkcode disableEnded}).
 */
function claimOwnership(loaded: LoadedLibrary): OwnerKind | null {
  const sym = loaded.lib.symbols;
  const mark = ownerMark ?? loaded.holdOwnerMark();
  const free = mark === "unavailable" ? "?" : mark === "in-use" ? "0" : "1";
  const offset = methodDefOffset(sym);
  const target = loaded.address("PyObject_Str");
  const ns = runInNamespace(sym, CLAIM_CODE, {
    token: isolateToken(),
    kind: inWorker() ? "worker" : "main",
    free,
    can_disable: offset !== null && target !== null ? "1" : "0",
    message: ENDED_MESSAGE,
  });
  try {
    const result = sym.PyLong_AsDouble(itemOf(sym, ns, "result"));
    if (result !== 0) {
      if (typeof mark === "function" && ownerMark === null) mark();
      return result === 1 ? "main" : result === 2 ? "worker" : "unknown";
    }
    disableEnded(sym, itemOf(sym, ns, "ended"), offset!, target!);
    if (typeof mark === "function" && ownerMark === null) {
      ownerMark = mark;
      // Closing a socket needs no GIL: an ending isolate never waits on
      // Python (it is closed even when the exit hooks fail).
      globalThis.addEventListener("unload", () => {
        try {
          atExit(sym, true);
        } finally {
          ownerMark?.();
          ownerMark = null;
        }
      });
      // An uncaught error or rejection ends the program without `unload`:
      // flush Python's streams there (harmless if the program goes on).
      globalThis.addEventListener("error", () => atExit(sym, false));
      globalThis.addEventListener(
        "unhandledrejection",
        () => atExit(sym, false),
      );
    }
    return null;
  } finally {
    sym.Py_DecRef(ns);
  }
}

function ownedElsewhereError(owner: OwnerKind): Error {
  const who = owner === "worker"
    ? "a Worker"
    : owner === "unknown"
    ? "another isolate"
    : inWorker()
    ? "the main thread"
    : "another isolate that is not a Worker (another copy of the main module, or a test module still running)";
  return new Error(
    `CPython in this process is owned by ${who}, which initialized it first. A process runs one CPython, ` +
      "and pyembed gives it to one isolate at a time, because Python objects and TypeScript functions handed " +
      "to Python belong to the isolate that made them. Use Python from that one isolate (send it the work " +
      "with postMessage), or run Python in another process (Deno.Command). An owner that is not a Worker " +
      "hands CPython back when its isolate ends; a Worker keeps it for the life of the process, even after " +
      "it was terminated.",
  );
}

/** Offset of `m_ml` in a `PyCFunctionObject` (after `PyObject_HEAD`), found on `len`. */
function methodDefOffset(sym: Sym): number | null {
  const builtins = sym.PyEval_GetBuiltins();
  const key = sym.PyUnicode_InternFromString(cstr("len"));
  const len = builtins && key && sym.PyDict_GetItemWithError(builtins, key);
  if (!len) return null;
  const view = new Deno.UnsafePointerView(len);
  for (const offset of [16, 32]) { // 32: Py_TRACE_REFS builds
    const def = view.getBigUint64(offset);
    if (def < 0x10000n) continue; // a reference count, not a pointer
    const name = new Deno.UnsafePointerView(Deno.UnsafePointer.create(def)!)
      .getBigUint64(0);
    if (name < 0x10000n) continue;
    const text = Deno.UnsafePointerView.getCString(
      Deno.UnsafePointer.create(name)!,
    );
    if (text === "len") return offset;
  }
  return null;
}

/**
 * Point the `PyMethodDef` of each TypeScript function in `ended` (a list of
 * `id(f)`, GIL held) away from its ended isolate's trampoline, at
 * `target` = `PyObject_Str(self)`: the call never enters the dead isolate,
 * and `self`'s class (set by the claim code) raises RuntimeError from
 * `__str__` (the fastcall arguments are ignored, as any C callee ignores
 * extra register arguments on the 64-bit ABIs Deno runs on). `offset` is
 * `m_ml`'s in the function object ({@linkcode methodDefOffset}; the claim
 * code refuses a takeover when it is unknown).
 */
function disableEnded(
  sym: Sym,
  ended: Ptr,
  offset: number,
  target: Ptr,
): void {
  const n = Number(sym.PyList_Size(ended));
  if (n === 0) return;
  const bytes = new Uint8Array(
    new BigUint64Array([BigInt(Deno.UnsafePointer.value(target))]).buffer,
  );
  const eight = Deno.UnsafePointer.create(8n);
  for (let i = 0; i < n; i++) {
    const fn = sym.PyLong_AsDouble(
      sym.PyList_GetItem(ended, Deno.UnsafePointer.create(BigInt(i)))!,
    );
    const def = new Deno.UnsafePointerView(
      Deno.UnsafePointer.create(BigInt(fn))!,
    ).getBigUint64(offset);
    // PyMethodDef: ml_name, ml_meth, ml_flags, ml_doc
    sym.memcpyTo(Deno.UnsafePointer.create(def + 8n)!, bytes, eight);
  }
  debug(
    `took CPython over: ${n} TypeScript function(s) of ended isolates disabled`,
  );
}

function alreadyInitialized(
  path: string,
  source: string,
  asked: string,
): Error {
  return new Error(
    `CPython is already initialized from ${path} (${source}); a process runs one CPython, ` +
      `so Python.initialize({ library: ${
        JSON.stringify(asked)
      } }) cannot take effect. ` +
      "Call Python.initialize({ library }) before any other use of Python.",
  );
}

/** The runtime's objects, read with the GIL held (GIL fields filled by the caller). */
function buildRuntime(loaded: LoadedLibrary, sym: Sym): Runtime {
  const { major, minor, micro, full } = loaded.version;
  const version: PythonVersion = { major, minor, micro, full };
  // `String(Python.version)` is "3.11.7" (not enumerable: the object still
  // compares and serializes as its four fields).
  Object.defineProperty(version, "toString", {
    value: (): string => `${major}.${minor}.${micro}`,
  });
  Object.freeze(version);
  const builtins = must(sym.PyEval_GetBuiltins(), "no builtins");
  const get = (name: string): Ptr => {
    const key = must(sym.PyUnicode_InternFromString(cstr(name)), name);
    const v = must(
      sym.PyDict_GetItemWithError(builtins, key),
      `builtins.${name}`,
    );
    sym.Py_IncRef(v); // kept for the life of the process
    return v;
  };
  const typeOf = (o: Ptr): Ptr => must(sym.PyObject_Type(o), "type()");
  const none = must(
    sym.PyEval_EvalCode(
      must(
        sym.Py_CompileString(cstr("None"), cstr("<init>"), EVAL_INPUT),
        "compile",
      ),
      builtins,
      builtins,
    ),
    "None",
  );
  const true_ = get("True");
  const false_ = get("False");
  const len = get("len");
  sym.Py_IncRef(builtins);
  const types: BuiltinTypes = {
    type: get("type"),
    object: get("object"),
    int: get("int"),
    float: get("float"),
    bool: get("bool"),
    str: get("str"),
    bytes: get("bytes"),
    bytearray: get("bytearray"),
    list: get("list"),
    tuple: get("tuple"),
    dict: get("dict"),
    set: get("set"),
    frozenset: get("frozenset"),
    slice: get("slice"),
    module: typeOf(
      must(sym.PyImport_AddModule(cstr("builtins")), "builtins module"),
    ),
    builtinFunction: typeOf(len),
    noneType: typeOf(none),
  };
  return {
    sym,
    lib: loaded.lib,
    path: loaded.path,
    source: loaded.source,
    version,
    types,
    none,
    true_,
    false_,
    builtins,
    mainThreadState: null,
    jsThreadIdent: 0,
  };
}

function addSiteDir(r: Runtime, dir: string): void {
  const g = r.sym.PyGILState_Ensure();
  try {
    // Only an existing directory; its entries go before the base
    // interpreter's site-packages so the virtualenv's packages win.
    const code = [
      "import os, site, sys",
      `d = ${JSON.stringify(dir)}`,
      "if os.path.isdir(d):",
      "    n = len(sys.path)",
      "    site.addsitedir(d)",
      "    added = sys.path[n:]",
      "    del sys.path[n:]",
      "    i = next((k for k, p in enumerate(sys.path) if p.endswith(('site-packages', 'dist-packages'))), n)",
      "    sys.path[i:i] = added",
      "",
    ].join("\n");
    const globals = newNamespace(r.sym, r.builtins);
    if (
      globals === null || !runSource(r.sym, globals, code, "<pyembed-venv>")
    ) {
      r.sym.PyErr_Clear();
    }
    if (globals !== null) r.sym.Py_DecRef(globals);
    debug(`added virtualenv site-packages ${dir}`);
  } finally {
    r.sym.PyGILState_Release(g);
  }
}
