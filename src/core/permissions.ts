/**
 * Deno's permissions applied to Python code (issue 16): with
 * `Python.initialize({ permissions: "deno" })`, a PEP 578 audit hook
 * (`sys.addaudithook`, source in `permissions_py.ts`) refuses Python's file,
 * network, subprocess, environment-write and `ctypes` loading operations the
 * Deno isolate owning CPython was not granted, with a `PermissionError`
 * naming the flag that grants them.
 *
 * Decisions are Deno's own: {@linkcode decide} runs
 * `Deno.permissions.querySync` with the descriptor Deno would check for the
 * same operation in JS (`{ name: "read", path }`, `{ name: "net", host:
 * "example.com:443" }`, `{ name: "run", command }`, ...). Python calls it
 * through `ctypes` (no Python object crosses, so it needs no GIL and no
 * TypeScript-function machinery); grants are cached in Python per
 * descriptor, so an allowed operation asks JS once.
 *
 * Not covered: a Python thread's question still waiting for the JS thread
 * when the owning isolate ends (its helper thread waits in Deno for good;
 * the asking thread is refused at its timeout).
 *
 * Internal; the public surface is the `permissions` option of
 * `InitializeOptions` (`runtime.ts`).
 *
 * @module
 */

import { debug } from "../ffi/library.ts";
import { PERMISSIONS_SOURCE } from "./permissions_py.ts";
import {
  cstr,
  newNamespace,
  type Ptr,
  runSource,
  type Runtime,
} from "./runtime.ts";

/** The values `InitializeOptions.permissions` accepts. */
export type PermissionsMode = "deno";

const KINDS = ["read", "write", "net", "run", "env", "ffi"] as const;

/**
 * The decision for one descriptor: 1 granted, 0 not (denied, or "prompt":
 * Python never prompts, as under `--no-prompt`), -1 the query threw.
 * `value` is a NUL-terminated UTF-8 path, host, command or variable, or
 * null for the unscoped permission.
 */
function decide(kind: number, value: Deno.PointerValue): number {
  try {
    const name = KINDS[kind];
    const v = value === null
      ? undefined
      : Deno.UnsafePointerView.getCString(value);
    let d: Deno.PermissionDescriptor;
    switch (name) {
      case "read":
      case "write":
      case "ffi":
        d = { name, path: v };
        break;
      case "net":
        d = { name, host: v };
        break;
      case "run":
        d = { name, command: v };
        break;
      case "env":
        d = { name, variable: v };
        break;
      default:
        return -1;
    }
    return Deno.permissions.querySync(d).state === "granted" ? 1 : 0;
  } catch {
    return -1; // nothing may unwind into C
  }
}

let callback:
  | Deno.UnsafeCallback<
    { readonly parameters: readonly ["i32", "pointer"]; readonly result: "i32" }
  >
  | null = null;
/** The hook namespace's `close` (a strong reference, for the process). */
let closeHook: Ptr | null = null;

/** Throws a TypeError unless `mode` is undefined or a supported mode. */
export function checkPermissionsMode(mode: unknown): void {
  if (mode !== undefined && mode !== "deno") {
    throw new TypeError(
      `Python.initialize({ permissions }): permissions must be "deno" (apply this process's Deno ` +
        `permissions to Python code) or left out, not ${JSON.stringify(mode)}`,
    );
  }
}

/**
 * Install the audit hook, once per process (idempotent; an audit hook
 * cannot be removed, so the permissions stay on for the life of the
 * process). Takes the GIL itself. When another isolate installed it
 * before (and has ended: its decisions are closed), nothing is installed
 * and Python's ungranted operations stay refused.
 */
export function enablePermissions(r: Runtime, mode: PermissionsMode): void {
  if (closeHook !== null) return;
  const sym = r.sym;
  const g = sym.PyGILState_Ensure();
  try {
    const sys = sym.PyImport_AddModule(cstr("sys"));
    const marker = sys &&
      withName(r, "_pyembed_permissions", (n) => sym.PyObject_GetAttr(sys, n));
    if (marker !== null && marker !== undefined) {
      sym.Py_DecRef(marker);
      closeHook = r.none; // installed by an isolate that has ended
      debug("permissions: the audit hook was installed by an earlier isolate");
      return;
    }
    sym.PyErr_Clear();
    callback ??= new Deno.UnsafeCallback(
      { parameters: ["i32", "pointer"], result: "i32" } as const,
      decide,
    );
    callback.unref();
    const ns = newNamespace(sym, r.builtins);
    if (ns === null) {
      throw new Error(
        `Python.initialize({ permissions: "${mode}" }) failed: ${
          pendingErrorText(r)
        }`,
      );
    }
    try {
      const addr = sym.PyLong_FromDouble(
        Number(Deno.UnsafePointer.value(callback.pointer)),
      )!;
      withName(r, "address", (n) => sym.PyDict_SetItem(ns, n, addr));
      sym.Py_DecRef(addr);
      if (
        !runSource(sym, ns, PERMISSIONS_SOURCE, "<pyembed permissions>")
      ) {
        const why = pendingErrorText(r);
        throw new Error(
          `Python.initialize({ permissions: "${mode}" }) failed: the audit hook could not be installed: ${why}`,
        );
      }
      const close = withName(
        r,
        "close",
        (n) => sym.PyDict_GetItemWithError(ns, n),
      )!;
      sym.Py_IncRef(close);
      closeHook = close;
    } finally {
      sym.Py_DecRef(ns);
    }
  } finally {
    sym.PyGILState_Release(g);
  }
  // After the owning isolate ends its callback is gone: from then on the
  // hook refuses what it has not granted before, instead of calling it.
  globalThis.addEventListener("unload", () => closeDecisions(r));
  debug(`permissions: Deno permissions apply to Python (mode "${mode}")`);
}

function closeDecisions(r: Runtime): void {
  if (closeHook === null || closeHook === r.none) return;
  try {
    const g = r.sym.PyGILState_Ensure();
    try {
      const out = r.sym.PyObject_CallObject(closeHook, null);
      if (out === null) r.sym.PyErr_Clear();
      else r.sym.Py_DecRef(out);
    } finally {
      r.sym.PyGILState_Release(g);
    }
  } catch {
    // the program is ending
  }
}

/** `f(name)` with `name` an interned str, released afterwards. */
function withName<T>(r: Runtime, s: string, f: (name: Ptr) => T): T {
  const name = r.sym.PyUnicode_InternFromString(cstr(s))!;
  try {
    return f(name);
  } finally {
    r.sym.Py_DecRef(name);
  }
}

/** `str()` of the pending Python exception (cleared), for an error message. */
function pendingErrorText(r: Runtime): string {
  const sym = r.sym;
  const slot = (): BigUint64Array<ArrayBuffer> => new BigUint64Array(1);
  const [t, v, b] = [slot(), slot(), slot()];
  sym.PyErr_Fetch(t, v, b);
  const ptr = (a: BigUint64Array): Ptr | null =>
    a[0] !== 0n ? Deno.UnsafePointer.create(a[0]) : null;
  const type = ptr(t), value = ptr(v), tb = ptr(b);
  let text = "unknown error";
  const s = value ? sym.PyObject_Str(value) : null;
  if (s !== null) {
    const p = sym.PyUnicode_AsUTF8AndSize(s, null);
    if (p !== null) text = Deno.UnsafePointerView.getCString(p);
    sym.Py_DecRef(s);
  }
  sym.PyErr_Clear();
  for (const o of [type, value, tb]) if (o !== null) sym.Py_DecRef(o);
  return text;
}
