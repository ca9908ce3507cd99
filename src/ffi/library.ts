/**
 * Finding and loading `libpython3.X.so`.
 *
 * Order (DESIGN.md, "The runtime"): `options.library`, `$PYTHON_LIBRARY`, a
 * virtualenv's base interpreter (`$VIRTUAL_ENV/pyvenv.cfg`), the `python3` on
 * `PATH` (its sysconfig `LIBDIR`/`LDLIBRARY`), then common system paths.
 * Every candidate that fails is recorded with the reason, and the final error
 * lists them with the fix.
 *
 * @module
 */

import { SYMBOLS } from "./symbols.ts";

/** Where the library was found, for diagnostics. */
export interface LibraryCandidate {
  /** The path tried. */
  path: string;
  /** Which source proposed it (`options.library`, `PYTHON_LIBRARY`, ...). */
  source: string;
}

/** A loaded CPython library and what discovery learned on the way. */
export interface LoadedLibrary {
  /** The Deno handle; its `symbols` are the raw table. */
  lib: Deno.DynamicLibrary<typeof ALL_SYMBOLS>;
  /** The path that loaded. */
  path: string;
  /** Which source proposed it. */
  source: string;
  /** A virtualenv's site-packages directory to add to `sys.path`, if any. */
  venvSitePackages?: string;
  /** Every candidate considered before the one that loaded, with why it failed. */
  tried: string[];
}

/** Options for discovery. */
export interface LibraryOptions {
  /** An explicit path to `libpython3.X.so`; tried first, and alone. */
  library?: string;
}

/** libc helpers resolved through libpython's own dependency on libc. */
const LIBC_VIA_LIBPYTHON = {
  /** void* memcpy(void* dest, const void* src, size_t n)  (n passed as a pointer constant) */
  memcpy: { parameters: ["buffer", "pointer", "pointer"], result: "pointer" },
  /** void* memcpy(void* dest, const void* src, size_t n): copy into foreign memory */
  memcpyTo: {
    name: "memcpy",
    parameters: ["pointer", "buffer", "pointer"],
    result: "pointer",
  },
  /** void* dlopen(const char* filename, int flags) */
  dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
  /** char* dlerror(void) */
  dlerror: { parameters: [], result: "pointer" },
  /** void* calloc(size_t n, size_t size): memory Python keeps (PyMethodDef) */
  calloc: { parameters: ["usize", "usize"], result: "pointer" },
  /** void free(void* p) */
  free: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The CPython table plus the libc helpers, loaded in one `Deno.dlopen`. */
export const ALL_SYMBOLS = { ...SYMBOLS, ...LIBC_VIA_LIBPYTHON } as const;

const RTLD_NOW = 2;
const RTLD_GLOBAL = 0x100;

const SYSTEM_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
  "/opt/homebrew/lib",
];
const MINORS = [13, 12, 11, 10, 9, 8];

const encoder = new TextEncoder();

/** Is `e` Deno's "permission not granted" error? */
function isPermissionError(e: unknown): boolean {
  return e instanceof Deno.errors.NotCapable ||
    e instanceof Deno.errors.PermissionDenied;
}

function envGranted(name: string): boolean {
  return Deno.permissions.querySync({ name: "env", variable: name }).state ===
    "granted";
}

/** Log discovery steps when `PYEMBED_DEBUG` is set (and readable). */
export function debug(message: string): void {
  if (envGranted("PYEMBED_DEBUG") && Deno.env.get("PYEMBED_DEBUG")) {
    console.error(`[pyembed] ${message}`);
  }
}

/** Run `exe -c code`; returns stdout, or throws with the reason. */
function runPython(exe: string, code: string): string {
  const out = new Deno.Command(exe, {
    args: ["-c", code],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!out.success) {
    throw new Error(
      `${exe} exited with ${out.code}: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return new TextDecoder().decode(out.stdout).trim();
}

const SYSCONFIG_CODE =
  "import sysconfig,sys;print(sysconfig.get_config_var('LIBDIR'));print(sysconfig.get_config_var('LDLIBRARY'));print(sys.version_info[1])";

/** Ask an interpreter where its shared library is. */
function libraryOfInterpreter(exe: string): string {
  const [libdir, ldlibrary] = runPython(exe, SYSCONFIG_CODE).split("\n");
  if (!libdir || !ldlibrary || ldlibrary === "None") {
    throw new Error(`${exe} reported no LIBDIR/LDLIBRARY`);
  }
  if (
    !ldlibrary.endsWith(".so") && !ldlibrary.includes(".so.") &&
    !ldlibrary.endsWith(".dylib")
  ) {
    throw new Error(
      `${exe} is built without a shared library (LDLIBRARY=${ldlibrary}); rebuild it with --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install ...) or install your distribution's libpython3.X package`,
    );
  }
  return `${libdir}/${ldlibrary}`;
}

/** Read `home = ...` from a virtualenv's pyvenv.cfg, and its site-packages. */
function virtualenvInfo(venv: string): { home: string; sitePackages?: string } {
  const cfg = Deno.readTextFileSync(`${venv}/pyvenv.cfg`);
  const home = /^home\s*=\s*(.*)$/m.exec(cfg)?.[1]?.trim();
  if (!home) throw new Error(`${venv}/pyvenv.cfg has no 'home =' line`);
  let sitePackages: string | undefined;
  for (const entry of Deno.readDirSync(`${venv}/lib`)) {
    if (entry.isDirectory && entry.name.startsWith("python3")) {
      sitePackages = `${venv}/lib/${entry.name}/site-packages`;
    }
  }
  return { home, sitePackages };
}

/** Format the final discovery error. */
function notFound(tried: string[], hints: string[]): Error {
  const lines = [
    "Could not load a CPython shared library (libpython3.X.so).",
    tried.length ? "Tried:" : "Nothing could be tried.",
    ...tried.map((t) => `  - ${t}`),
    "Fix:",
    ...hints.map((h) => `  - ${h}`),
    '  - or pass the path explicitly: Python.initialize({ library: "/path/to/libpython3.11.so" }), or set PYTHON_LIBRARY',
    "  - on Debian/Ubuntu: apt-get install libpython3.11 (or another libpython3.X package); with pyenv, install with PYTHON_CONFIGURE_OPTS=--enable-shared",
  ];
  return new Error(lines.join("\n"));
}

function fileExists(path: string): boolean | "denied" {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (isPermissionError(e)) return "denied";
    return false;
  }
}

/**
 * Try to load one path. Returns the library, or a reason string.
 */
function tryLoad(
  path: string,
): Deno.DynamicLibrary<typeof ALL_SYMBOLS> | string {
  let lib: Deno.DynamicLibrary<typeof ALL_SYMBOLS>;
  try {
    lib = Deno.dlopen(path, ALL_SYMBOLS);
  } catch (e) {
    if (isPermissionError(e)) {
      return `not allowed to load it: run with --allow-ffi (or --allow-ffi=${path})`;
    }
    return (e as Error).message;
  }
  // Make libpython's symbols global so C extension modules (numpy's
  // manylinux wheels are not linked against libpython) can resolve them.
  const cpath = encoder.encode(path + "\0");
  const handle = lib.symbols.dlopen(cpath, RTLD_NOW | RTLD_GLOBAL);
  if (handle === null) {
    const err = lib.symbols.dlerror();
    const reason = err
      ? Deno.UnsafePointerView.getCString(err)
      : "dlopen failed";
    lib.close();
    return `loaded, but could not be made RTLD_GLOBAL: ${reason}`;
  }
  return lib;
}

/**
 * Find and load libpython, following the documented order.
 *
 * @example
 * ```ts ignore
 * const { path, source } = loadLibrary({});
 * ```
 */
export function loadLibrary(options: LibraryOptions = {}): LoadedLibrary {
  const tried: string[] = [];
  const hints: string[] = [];
  const ffi = Deno.permissions.querySync({ name: "ffi" }).state;
  if (ffi !== "granted" && options.library === undefined) {
    // A scoped --allow-ffi=PATH reports "prompt" for the unscoped query; only
    // fail early when nothing at all is granted.
    const anyFfi = Deno.permissions.querySync({ name: "ffi", path: "/" }).state;
    if (anyFfi === "denied") {
      throw new Error(
        "Loading CPython needs FFI: run with --allow-ffi (it can be scoped: --allow-ffi=/path/to/libpython3.X.so). FFI code runs outside Deno's sandbox.",
      );
    }
  }
  const attempt = (
    path: string,
    source: string,
    venv?: string,
  ): LoadedLibrary | undefined => {
    const result = tryLoad(path);
    if (typeof result === "string") {
      tried.push(`${source}: ${path}: ${result}`);
      debug(`${source}: ${path} failed: ${result}`);
      return undefined;
    }
    debug(`loaded ${path} (from ${source})`);
    return { lib: result, path, source, tried, venvSitePackages: venv };
  };

  // 1. explicit option: tried alone, so a wrong path is never silently ignored
  if (options.library !== undefined) {
    const found = attempt(options.library, "options.library");
    if (found) return found;
    throw notFound(tried, ["check the path given in options.library"]);
  }

  // 2. $PYTHON_LIBRARY
  if (envGranted("PYTHON_LIBRARY")) {
    const fromEnv = Deno.env.get("PYTHON_LIBRARY");
    if (fromEnv) {
      const found = attempt(fromEnv, "PYTHON_LIBRARY");
      if (found) return found;
      throw notFound(tried, [
        "check the path in the PYTHON_LIBRARY environment variable",
      ]);
    }
  } else {
    tried.push("PYTHON_LIBRARY: not read (no env permission)");
    hints.push("to use $PYTHON_LIBRARY, run with --allow-env=PYTHON_LIBRARY");
  }

  // 3. a virtualenv's base interpreter
  let venvSite: string | undefined;
  if (envGranted("VIRTUAL_ENV")) {
    const venv = Deno.env.get("VIRTUAL_ENV");
    if (venv) {
      try {
        const info = virtualenvInfo(venv);
        venvSite = info.sitePackages;
        const exe = `${info.home}/python3`;
        const path = libraryOfInterpreter(exe);
        const found = attempt(path, `VIRTUAL_ENV (${exe})`, venvSite);
        if (found) return found;
      } catch (e) {
        if (isPermissionError(e)) {
          const msg = (e as Error).message;
          const flag = /run/i.test(msg) ? "--allow-run" : "--allow-read";
          tried.push(`VIRTUAL_ENV=${venv}: ${flag} is needed to inspect it`);
          hints.push(`to use the virtualenv, run with ${flag}`);
        } else {
          tried.push(`VIRTUAL_ENV=${venv}: ${(e as Error).message}`);
        }
      }
    }
  } else {
    hints.push("to use an active virtualenv, run with --allow-env=VIRTUAL_ENV");
  }

  // 4. python3 on PATH
  try {
    const path = libraryOfInterpreter("python3");
    const found = attempt(path, "python3 on PATH", venvSite);
    if (found) return found;
  } catch (e) {
    if (isPermissionError(e)) {
      tried.push("python3 on PATH: not run (no run permission)");
      hints.push(
        "to ask the python3 on PATH where its library is, run with --allow-run=python3",
      );
    } else if (e instanceof Deno.errors.NotFound) {
      tried.push("python3 on PATH: no python3 found on PATH");
    } else {
      tried.push(`python3 on PATH: ${(e as Error).message}`);
    }
  }

  // 5. common system paths
  let readDenied = false;
  for (const dir of SYSTEM_DIRS) {
    for (const minor of MINORS) {
      for (
        const name of [`libpython3.${minor}.so`, `libpython3.${minor}.so.1.0`]
      ) {
        const path = `${dir}/${name}`;
        const exists = fileExists(path);
        if (exists === "denied") {
          readDenied = true;
          continue;
        }
        if (!exists) continue;
        const found = attempt(path, "system path", venvSite);
        if (found) return found;
      }
    }
  }
  if (readDenied) {
    tried.push(
      `system paths (${
        SYSTEM_DIRS.join(", ")
      }): not searched (no read permission)`,
    );
    hints.push(
      "to search the system library directories, run with --allow-read",
    );
  } else {
    tried.push(
      `system paths: no libpython3.8-3.13 in ${SYSTEM_DIRS.join(", ")}`,
    );
  }
  throw notFound(tried, hints);
}
