/**
 * Finding and loading `libpython3.X.so`.
 *
 * Order (DESIGN.md, "The runtime"):
 *
 * 1. `options.library`, tried alone;
 * 2. `$PYTHON_LIBRARY`, tried alone when set;
 * 3. the python3 on `PATH`, asked for its sysconfig `LIBDIR` and
 *    `LDLIBRARY`/`INSTSONAME`. With a virtualenv (`$VIRTUAL_ENV`), that is
 *    the virtualenv's own `bin/python3` (the python3 on `PATH` once it is
 *    activated); an interpreter running in a virtualenv also reports its
 *    `site-packages`, which is then added to `sys.path`;
 * 4. common system library directories.
 *
 * Permissions are queried, never prompted for: a source whose permission is
 * missing is skipped and reported. Every candidate that fails is recorded
 * with the reason, and the final error lists them with the fixes (the flag to
 * add, the path that did not load and why, the package that provides the
 * library). `PYEMBED_DEBUG=1` (readable with `--allow-env=PYEMBED_DEBUG`)
 * logs each step to stderr.
 *
 * @module
 */

import { SYMBOLS } from "./symbols.ts";

/** A loaded CPython library and what discovery learned on the way. */
export interface LoadedLibrary {
  /** The Deno handle; its `symbols` are the raw table. */
  lib: Deno.DynamicLibrary<typeof ALL_SYMBOLS>;
  /** The path that loaded. */
  path: string;
  /** Which source proposed it (`options.library`, `PYTHON_LIBRARY`, ...). */
  source: string;
  /** A virtualenv's site-packages directory to add to `sys.path`, if any. */
  venvSitePackages?: string;
  /** Every source considered before the one that loaded, with why it failed. */
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
  /** void free(void* p): release what calloc gave */
  free: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The CPython table plus the libc helpers, loaded in one `Deno.dlopen`. */
export const ALL_SYMBOLS = { ...SYMBOLS, ...LIBC_VIA_LIBPYTHON } as const;

const RTLD_NOW = 2;
const RTLD_GLOBAL = 0x100;

/** The system library directories searched last, in order. */
export const SYSTEM_LIBRARY_DIRS: readonly string[] = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
  "/opt/homebrew/lib",
];
const MINORS = [13, 12, 11, 10, 9, 8];
const SUPPORTED = "CPython 3.8 to 3.13";

const encoder = new TextEncoder();

function isPermissionError(e: unknown): boolean {
  return e instanceof Deno.errors.NotCapable ||
    e instanceof Deno.errors.PermissionDenied;
}

function granted(desc: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(desc).state === "granted";
}

/**
 * Does `path` exist? Never prompts: a path whose read permission is still
 * "prompt" is reported unreadable (a "denied" one is tried: `--ignore-read`
 * answers NotFound there, `--deny-read` NotCapable).
 */
function probe(path: string): "exists" | "missing" | "unreadable" {
  if (Deno.permissions.querySync({ name: "read", path }).state === "prompt") {
    return "unreadable";
  }
  try {
    Deno.statSync(path);
    return "exists";
  } catch (e) {
    return isPermissionError(e) ? "unreadable" : "missing";
  }
}

/** Is `command` an existing file on `PATH`? `undefined` when that cannot be read. */
function onPath(command: string): boolean | undefined {
  if (command.includes("/")) {
    const p = probe(command);
    return p === "unreadable" ? undefined : p === "exists";
  }
  if (!envGranted("PATH")) return undefined;
  let unknown = false;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const p = probe(`${dir}/${command}`);
    if (p === "exists") return true;
    if (p === "unreadable") unknown = true;
  }
  return unknown ? undefined : false;
}

function envGranted(name: string): boolean {
  return granted({ name: "env", variable: name });
}

/** Log discovery steps when `PYEMBED_DEBUG` is set (and readable). */
export function debug(message: string): void {
  if (envGranted("PYEMBED_DEBUG") && Deno.env.get("PYEMBED_DEBUG")) {
    console.error(`[pyembed] ${message}`);
  }
}

/** What an interpreter says about itself. */
interface InterpreterInfo {
  /** `LIBDIR/LDLIBRARY`, then `LIBDIR/INSTSONAME` when it differs. */
  candidates: string[];
  /** `LDLIBRARY` as reported. */
  ldlibrary: string;
  /** `"3.11"`. */
  version: string;
  /** `sys.prefix`. */
  prefix: string;
  /** The virtualenv's site-packages when the interpreter runs in one. */
  sitePackages?: string;
}

const INTERPRETER_QUERY = [
  "import sys, sysconfig",
  "v = sysconfig.get_config_var",
  "print(v('LIBDIR') or '')",
  "print(v('LDLIBRARY') or '')",
  "print(v('INSTSONAME') or '')",
  "print('%d.%d' % sys.version_info[:2])",
  "print(sys.prefix)",
  "print(sysconfig.get_path('purelib') if sys.prefix != sys.base_prefix else '')",
].join("\n");

/** Ask an interpreter where its shared library is; throws with the reason. */
function queryInterpreter(exe: string): InterpreterInfo {
  const out = new Deno.Command(exe, {
    args: ["-c", INTERPRETER_QUERY],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const text = new TextDecoder();
  if (!out.success) {
    const err = text.decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    throw new Error(`${exe} exited with code ${out.code}: ${err}`);
  }
  const [
    libdir = "",
    ldlibrary = "",
    soname = "",
    version = "",
    prefix = "",
    site = "",
  ] = text
    .decode(out.stdout).split("\n").map((l) => l.trim());
  const isShared = (name: string) => /\.so(\.|$)|\.dylib$/.test(name);
  const candidates: string[] = [];
  if (libdir) {
    for (const name of [ldlibrary, soname]) {
      const path = `${libdir}/${name}`;
      if (isShared(name) && !candidates.includes(path)) candidates.push(path);
    }
  }
  return {
    candidates,
    ldlibrary,
    version,
    prefix,
    sitePackages: site || undefined,
  };
}

/** Does the library at `path` export CPython's `Py_IsInitialized`? */
function isCPython(path: string): boolean {
  try {
    Deno.dlopen(path, { Py_IsInitialized: { parameters: [], result: "i32" } })
      .close();
    return true;
  } catch {
    return false;
  }
}

/** Turn a `Deno.dlopen` error into a short reason. */
function explainLoadError(path: string, e: unknown): string {
  const message = (e as Error).message;
  const symbol = /Failed to register symbol (\w+)/.exec(message)?.[1];
  if (symbol) {
    return isCPython(path)
      ? `it is not a supported CPython (${SUPPORTED}): it has no symbol ${symbol}`
      : "it is a shared library, but not CPython's (it has no symbol Py_IsInitialized)";
  }
  let detail = message.replace(/^(Could not open library: )+/, "");
  if (detail.startsWith(`${path}: `)) detail = detail.slice(path.length + 2);
  if (/No such file or directory/.test(detail)) {
    return path.includes("/")
      ? "the file does not exist"
      : "no such library on the dynamic linker's search path (give a full path)";
  }
  const undefinedSymbol = /undefined symbol: (\w+)/.exec(detail)?.[1];
  if (undefinedSymbol) {
    return `it is not libpython: it cannot be loaded on its own (undefined symbol ${undefinedSymbol}; ` +
      "a Python extension module looks like this)";
  }
  if (/Is a directory/.test(detail)) {
    return "it is a directory, not a library file";
  }
  if (
    /invalid ELF header|file too short|not an ELF|ELF load command/.test(detail)
  ) {
    return `it is not a shared library (${detail})`;
  }
  if (/wrong ELF class/.test(detail)) {
    return `it is built for another architecture (${detail})`;
  }
  return detail;
}

/** Try to load one path: the library, or the reason it did not load. */
function tryLoad(
  path: string,
): Deno.DynamicLibrary<typeof ALL_SYMBOLS> | string {
  let lib: Deno.DynamicLibrary<typeof ALL_SYMBOLS>;
  try {
    lib = Deno.dlopen(path, ALL_SYMBOLS);
  } catch (e) {
    if (isPermissionError(e)) {
      return `not allowed to load it: run with --allow-ffi`;
    }
    return explainLoadError(path, e);
  }
  // Make libpython's symbols global so C extension modules (numpy's
  // manylinux wheels are not linked against libpython) can resolve them.
  const handle = lib.symbols.dlopen(
    encoder.encode(path + "\0"),
    RTLD_NOW | RTLD_GLOBAL,
  );
  if (handle === null) {
    const err = lib.symbols.dlerror();
    const reason = err
      ? Deno.UnsafePointerView.getCString(err)
      : "dlopen failed";
    lib.close();
    return `it loaded, but could not be made RTLD_GLOBAL: ${reason}`;
  }
  return lib;
}

/** Which package provides the shared library, as a fix line. */
function installHint(version?: string): string {
  const v = version ?? "3.X";
  const debian = version
    ? `libpython${v}`
    : "libpython3.X (libpython3.11 on Debian 12)";
  return `install the shared library: Debian/Ubuntu: apt-get install ${debian}; ` +
    `Fedora/RHEL: dnf install python3-libs; Alpine: apk add python3; ` +
    `pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install ${v}`;
}

const EXPLICIT_PATH_HELP =
  `python3 -c "import sysconfig as s; print(s.get_config_var('LIBDIR') + '/' + s.get_config_var('LDLIBRARY'))"`;

function ffiError(): Error {
  return new Error(
    "Loading CPython needs FFI access: run with --allow-ffi. It cannot be narrowed to the library's path " +
      "(--allow-ffi=PATH): reading C strings and memory through Deno.UnsafePointerView needs the unscoped " +
      "permission (denoland/deno#15511). FFI code runs outside Deno's sandbox.",
  );
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
  if (!granted({ name: "ffi" })) throw ffiError();
  const tried: string[] = [];
  const hints: string[] = [];
  let version: string | undefined;
  const note = (entry: string) => {
    tried.push(entry);
    debug(entry);
  };
  const attempt = (
    path: string,
    source: string,
    site?: string,
  ): LoadedLibrary | string => {
    const result = tryLoad(path);
    if (typeof result === "string") {
      note(`${source}: ${path}: ${result}`);
      return result;
    }
    debug(`loaded ${path} (from ${source})`);
    return { lib: result, path, source, tried, venvSitePackages: site };
  };

  let venv: string | undefined;
  if (envGranted("VIRTUAL_ENV")) {
    venv = Deno.env.get("VIRTUAL_ENV") || undefined;
  }
  // An explicitly chosen library still sees the active virtualenv's packages
  // when the versions agree (runtime adds the directory only if it exists).
  const venvSiteFor = (path: string): string | undefined => {
    const minor = /libpython3\.(\d+)/.exec(
      path.slice(path.lastIndexOf("/") + 1),
    )?.[1];
    return venv && minor
      ? `${venv}/lib/python3.${minor}/site-packages`
      : undefined;
  };
  const explicit = (
    path: string,
    source: string,
    fix: string,
  ): LoadedLibrary => {
    const found = attempt(path, source, venvSiteFor(path));
    if (typeof found !== "string") return found;
    throw new Error(
      [
        `Could not load CPython from ${source} (${path}): ${found}.`,
        "Fix:",
        `  - ${fix}`,
        `  - the python3 on PATH prints its library with: ${EXPLICIT_PATH_HELP}`,
        `  - ${installHint()}`,
      ].join("\n"),
    );
  };

  // 1. the explicit option, tried alone: a wrong path is never ignored
  if (options.library !== undefined) {
    return explicit(
      options.library,
      "options.library",
      `pass Python.initialize({ library }) the path of a libpython3.X.so (${SUPPORTED}), or leave it out to search`,
    );
  }

  // 2. $PYTHON_LIBRARY, tried alone when set
  if (envGranted("PYTHON_LIBRARY")) {
    const fromEnv = Deno.env.get("PYTHON_LIBRARY");
    if (fromEnv) {
      return explicit(
        fromEnv,
        "PYTHON_LIBRARY",
        `set PYTHON_LIBRARY to the path of a libpython3.X.so (${SUPPORTED}), or unset it to search`,
      );
    }
    debug("PYTHON_LIBRARY is not set");
  } else {
    note("PYTHON_LIBRARY: not read (no env permission for it)");
    hints.push(
      "to use $PYTHON_LIBRARY, run with --allow-env=PYTHON_LIBRARY and set it to the path of libpython3.X.so",
    );
  }

  // 3. the python3 of the virtualenv, then the python3 on PATH
  const interpreters: { exe: string; source: string; flag: string }[] = [];
  if (venv) {
    interpreters.push({
      exe: `${venv}/bin/python3`,
      source: `VIRTUAL_ENV (${venv}/bin/python3)`,
      flag:
        `--allow-run=python3 with the virtualenv activated, or --allow-run=${venv}/bin/python3`,
    });
  } else if (!envGranted("VIRTUAL_ENV")) {
    debug(
      "VIRTUAL_ENV: not read (no env permission); an activated virtualenv is still found on PATH",
    );
  }
  interpreters.push({
    exe: "python3",
    source: "python3 on PATH",
    flag: "--allow-run=python3",
  });
  for (const { exe, source, flag } of interpreters) {
    const where = exe.includes("/") ? "" : " on PATH";
    const noPermission = (maybeMissing: boolean) => {
      note(
        `${source}: not run (no run permission for it${
          maybeMissing ? `, or no ${exe}${where}` : ""
        })`,
      );
      hints.push(`to ask ${exe} where its library is, run with ${flag}`);
    };
    // "prompt" would prompt on a terminal: decide without running it.
    if (
      Deno.permissions.querySync({ name: "run", command: exe }).state ===
        "prompt"
    ) {
      const present = onPath(exe);
      if (present === false) note(`${source}: no ${exe} found${where}`);
      else noPermission(present === undefined);
      continue;
    }
    let info: InterpreterInfo;
    try {
      info = queryInterpreter(exe);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        note(`${source}: no ${exe} found${where}`);
      } else if (isPermissionError(e)) {
        noPermission(false);
      } else {
        note(`${source}: ${(e as Error).message}`);
      }
      continue;
    }
    version ??= info.version || undefined;
    if (info.candidates.length === 0) {
      note(
        `${source}: Python ${info.version} at ${info.prefix} has no shared library (LDLIBRARY=${
          info.ldlibrary || "unset"
        }): it was built without --enable-shared`,
      );
      continue;
    }
    for (const path of info.candidates) {
      const found = attempt(
        path,
        `${source}, Python ${info.version}`,
        info.sitePackages,
      );
      if (typeof found !== "string") return found;
    }
  }

  // 4. common system paths
  const unreadable: string[] = [];
  let seen = 0;
  for (const dir of SYSTEM_LIBRARY_DIRS) {
    for (const minor of MINORS) {
      for (
        const name of [`libpython3.${minor}.so`, `libpython3.${minor}.so.1.0`]
      ) {
        const path = `${dir}/${name}`;
        const p = probe(path);
        if (p === "unreadable" && !unreadable.includes(dir)) {
          unreadable.push(dir);
        }
        if (p !== "exists") continue;
        seen++;
        const found = attempt(path, "system path", venvSiteFor(path));
        if (typeof found !== "string") return found;
      }
    }
  }
  const searched = SYSTEM_LIBRARY_DIRS.filter((d) => !unreadable.includes(d));
  if (searched.length > 0 && seen === 0) {
    note(
      `system paths: no libpython3.8 to libpython3.13 in ${
        searched.join(", ")
      }`,
    );
  }
  if (unreadable.length > 0) {
    note(
      `system paths: ${
        unreadable.join(", ")
      } not searched (no read permission)`,
    );
    hints.push(
      "to search the system library directories, run with --allow-read",
    );
  }

  hints.push(
    'pass the path explicitly: Python.initialize({ library: "/path/to/libpython3.X.so" })',
    installHint(version),
  );
  throw new Error(
    [
      `Could not find a CPython shared library (libpython3.X.so, ${SUPPORTED}).`,
      "Tried, in order:",
      ...tried.map((t) => `  - ${t}`),
      "Fix, any one of:",
      ...hints.map((h) => `  - ${h}`),
    ].join("\n"),
  );
}
