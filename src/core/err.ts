/**
 * Python exceptions as JS errors, the core half: fetching the raised
 * exception after a failed C call, mapping its type to the JS class of its
 * nearest builtin ancestor, and restoring a JS error into Python at the
 * callback boundary. The classes themselves (`PyErr` and the builtin
 * exceptions) are one layer up, in `src/types/err.ts` and
 * `src/types/exceptions.ts`, and register here.
 *
 * @module
 */

import { gilHeld, withGilScope } from "./gil.ts";
import { cstr, type Ptr, type Runtime, runtime } from "./runtime.ts";
import { strCache } from "./convert.ts";
import { callPy, drainIds, runKit } from "./kit.ts";
import { setSignalErrorHook } from "./signals.ts";
import { ssize } from "./ssize.ts";

/** Inside a scope this module opened itself (not the user's). */
let ownScope = false;

/** Is the current scope one {@linkcode errGil} opened (not the user's)? */
export function inOwnScope(): boolean {
  return ownScope;
}

/**
 * Run `f` with the GIL: in the caller's scope when it holds one, else in a
 * scope of this module's, where a materialized exception object is kept as a
 * GIL-independent reference (that scope ends before the caller sees it).
 */
export function errGil<R>(f: () => R): R {
  if (gilHeld) return f();
  ownScope = true;
  try {
    return withGilScope(f);
  } finally {
    ownScope = false;
  }
}

/**
 * What this module needs of the public error classes (`src/types/err.ts`,
 * one layer up): registered once by `PyErr`'s static block.
 */
export interface ErrKit {
  /** Is `e` a `PyErr`? */
  is(e: unknown): boolean;
  /** Set the `PyErr` `e` as Python's current exception (GIL held). */
  raise(e: unknown, r: Runtime): void;
}

let kit: ErrKit | null = null;

/** Called once by `PyErr` (src/types/err.ts). */
export function registerErrKit(k: ErrKit): void {
  kit = k;
}

/** What core code reads of a fetched error (it is a `PyErr`). */
export interface FetchedError extends Error {
  /** The Python exception type's name. */
  readonly typeName: string;
  /** Release the exception object now. */
  releaseValue(): void;
}

/** A builtin exception class, as this module constructs one. */
export interface ErrClass {
  /** The Python type's name in `builtins`. */
  readonly pyName: string;
  /** `new PyXxx(message)`, or one that adopts a fetched exception object. */
  new (
    message: string,
    internal?: { value: Ptr; typeName: string },
  ): FetchedError;
}

// A KeyboardInterrupt left pending by a SIGINT is thrown as its JS error.
setSignalErrorHook(() => fetchError());

const outType = new BigUint64Array(1);
const outValue = new BigUint64Array(1);
const outTb = new BigUint64Array(1);

function outPtr(a: BigUint64Array): Ptr | null {
  const v = a[0];
  a[0] = 0n;
  return v === 0n ? null : Deno.UnsafePointer.create(v);
}

/** Internal helper shared with `src/types/err.ts`. */
export function strNew(r: Runtime, s: string): Ptr {
  const b = new TextEncoder().encode(s);
  const p = r.sym.PyUnicode_DecodeUTF8(b, ssize(b.length), null);
  if (p === null) throw fetchError();
  return p;
}

/** Internal helper shared with `src/types/err.ts`: `builtins.<name>` (RuntimeError when absent). */
export function builtinType(r: Runtime, name: string): Ptr {
  const t = r.sym.PyDict_GetItemWithError(r.builtins, strCache(name));
  return t ?? builtinType(r, "RuntimeError");
}

/** str(obj) as a JS string; never throws (falls back to a placeholder). */
function safeStr(r: Runtime, o: Ptr): string {
  const s = r.sym.PyObject_Str(o);
  if (s === null) {
    r.sym.PyErr_Clear();
    return "<exception str() failed>";
  }
  const out = utf8(r, s);
  r.sym.Py_DecRef(s);
  return out;
}

const sizeOut = new BigInt64Array(1);
function utf8(r: Runtime, s: Ptr): string {
  const p = r.sym.PyUnicode_AsUTF8AndSize(s, sizeOut);
  if (p === null) {
    r.sym.PyErr_Clear();
    return "<unprintable>";
  }
  const n = Number(sizeOut[0]);
  return n === 0 ? "" : new TextDecoder("utf-8", { ignoreBOM: true }).decode(
    Deno.UnsafePointerView.getArrayBuffer(p, n),
  );
}

function getAttrStr(r: Runtime, o: Ptr, name: string): Ptr | null {
  const key = r.sym.PyUnicode_InternFromString(cstr(name))!;
  const v = r.sym.PyObject_GetAttr(o, key);
  r.sym.Py_DecRef(key);
  if (v === null) r.sym.PyErr_Clear();
  return v;
}

let classByType: Map<number | bigint, ErrClass> | null = null;

/** JS class for a Python exception type: its nearest builtin ancestor's. */
function classFor(
  r: Runtime,
  type: Ptr,
  all: readonly ErrClass[],
  aliases: Readonly<Record<string, ErrClass>>,
): ErrClass {
  if (classByType === null) {
    classByType = new Map();
    const add = (name: string, cls: ErrClass) => {
      const key = r.sym.PyUnicode_InternFromString(cstr(name))!;
      const t = r.sym.PyDict_GetItemWithError(r.builtins, key);
      r.sym.Py_DecRef(key);
      if (t !== null) classByType!.set(Deno.UnsafePointer.value(t), cls);
      else r.sym.PyErr_Clear();
    };
    for (const cls of all) add(cls.pyName, cls);
    for (const [name, cls] of Object.entries(aliases)) add(name, cls);
  }
  const direct = classByType.get(Deno.UnsafePointer.value(type));
  if (direct) return direct;
  const mro = getAttrStr(r, type, "__mro__");
  if (mro !== null) {
    try {
      const n = Number(r.sym.PyTuple_Size(mro));
      for (let i = 1; i < n; i++) {
        const t = r.sym.PyTuple_GetItem(
          mro,
          Deno.UnsafePointer.create(BigInt(i)),
        );
        const cls = t && classByType.get(Deno.UnsafePointer.value(t));
        if (cls) return cls;
      }
    } finally {
      r.sym.Py_DecRef(mro);
    }
  }
  return all[0];
}

let tables: {
  all: readonly ErrClass[];
  aliases: Readonly<Record<string, ErrClass>>;
} | null = null;
/** Called once by the exceptions module (src/types/exceptions.ts). */
export function registerExceptionClasses(
  all: readonly ErrClass[],
  aliases: Readonly<Record<string, ErrClass>>,
): void {
  tables = { all, aliases };
}

/** The registered class of the builtin exception `pyName`. */
function classNamed(pyName: string): ErrClass {
  const cls = tables?.all.find((c) => c.pyName === pyName);
  if (cls === undefined) {
    throw new Error(
      `pyembed internal error: exception classes not registered (${pyName})`,
    );
  }
  return cls;
}

/**
 * `PyXxx.newErr(message)` for core modules, which sit below the error
 * classes: a lazy error of the builtin exception `pyName`.
 */
export function newErr(pyName: string, message: string): FetchedError {
  return new (classNamed(pyName))(message);
}

/**
 * Take the raised Python exception (the GIL is held) and return it as a JS
 * error. Call after a C API call reported failure.
 */
export function fetchError(): FetchedError {
  const r = runtime();
  const sym = r.sym;
  sym.PyErr_Fetch(outType, outValue, outTb);
  if (outType[0] === 0n) {
    outValue[0] = 0n;
    outTb[0] = 0n;
    return newErr(
      "SystemError",
      "a Python C API call failed without setting an exception",
    );
  }
  sym.PyErr_NormalizeException(outType, outValue, outTb);
  const type = outPtr(outType)!;
  const value = outPtr(outValue)!;
  const tb = outPtr(outTb);
  if (tb !== null) {
    sym.PyException_SetTraceback(value, tb);
    sym.Py_DecRef(tb);
  }
  sym.Py_DecRef(type);
  return errorOf(value);
}

/**
 * The JS error for the exception object `value` (GIL held; a new reference,
 * stolen): the very JS value a TypeScript function threw, when `value` is
 * the `RuntimeError` that carried it through Python (`identity`), else a
 * new error of the class mapped from its type, owning `value`.
 */
export function errorOf(value: Ptr, identity = true): FetchedError {
  const r = runtime();
  const sym = r.sym;
  const type = sym.PyObject_Type(value)!;
  try {
    if (identity) {
      const origin = jsOrigin(r, type, value);
      if (origin !== undefined) {
        sym.Py_DecRef(value);
        return origin as FetchedError;
      }
    }
    const cls = classFor(r, type, tables!.all, tables!.aliases);
    const nameObj = getAttrStr(r, type, "__name__");
    const typeName = nameObj ? utf8(r, nameObj) : cls.pyName;
    if (nameObj) sym.Py_DecRef(nameObj);
    return new cls(safeStr(r, value), { value, typeName });
  } finally {
    sym.Py_DecRef(type);
  }
}

/**
 * The cause of the exception object `value` as Python shows it (GIL held):
 * `__cause__` (`raise X from Y`), else `__context__` (raised while handling
 * another) unless `__suppress_context__`; as a JS error, or `undefined`.
 */
export function causeOf(value: Ptr): unknown {
  const r = runtime();
  const sym = r.sym;
  const cause = sym.PyException_GetCause(value);
  if (cause !== null) return errorOf(cause);
  const suppress = getAttrStr(r, value, "__suppress_context__");
  const suppressed = suppress !== null && sym.PyObject_IsTrue(suppress) === 1;
  if (suppress !== null) sym.Py_DecRef(suppress);
  if (sym.PyErr_Occurred() !== null) sym.PyErr_Clear();
  if (suppressed) return undefined;
  const context = sym.PyException_GetContext(value);
  return context === null ? undefined : errorOf(context);
}

// --- JS errors keep their identity through Python -------------------------
//
// A JS object thrown by a TypeScript function becomes a RuntimeError in
// Python (restoreError); the RuntimeError carries a token
// (`_pyembed_js`) whose id maps to the thrown object here. When that
// RuntimeError comes back to JS (fetchError, or as a cause), the thrown
// object itself is returned. The map holds the object while Python holds
// the token: the token's __del__ queues its id, and the next restoreError
// drops the ids queued.

const jsErrors = new Map<number, object>();
let nextJsError = 1;
let tokenKit: { make: Ptr; dead: Ptr } | null = null;

const TOKEN_CODE = `
class _JsErrorToken:
    __slots__ = ("id",)
    dead = []

    def __init__(self, i):
        self.id = i

    def __del__(self, dead=dead):
        dead.append(self.id)

make = _JsErrorToken
dead = _JsErrorToken.dead
`;

function getTokenKit(): { make: Ptr; dead: Ptr } {
  return tokenKit ??= runKit(TOKEN_CODE, "<pyembed-js-error>", [
    "make",
    "dead",
  ]);
}

/** Attach a token for the thrown object `e` to the exception `exc` (GIL held). */
function carryJsError(r: Runtime, exc: Ptr, e: object): void {
  const sym = r.sym;
  const kit = getTokenKit();
  drainIds(kit.dead, (id) => jsErrors.delete(id));
  const id = nextJsError++;
  const idObj = sym.PyLong_FromDouble(id)!;
  const token = callPy(kit.make, [idObj]);
  sym.Py_DecRef(idObj);
  const rc = sym.PyObject_SetAttr(exc, strCache("_pyembed_js"), token);
  sym.Py_DecRef(token);
  if (rc !== 0) throw fetchError();
  jsErrors.set(id, e);
}

/** Internal, for tests: how many thrown JS objects Python may still hand back. */
export function jsErrorsHeld(): number {
  return jsErrors.size;
}

/** The JS object the exception `value` carries, or `undefined` (GIL held). */
function jsOrigin(r: Runtime, type: Ptr, value: Ptr): object | undefined {
  if (
    jsErrors.size === 0 ||
    !Deno.UnsafePointer.equals(type, builtinType(r, "RuntimeError"))
  ) {
    return undefined;
  }
  const sym = r.sym;
  const token = sym.PyObject_GetAttr(value, strCache("_pyembed_js"));
  if (token === null) {
    sym.PyErr_Clear();
    return undefined;
  }
  const idObj = sym.PyObject_GetAttr(token, strCache("id"));
  sym.Py_DecRef(token);
  if (idObj === null) {
    sym.PyErr_Clear();
    return undefined;
  }
  const id = sym.PyLong_AsDouble(idObj);
  sym.Py_DecRef(idObj);
  const origin = jsErrors.get(id);
  if (origin === undefined) return undefined;
  // The Python frames it crossed, on the object itself (not enumerable).
  try {
    if (Object.isExtensible(origin)) {
      Object.defineProperty(origin, "pythonTraceback", {
        value: formatTraceback(r, value),
        configurable: true,
        writable: true,
        enumerable: false,
      });
    }
  } catch {
    // a Proxy that refuses: the object is returned all the same
  }
  return origin;
}

/** `traceback.format_exception` of the exception object `value` (GIL held). */
export function formatTraceback(r: Runtime, value: Ptr): string {
  const tbmod = r.sym.PyImport_Import(strNew(r, "traceback"));
  if (tbmod === null) {
    r.sym.PyErr_Clear();
    return "";
  }
  const fmt = getAttrStr(r, tbmod, "format_exception")!;
  r.sym.Py_DecRef(tbmod);
  const type = r.sym.PyObject_Type(value)!;
  const tb = r.sym.PyException_GetTraceback(value) ?? r.none;
  if (tb === r.none) r.sym.Py_IncRef(tb);
  const args = r.sym.PyTuple_New(Deno.UnsafePointer.create(3n))!;
  r.sym.Py_IncRef(value);
  r.sym.PyTuple_SetItem(args, null, type);
  r.sym.PyTuple_SetItem(args, Deno.UnsafePointer.create(1n), value);
  r.sym.PyTuple_SetItem(args, Deno.UnsafePointer.create(2n), tb);
  const lines = r.sym.PyObject_Call(fmt, args, null);
  r.sym.Py_DecRef(args);
  r.sym.Py_DecRef(fmt);
  if (lines === null) {
    r.sym.PyErr_Clear();
    return "";
  }
  let out = "";
  const n = Number(r.sym.PyList_Size(lines));
  for (let i = 0; i < n; i++) {
    out += utf8(
      r,
      r.sym.PyList_GetItem(lines, Deno.UnsafePointer.create(BigInt(i)))!,
    );
  }
  r.sym.Py_DecRef(lines);
  return out;
}

const RECURSION_MESSAGE = cstr(
  "maximum recursion depth exceeded: the JavaScript stack ran out in calls between Python and TypeScript",
);
const FALLBACK_MESSAGE = cstr(
  "a JavaScript error was thrown, and converting it to a Python exception failed",
);

/**
 * Set `e` as the current Python exception (the GIL is held): a `PyErr` as
 * itself, any other thrown value as `RuntimeError` carrying the JS message,
 * with the JS stack as a note (3.11+) or in the message. Never throws, and
 * leaves exactly one exception set, whatever `e` is (a Proxy whose traps
 * throw, an object whose `message` getter throws, a released `PyErr`).
 */
export function restoreError(e: unknown): void {
  if (!gilHeld) return;
  const r = runtime();
  // What the handler left pending (e.g. an error it was converting when the
  // JS stack ran out) is replaced: exactly one exception leaves the callback.
  r.sym.PyErr_Clear();
  try {
    if (kit !== null && kit.is(e)) {
      kit.raise(e, r);
      return;
    }
    if (isStackOverflow(e)) {
      // The JS stack ran out inside JS <-> Python recursion: do as little as
      // possible here (no regex, no string building: the stack is short).
      r.sym.PyErr_SetString(
        builtinType(r, "RecursionError"),
        RECURSION_MESSAGE,
      );
      return;
    }
    const { name, message, stack } = describe(e);
    const withNotes = r.version.minor >= 11;
    const text = withNotes
      ? `${name}: ${message}`
      : `${name}: ${message}\n${stack}`;
    const msg = strNew(r, text);
    const exc = callPy(builtinType(r, "RuntimeError"), [msg]);
    r.sym.Py_DecRef(msg);
    if (withNotes) {
      const add = getAttrStr(r, exc, "add_note");
      if (add) {
        const note = strNew(r, `JavaScript stack:\n${stack}`);
        const res = callPy(add, [note]);
        r.sym.Py_DecRef(res);
        r.sym.Py_DecRef(note);
        r.sym.Py_DecRef(add);
      }
    }
    if ((typeof e === "object" && e !== null) || typeof e === "function") {
      try {
        carryJsError(r, exc, e);
      } catch {
        r.sym.PyErr_Clear(); // identity lost, the exception still goes
      }
    }
    const t = r.sym.PyObject_Type(exc)!;
    r.sym.PyErr_SetObject(t, exc);
    r.sym.Py_DecRef(t);
    r.sym.Py_DecRef(exc);
  } catch (inner) {
    // Never let anything escape into C: fall back to a plain RuntimeError.
    r.sym.PyErr_Clear();
    try {
      let why = "";
      try {
        why = `: ${describe(inner).message}`;
      } catch {
        // nothing more to say
      }
      const text =
        `a JavaScript error was thrown, and converting it to a Python exception failed${why}`;
      r.sym.PyErr_SetString(builtinType(r, "RuntimeError"), cstr(text));
    } catch (again) {
      r.sym.PyErr_Clear();
      r.sym.PyErr_SetString(
        builtinType(
          r,
          isStackOverflow(again) ? "RecursionError" : "RuntimeError",
        ),
        isStackOverflow(again) ? RECURSION_MESSAGE : FALLBACK_MESSAGE,
      );
    }
  }
}

/** V8's "Maximum call stack size exceeded" RangeError. */
function isStackOverflow(e: unknown): boolean {
  if (!(e instanceof RangeError)) return false;
  try {
    return e.message.includes("call stack");
  } catch {
    return false;
  }
}

/** Name, message and stack of any thrown value; never throws. */
function describe(
  e: unknown,
): { name: string; message: string; stack: string } {
  const read = (f: () => unknown, fallback: string): string => {
    try {
      const v = f();
      return typeof v === "string" ? v : v === undefined ? fallback : String(v);
    } catch {
      return fallback;
    }
  };
  if (e instanceof Error) {
    return {
      name: read(() => e.name, "Error"),
      message: read(() => e.message, "<message unreadable>"),
      stack: read(() => e.stack, ""),
    };
  }
  return {
    name: "Error",
    message: read(() => String(e), "<a thrown value that cannot be printed>"),
    stack: "",
  };
}
