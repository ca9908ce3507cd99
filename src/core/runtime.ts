/**
 * The process-wide CPython runtime: loading, initialization, and the handful
 * of objects every operation needs (builtin types, `None`, scratch buffers).
 *
 * @module
 */

import { type ALL_SYMBOLS, debug, loadLibrary } from "../ffi/library.ts";

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

/**
 * Load libpython and initialize CPython once (`Py_InitializeEx(0)`, then
 * release the GIL, as PyO3's `prepare_freethreaded_python`). Idempotent.
 */
export function initialize(options: InitializeOptions = {}): Runtime {
  if (rt) {
    if (options.library !== undefined && options.library !== rt.path) {
      const asked = JSON.stringify(options.library);
      throw new Error(
        `CPython is already initialized from ${rt.path} (${rt.source}); a process runs one CPython, ` +
          `so Python.initialize({ library: ${asked} }) cannot take effect. ` +
          "Call Python.initialize({ library }) before any other use of Python.",
      );
    }
    return rt;
  }
  const loaded = loadLibrary(options);
  const sym = loaded.lib.symbols;
  const alreadyUp = sym.Py_IsInitialized() !== 0;
  if (!alreadyUp) sym.Py_InitializeEx(0);
  const gstate = alreadyUp ? sym.PyGILState_Ensure() : -1;
  const fullVersion = Deno.UnsafePointerView.getCString(sym.Py_GetVersion()!);
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(fullVersion);
  const version: PythonVersion = {
    major: Number(m?.[1] ?? 3),
    minor: Number(m?.[2] ?? 0),
    micro: Number(m?.[3] ?? 0),
    full: fullVersion,
  };
  if (version.major !== 3 || version.minor < 8) {
    throw new Error(
      `Python ${fullVersion} at ${loaded.path} is not supported: use CPython 3.8 to 3.13`,
    );
  }
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
  const ident = sym.PyThread_get_thread_ident();
  const mainThreadState = alreadyUp ? null : sym.PyEval_SaveThread();
  if (alreadyUp) sym.PyGILState_Release(gstate);
  rt = {
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
    mainThreadState,
    jsThreadIdent: ident,
  };
  debug(
    `CPython ${fullVersion} initialized from ${loaded.path} (${loaded.source})`,
  );
  if (loaded.venvSitePackages) addSiteDir(rt, loaded.venvSitePackages);
  return rt;
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
    const co = r.sym.Py_CompileString(
      cstr(code),
      cstr("<pyembed-venv>"),
      FILE_INPUT,
    );
    const globals = r.sym.PyDict_New();
    r.sym.PyDict_SetItem(
      globals!,
      r.sym.PyUnicode_InternFromString(cstr("__builtins__"))!,
      r.builtins,
    );
    const res = co ? r.sym.PyEval_EvalCode(co, globals, globals) : null;
    if (res === null) r.sym.PyErr_Clear();
    else r.sym.Py_DecRef(res);
    if (co) r.sym.Py_DecRef(co);
    r.sym.Py_DecRef(globals);
    debug(`added virtualenv site-packages ${dir}`);
  } finally {
    r.sym.PyGILState_Release(g);
  }
}
