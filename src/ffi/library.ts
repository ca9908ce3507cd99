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
  /**
   * The interpreter binary matching this library, for `sys.executable`
   * ({@linkcode interpreterFor}), or null when none exists.
   */
  executable: string | null;
  /** Every source considered before the one that loaded, with why it failed. */
  tried: string[];
  /** What the library's `Py_GetVersion()` reported (read before anything else). */
  version: LibraryVersion;
  /**
   * Drop this isolate's Deno handle (when initialization fails or another
   * isolate owns CPython). The library itself stays mapped and global: a
   * libpython that passed the checks is never unloaded (see `tryLoad`), and
   * a later initialization of another library is refused by `shadowedBy`.
   */
  close(): void;
  /** The address of an exported symbol of this library (`dlsym`), or null. */
  address(symbol: string): Deno.PointerValue;
  /**
   * The file of another CPython whose symbols come first in the process's
   * global scope (`dlsym(RTLD_DEFAULT, "Py_IsInitialized")` is not this
   * library's), or null when this library's own come first. Initializing
   * this library then would bind it to the other one's symbols.
   */
  shadowedBy(): string | null;
  /** Take the process-wide initialization lock again: {@linkcode lockProcess}. */
  lock(): () => void;
  /** Release the process-wide lock `loadLibrary` took and returned holding. */
  unlock(): void;
  /** The process-wide owner mark: {@linkcode holdOwnerMark}. */
  holdOwnerMark(): (() => void) | "in-use" | "unavailable";
}

/** A libpython's version, from `Py_GetVersion()` (callable before initialization). */
export interface LibraryVersion {
  /** Major version. */
  major: number;
  /** Minor version. */
  minor: number;
  /** Micro (patch) version. */
  micro: number;
  /** The full `Py_GetVersion()` string (the future `sys.version`). */
  full: string;
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
  /** void* memcpy(void* dest, const void* src, size_t n): foreign memory to foreign memory */
  memcpyPtr: {
    name: "memcpy",
    parameters: ["pointer", "pointer", "pointer"],
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

const RTLD_LAZY = 1;
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

/** What is loaded first, alone, to learn the version before anything else. */
const VERSION_PROBE = {
  /** const char* Py_GetVersion(void): a static string, valid before Py_Initialize */
  Py_GetVersion: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Parse `Py_GetVersion()` (`"3.11.7 (main, ...) [GCC ...]"`). */
export function parseVersion(full: string): LibraryVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(full);
  return {
    major: Number(m?.[1] ?? 0),
    minor: Number(m?.[2] ?? 0),
    micro: Number(m?.[3] ?? 0),
    full,
  };
}

/** Can pyembed drive this version? (3.8 and later 3.x; the symbol table decides the rest.) */
export function isSupportedVersion(v: LibraryVersion): boolean {
  return v.major === 3 && v.minor >= 8;
}

type Loaded = Pick<
  LoadedLibrary,
  | "lib"
  | "version"
  | "close"
  | "address"
  | "shadowedBy"
  | "lock"
  | "holdOwnerMark"
>;

/**
 * The file of the CPython whose `Py_IsInitialized` comes first in the
 * process's global scope when it is not `ours` (null when none is global,
 * or it is `ours`).
 */
function globalCPythonOtherThan(ours: Deno.PointerValue): string | null {
  const c = openLibc();
  if (c === null) return null;
  const first = c.symbols.dlsym(null, encoder.encode("Py_IsInitialized\0"));
  if (first === null || Deno.UnsafePointer.equals(first, ours)) return null;
  const info = new BigUint64Array(4); // Dl_info: dli_fname, dli_fbase, dli_sname, dli_saddr
  if (c.symbols.dladdr(first, info) === 0 || info[0] === 0n) {
    return "another library";
  }
  return Deno.UnsafePointerView.getCString(
    Deno.UnsafePointer.create(info[0])!,
  );
}

/**
 * Try to load one path: the library, or the reason it did not load.
 *
 * Order, so that a library that is refused leaves nothing behind that a
 * later one can trip on (issue 10, case 7: a refused 3.7 promoted to
 * RTLD_GLOBAL and initialized made the next, supported library bind to its
 * symbols and crash):
 * 1. open it alone with one symbol, `Py_GetVersion` (callable before
 *    initialization), and refuse an unsupported version: it is unloaded
 *    again, nothing of it stays;
 * 2. pin a supported version (a libc `dlopen(RTLD_LOCAL)` reference that is
 *    never closed): a libpython that was loaded once is never unloaded.
 *    Unloading libpython3.13 leaves its mimalloc thread-exit destructor
 *    (a pthread key set for the loading thread) pointing into unmapped
 *    code: measured SIGSEGV when a Worker that merely opened and closed
 *    libpython3.13 exits. A pinned library that is not RTLD_GLOBAL is not
 *    in any later library's symbol scope, so it cannot be tripped on;
 * 3. open it with the full table (a missing symbol refuses it);
 * 4. refuse it when another CPython is already in the global scope (a
 *    second RTLD_GLOBAL libpython would bind to the first one's symbols);
 * 5. only then promote it to RTLD_GLOBAL.
 * `Py_InitializeEx` is never called here.
 */
function tryLoad(path: string): Loaded | string {
  const cpath = encoder.encode(path + "\0");
  let probe: Deno.DynamicLibrary<typeof VERSION_PROBE>;
  try {
    probe = Deno.dlopen(path, VERSION_PROBE);
  } catch (e) {
    if (isPermissionError(e)) {
      return `not allowed to load it: run with --allow-ffi`;
    }
    return explainLoadError(path, e);
  }
  let lib: Deno.DynamicLibrary<typeof ALL_SYMBOLS>;
  let version: LibraryVersion;
  let pin: Deno.PointerValue = null;
  try {
    const p = probe.symbols.Py_GetVersion();
    version = parseVersion(p ? Deno.UnsafePointerView.getCString(p) : "");
    if (!isSupportedVersion(version)) {
      const v = version.full.split(/\s/)[0].replace(/[^\w.+-].*$/, "") ||
        JSON.stringify(version.full);
      return `it is CPython ${v}, which is not supported (${SUPPORTED})`;
    }
    pin = openLibc()?.symbols.dlopen(cpath, RTLD_LAZY) ?? null; // never closed
    try {
      lib = Deno.dlopen(path, ALL_SYMBOLS);
    } catch (e) {
      if (isPermissionError(e)) {
        return `not allowed to load it: run with --allow-ffi`;
      }
      return explainLoadError(path, e);
    }
  } finally {
    probe.close();
  }
  // This library's own Py_IsInitialized, whether or not it is global yet.
  const address = (symbol: string): Deno.PointerValue =>
    pin === null
      ? null
      : openLibc()!.symbols.dlsym(pin, encoder.encode(symbol + "\0"));
  const shadowedBy = (): string | null =>
    pin === null ? null : globalCPythonOtherThan(address("Py_IsInitialized"));
  const other = shadowedBy();
  if (other !== null) {
    lib.close();
    return `another CPython (${other}) is already loaded in this process, and a second one would bind to ` +
      "its symbols: a process runs one CPython, use that library";
  }
  // Make libpython's symbols global so C extension modules (numpy's
  // manylinux wheels are not linked against libpython) can resolve them.
  const handle = lib.symbols.dlopen(cpath, RTLD_NOW | RTLD_GLOBAL);
  if (handle === null) {
    const err = lib.symbols.dlerror();
    const reason = err
      ? Deno.UnsafePointerView.getCString(err)
      : "dlopen failed";
    lib.close();
    return `it loaded, but could not be made RTLD_GLOBAL: ${reason}`;
  }
  // The RTLD_GLOBAL reference is never closed either (see step 2): closing
  // drops this isolate's Deno handle only.
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    lib.close();
  };
  return {
    lib,
    version,
    close,
    address,
    shadowedBy,
    lock: lockProcess,
    holdOwnerMark,
  };
}

/** libc: the process-wide initialization lock, pinning libraries, symbol lookup. */
const LIBC_LOCK = {
  /** int socket(int domain, int type, int protocol) */
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** int bind(int fd, const struct sockaddr* addr, socklen_t len) */
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** int close(int fd) */
  close: { parameters: ["i32"], result: "i32" },
  /** pid_t getpid(void) */
  getpid: { parameters: [], result: "i32" },
  /** ssize_t readlink(const char* path, char* buf, size_t size) */
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  /** int access(const char* path, int mode): is the interpreter binary there (no read permission needed) */
  access: { parameters: ["buffer", "i32"], result: "i32" },
  /** int* __errno_location(void) (glibc and musl) */
  __errno_location: { parameters: [], result: "pointer" },
  /** void* dlopen(const char* filename, int flags): pins a loaded libpython */
  dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
  /** void* dlsym(void* handle, const char* name); a NULL handle is RTLD_DEFAULT */
  dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
  /** int dladdr(const void* addr, Dl_info* info): info.dli_fname comes first */
  dladdr: { parameters: ["pointer", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const EADDRINUSE = 98;

let libc: Deno.DynamicLibrary<typeof LIBC_LOCK> | null | undefined;

function openLibc(): Deno.DynamicLibrary<typeof LIBC_LOCK> | null {
  if (libc !== undefined) return libc;
  libc = null;
  for (const name of ["libc.so.6", `libc.musl-${Deno.build.arch}.so.1`]) {
    try {
      libc = Deno.dlopen(name, LIBC_LOCK); // never closed: libc stays loaded
      break;
    } catch {
      debug(`init lock: could not open ${name}`);
    }
  }
  return libc;
}

/** This process's prefix for abstract socket names: pid within its pid namespace. */
function processName(
  sym: Deno.DynamicLibrary<typeof LIBC_LOCK>["symbols"],
): string {
  const buf = new Uint8Array(64);
  const n = Number(
    sym.readlink(encoder.encode("/proc/self/ns/pid\0"), buf, 64n),
  );
  const ns = n > 0 ? new TextDecoder().decode(buf.subarray(0, n)) : "";
  return `pyembed/${ns}/${sym.getpid()}`;
}

/**
 * Bind the Linux abstract Unix socket `pyembed/pid:[NS]/PID/<what>`: its
 * release function, `"in-use"` when another isolate of this process holds
 * it, `"unavailable"` when this system cannot tell (not Linux, no libc, no
 * socket; debug-logged).
 *
 * Each isolate has its own copy of this module's state, so process-wide
 * state is a kernel object: an abstract socket has no file, is freed when
 * the process exits, and its name is per process (pid and pid namespace).
 * `bind(2)` to an abstract name is atomic: of two isolates (two threads)
 * binding at once, exactly one wins, the other gets `EADDRINUSE`. The
 * socket is `SOCK_CLOEXEC`, so processes started with `Deno.Command` do
 * not inherit it.
 */
function bindName(what: string): (() => void) | "in-use" | "unavailable" {
  if (Deno.build.os !== "linux") {
    debug("process names: not Linux, no abstract sockets");
    return "unavailable";
  }
  const c = openLibc();
  if (c === null) return "unavailable";
  const sym = c.symbols;
  const errno = (): number =>
    new Deno.UnsafePointerView(sym.__errno_location()!).getInt32();
  const name = encoder.encode(`${processName(sym)}/${what}`);
  const addr = new Uint8Array(3 + name.length); // sa_family, '\0', name
  new Uint16Array(addr.buffer, 0, 1)[0] = AF_UNIX; // native byte order
  addr.set(name, 3);
  const fd = sym.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    debug(`process names: socket() failed (errno ${errno()})`);
    return "unavailable";
  }
  if (sym.bind(fd, addr, addr.length) === 0) {
    let held = true;
    return (): void => {
      if (!held) return;
      held = false;
      sym.close(fd);
    };
  }
  const err = errno();
  sym.close(fd);
  if (err === EADDRINUSE) return "in-use";
  debug(`process names: bind() failed (errno ${err})`);
  return "unavailable";
}

/** How long {@linkcode lockProcess} waits for another isolate's initialization. */
const LOCK_TIMEOUT_MS = 10_000;

/**
 * Take the process-wide initialization lock, waiting (blocking, at most 10 s)
 * while another isolate of this process (the main thread, a Worker, another
 * test module) holds it; returns the function that releases it. The lock
 * is the abstract socket `pyembed/pid:[NS]/PID/init-lock` (see `bindName`),
 * held only while an isolate initializes CPython. An isolate terminated in
 * the middle of `initialize()` keeps it: the others then fail after the
 * timeout with an error saying so. Where abstract sockets are unavailable
 * (not Linux) there is no lock: initializing from two isolates at once is
 * then unsafe.
 *
 * Measured and rejected: `flock(2)` on the libpython file excludes two
 * opens in one process too (the second `LOCK_EX | LOCK_NB` gets
 * `EWOULDBLOCK`), but it also excludes other processes using that file,
 * and it is per library: two isolates initializing two different
 * libpythons would not exclude each other, and the second RTLD_GLOBAL
 * libpython is exactly what crashes.
 */
export function lockProcess(): () => void {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    const held = bindName("init-lock");
    if (held === "unavailable") return () => {};
    if (held !== "in-use") return held;
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${
          LOCK_TIMEOUT_MS / 1000
        } s waiting for another isolate of this process ` +
          "(the main thread or a Worker) to finish initializing CPython; an isolate terminated in the " +
          "middle of Python.initialize() keeps the lock for the life of the process.",
      );
    }
    Atomics.wait(sleep, 0, 0, 1);
  }
}

/**
 * Hold the process-wide owner mark, the abstract socket
 * `pyembed/pid:[NS]/PID/cpython-owner` (see `bindName`): bound by the
 * isolate that owns CPython for as long as that isolate lives and owns it,
 * closed by its `unload` handler (no GIL needed, so an ending isolate never
 * blocks on Python). A bound mark is how a later isolate knows the owner is
 * still alive: a Worker gets no `unload` event, so a Worker owner's mark
 * stays bound for the life of the process.
 */
export function holdOwnerMark(): (() => void) | "in-use" | "unavailable" {
  return bindName("cpython-owner");
}

const X_OK = 1;

/** Is `path` an executable file? Asked through libc, so no read permission is needed. */
function isExecutable(path: string): boolean {
  const c = openLibc();
  return c !== null &&
    c.symbols.access(encoder.encode(path + "\0"), X_OK) === 0;
}

/**
 * The interpreter binary that matches the libpython at `library` (CPython
 * 3.`minor`), for `sys.executable`, or null when there is none:
 * - inside a virtualenv (`venv`, from `$VIRTUAL_ENV`) made for this minor
 *   version (it has `lib/python3.X`), the virtualenv's `bin/python`;
 * - else `BINDIR/python3.X`, where the library is `PREFIX/lib/libpython3.X.so`
 *   (pyenv, `--enable-shared` builds) or `PREFIX/lib/TRIPLET/...` (Debian's
 *   `/usr/lib/x86_64-linux-gnu/libpython3.X.so.1.0` gives `/usr/bin/python3.X`),
 *   also `lib64`.
 * Existence is checked with `access(X_OK)` through libc.
 */
export function interpreterFor(
  library: string,
  minor: number,
  venv?: string,
): string | null {
  if (venv && isExecutable(`${venv}/bin/python`)) {
    const c = openLibc();
    if (
      c !== null &&
      c.symbols.access(encoder.encode(`${venv}/lib/python3.${minor}\0`), 0) ===
        0
    ) return `${venv}/bin/python`;
  }
  const parts = library.split("/").slice(0, -1);
  for (let up = 1; up <= 2 && parts.length > up; up++) {
    const libDir = parts[parts.length - up];
    if (libDir !== "lib" && libDir !== "lib64") continue;
    const exe = `${
      parts.slice(0, parts.length - up).join("/")
    }/bin/python3.${minor}`;
    if (isExecutable(exe)) return exe;
  }
  return null;
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
 * Take the process-wide initialization lock ({@linkcode lockProcess}), then
 * find and load libpython, following the documented order; returns holding
 * the lock (release it with `unlock()`), throws having released it. A candidate
 * that is refused is never left RTLD_GLOBAL (an unsupported version is
 * unloaded; a supported one stays pinned, unpromoted: see `tryLoad`); the
 * result's `close()` drops its Deno handle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 * import { loadLibrary } from "./library.ts";
 *
 * Python.initialize(); // loads libpython: loading it again finds the same file
 * const { path, source, unlock, close } = loadLibrary({});
 * unlock();
 * close();
 * assert.equal(path, Python.libraryPath);
 * assert.equal(typeof source, "string");
 * ```
 */
export function loadLibrary(options: LibraryOptions = {}): LoadedLibrary {
  if (!granted({ name: "ffi" })) throw ffiError();
  // Everything from the version probe on runs under the process lock:
  // Py_GetVersion() rewrites a static buffer on each call (3.8-3.12), so two
  // isolates probing one library at once read torn strings (measured: ""
  // on 3.12, 3 of 4 runs of 24 races).
  const unlock = lockProcess();
  try {
    return { ...findLibrary(options), unlock };
  } catch (e) {
    unlock();
    throw e;
  }
}

function findLibrary(options: LibraryOptions): Omit<LoadedLibrary, "unlock"> {
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
  ): Omit<LoadedLibrary, "unlock"> | string => {
    const result = tryLoad(path);
    if (typeof result === "string") {
      note(`${source}: ${path}: ${result}`);
      return result;
    }
    debug(`loaded ${path} (from ${source}), Python ${result.version.full}`);
    const executable = interpreterFor(path, result.version.minor, venv);
    debug(
      `interpreter binary for sys.executable: ${executable ?? "none found"}`,
    );
    return {
      ...result,
      path,
      source,
      tried,
      venvSitePackages: site,
      executable,
    };
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
  ): Omit<LoadedLibrary, "unlock"> => {
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
