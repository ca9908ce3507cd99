/**
 * Python exceptions as JS errors: fetching the raised exception after a
 * failed C call, mapping its type to the JS class of its nearest builtin
 * ancestor, and restoring a JS error into Python at the callback boundary.
 *
 * @module
 */

import {
  currentScope,
  Dead,
  gilHeld,
  pooled,
  Ref,
  setEscapeHook,
  type Tier,
  withGilScope,
} from "./gil.ts";
import { borrowedPtr } from "./convert.ts";
import { cstr, type Ptr, type Runtime, runtime } from "./runtime.ts";
import { setSignalErrorHook } from "./signals.ts";
import { ssize } from "./ssize.ts";
import { decrefAnywhere, Strong } from "./strong.ts";
import type { PyAny } from "../types/any.ts";
import type { Py } from "../types/py.ts";

type Lazy = { message: string };

/** Inside a scope this module opened itself (not the user's). */
let ownScope = false;

/**
 * Run `f` with the GIL: in the caller's scope when it holds one, else in a
 * scope of this module's, where a materialized exception object is kept as a
 * GIL-independent reference (that scope ends before the caller sees it).
 */
function withGil<R>(f: () => R): R {
  if (gilHeld) return f();
  ownScope = true;
  try {
    return withGilScope(f);
  } finally {
    ownScope = false;
  }
}

/** Set by `PyErr`'s static blocks (they reach its private fields). */
let raiseIn: (e: PyErr, r: Runtime) => void;

/**
 * A Python exception as a JS `Error`. Builtin exception types have JS
 * subclasses following Python's hierarchy (`PyKeyError extends PyLookupError
 * extends PyException extends PyBaseException extends PyErr`); a user-defined
 * exception class maps to its nearest builtin ancestor, and `typeName` keeps
 * its own name.
 *
 * `err.traceback` is the formatted Python traceback (computed on first use);
 * `err.stack` is that traceback followed by the JS stack.
 *
 * @example
 * ```ts ignore
 * import { Python, PyErr, PyZeroDivisionError } from "@pyembed/pyembed";
 * Python.withGil((py) => {
 *   try {
 *     py.eval("1/0");
 *   } catch (e) {
 *     if (e instanceof PyZeroDivisionError) console.log(e.typeName, e.message, e.traceback);
 *   }
 * });
 * ```
 */
export class PyErr extends Error {
  /** The builtin Python type this JS class stands for. */
  static readonly pyName: string = "BaseException";
  /** The exception object, owned like a pool object by the scope it was made in. */
  #ref: Ref | null = null;
  /** The tier that owns `#ref`, or `null` (the pool array directly). */
  #tier: Tier | null = null;
  /** The exception object, kept past its scope (it escaped `Python.withGil`). */
  #strong: Strong | null = null;
  #lazy: Lazy | null;
  #typeName: string;
  #traceback: string | undefined;

  /**
   * Make an error of this class that has not reached Python yet (PyO3's
   * lazy `PyErr::new`). Thrown from a TypeScript callback, Python sees an
   * exception of this type with `message`.
   *
   * @example
   * ```ts ignore
   * throw PyValueError.newErr("x must be positive");
   * ```
   */
  static newErr<T extends PyErr>(
    this: new (message: string) => T,
    message: string,
  ): T {
    return new this(message);
  }

  /**
   * Prefer `PyXxx.newErr(message)`; the constructor is the same thing.
   */
  constructor(message: string, internal?: { value: Ptr; typeName: string }) {
    super(message);
    const cls = new.target as typeof PyErr;
    if (internal) this.#own(internal.value);
    this.#lazy = internal ? null : { message };
    this.#typeName = internal?.typeName ?? cls.pyName;
    this.name = this.#typeName;
    const jsStack = Object.getOwnPropertyDescriptor(this, "stack")?.get;
    Object.defineProperty(this, "stack", {
      configurable: true,
      enumerable: false,
      get: (): string => {
        const js = jsStack
          ? String(jsStack.call(this))
          : `${this.name}: ${this.message}`;
        const tb = this.traceback;
        return tb ? `${tb.trimEnd()}\n\nJavaScript stack:\n${js}` : js;
      },
    });
  }

  static {
    setSignalErrorHook(() => fetchError());
    setEscapeHook((e: unknown, outermost: boolean): Ref | null => {
      if (!(e instanceof PyErr)) return null;
      const p = e.#ref?.ptr;
      if (p === null || p === undefined || e.#strong !== null) return null;
      runtime().sym.Py_IncRef(p);
      if (outermost) {
        // Leaving Python.withGil: from now on a GIL-independent reference.
        e.#strong = new Strong(p);
        return null;
      }
      // Leaving a py.withPool: owned by the enclosing pool instead.
      e.#ref = new Ref(p, -1, null);
      e.#tier = null;
      return e.#ref;
    });
  }

  /**
   * Take ownership of the new reference `p` as the current scope's tier owns
   * objects (the innermost pool, or a slot of the scope, released by
   * `releaseValue()`/`[Symbol.dispose]()`), or as a `Strong` outside any
   * user scope.
   */
  #own(p: Ptr): void {
    const scope = currentScope();
    if (scope !== null && !ownScope) {
      const tier = scope.tier;
      if (tier !== null) {
        this.#ref = tier.adopt(p);
        this.#tier = tier;
      } else {
        this.#ref = new Ref(p, -1, null);
        pooled.push(this.#ref);
      }
    } else {
      this.#strong = new Strong(p);
    }
  }

  /** The exception object, or `null` (lazy, or released). */
  #ptr(): Ptr | null {
    return this.#strong?.ptr ?? this.#ref?.ptr ?? null;
  }

  /** The Python exception type's name (`KeyError`, or a user class's own name). */
  get typeName(): string {
    return this.#typeName;
  }

  /**
   * The formatted Python traceback (`traceback.format_exception`), or `""` for
   * an error made in JS that never reached Python, or one whose exception
   * object was released before the traceback was first read.
   */
  get traceback(): string {
    if (this.#traceback !== undefined) return this.#traceback;
    const v = this.#ptr();
    if (v === null) return this.#ref === null ? (this.#traceback = "") : "";
    this.#traceback = withGil(() => formatTraceback(runtime(), v));
    return this.#traceback;
  }

  /**
   * The exception object as a GIL-independent `Py` (a new strong reference:
   * dispose it when done). Bind it in a scope to read `args` or attributes:
   * `err.value.bind(py).getattr("args")`. Needs the GIL for a lazy error.
   */
  get value(): Py<PyAny> {
    return withGil(() => {
      const p = this.unsafeValuePtr;
      runtime().sym.Py_IncRef(p);
      return pyFactory!(p);
    });
  }

  /**
   * Borrowed pointer to the exception object, materializing a lazy error.
   * Needs the GIL. The error owns the reference: it is released with the
   * pool or scope the error was made in (PyO3's `PyErr` drops its object at
   * the end of its scope too), with `releaseValue()`, or, for an error
   * thrown out of `Python.withGil`, when the error is garbage-collected.
   * Throws once the object was released.
   */
  get unsafeValuePtr(): Deno.PointerObject {
    const held = this.#ptr();
    if (held !== null) return held;
    if (this.#lazy === null) {
      throw new Error(
        `This ${this.#typeName} error's Python exception object was released: the scope that ` +
          "caught it ended (or releaseValue() was called). Read err.value, err.traceback or " +
          "err.isInstanceOf(type) inside that scope, or let the error propagate out of " +
          "Python.withGil to keep its exception object.",
      );
    }
    const r = runtime();
    const type = builtinType(r, (this.constructor as typeof PyErr).pyName);
    const msg = strNew(r, this.#lazy.message);
    const value = callOne(r, type, msg);
    r.sym.Py_DecRef(msg);
    this.#lazy = null;
    this.#own(value);
    return value;
  }

  /**
   * Is the exception an instance of `type`: a Python type object (any object
   * with `unsafePtr`), or one of the JS exception classes?
   */
  isInstanceOf(
    type:
      | { readonly unsafePtr: Deno.PointerObject }
      | (abstract new (...args: never[]) => PyErr),
  ): boolean {
    if (typeof type === "function") return this instanceof type;
    return withGil(() => {
      // Through the brand check: a look-alike `{ unsafePtr }` is refused.
      const t = borrowedPtr(type);
      if (t === undefined) {
        throw new TypeError(
          "isInstanceOf(type): pass a Python type object (a PyAny or Py) or a PyErr class",
        );
      }
      return runtime().sym.PyErr_GivenExceptionMatches(
        this.unsafeValuePtr,
        t,
      ) === 1;
    });
  }

  /**
   * Release the exception object now (idempotent). Afterwards `value`,
   * `isInstanceOf(pythonType)` and an unread `traceback` are gone; the JS
   * class, `typeName` and `message` stay.
   */
  releaseValue(): void {
    this.#lazy = null;
    this.#strong?.release();
    const ref = this.#ref;
    const p = ref?.ptr;
    if (!ref || !p) return;
    if (this.#tier?.name === "owned" && gilHeld) {
      this.#tier.dispose(ref); // frees its slot: a loop of caught errors stays flat
      return;
    }
    ref.ptr = null;
    ref.dead = Dead.Disposed;
    decrefAnywhere(p);
  }

  /** `releaseValue()`, so `using err = ...` works for a caught error. */
  [Symbol.dispose](): void {
    this.releaseValue();
  }

  /** Internal: set this error as Python's current exception (the GIL is held). */
  static {
    raiseIn = (e: PyErr, r: Runtime): void => {
      const v = e.#ptr();
      if (v === null && e.#lazy !== null) {
        // Never materialized: Python makes the exception object itself.
        const type = builtinType(r, (e.constructor as typeof PyErr).pyName);
        const msg = strNew(r, e.#lazy.message);
        r.sym.PyErr_SetObject(type, msg);
        r.sym.Py_DecRef(msg);
        return;
      }
      const p = e.unsafeValuePtr; // throws if released: restoreError reports that
      const t = r.sym.PyObject_Type(p)!;
      r.sym.PyErr_SetObject(t, p);
      r.sym.Py_DecRef(t);
    };
  }
}

// ---------------------------------------------------------------------------

let pyFactory: ((p: Ptr) => Py<PyAny>) | null = null;
/** Installed by `src/types/py.ts` (breaks the import cycle): a `Py` adopting `p`. */
export function setPyFactory(f: (p: Ptr) => Py<PyAny>): void {
  pyFactory = f;
}

const outType = new BigUint64Array(1);
const outValue = new BigUint64Array(1);
const outTb = new BigUint64Array(1);

function outPtr(a: BigUint64Array): Ptr | null {
  const v = a[0];
  a[0] = 0n;
  return v === 0n ? null : Deno.UnsafePointer.create(v);
}

function strNew(r: Runtime, s: string): Ptr {
  const b = new TextEncoder().encode(s);
  const p = r.sym.PyUnicode_DecodeUTF8(b, ssize(b.length), null);
  if (p === null) throw fetchError();
  return p;
}

function builtinType(r: Runtime, name: string): Ptr {
  const key = r.sym.PyUnicode_InternFromString(cstr(name))!;
  const t = r.sym.PyDict_GetItemWithError(r.builtins, key);
  r.sym.Py_DecRef(key);
  return t ?? builtinType(r, "RuntimeError");
}

function callOne(r: Runtime, callable: Ptr, arg: Ptr): Ptr {
  const args = r.sym.PyTuple_New(Deno.UnsafePointer.create(1n))!;
  r.sym.Py_IncRef(arg);
  r.sym.PyTuple_SetItem(args, null, arg);
  const res = r.sym.PyObject_Call(callable, args, null);
  r.sym.Py_DecRef(args);
  if (res === null) throw fetchError();
  return res;
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

let classByType: Map<number | bigint, typeof PyErr> | null = null;

/** JS class for a Python exception type: its nearest builtin ancestor's. */
function classFor(
  r: Runtime,
  type: Ptr,
  all: readonly (typeof PyErr)[],
  aliases: Readonly<Record<string, typeof PyErr>>,
): typeof PyErr {
  if (classByType === null) {
    classByType = new Map();
    const add = (name: string, cls: typeof PyErr) => {
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
  all: readonly (typeof PyErr)[];
  aliases: Readonly<Record<string, typeof PyErr>>;
} | null = null;
/** Called once by the exceptions module to break the import cycle. */
export function registerExceptionClasses(
  all: readonly (typeof PyErr)[],
  aliases: Readonly<Record<string, typeof PyErr>>,
): void {
  tables = { all, aliases };
}

/**
 * Take the raised Python exception (the GIL is held) and return it as a JS
 * error. Call after a C API call reported failure.
 */
export function fetchError(): PyErr {
  const r = runtime();
  const sym = r.sym;
  sym.PyErr_Fetch(outType, outValue, outTb);
  if (outType[0] === 0n) {
    outValue[0] = 0n;
    outTb[0] = 0n;
    const cls = tables!.all.find((c) => c.pyName === "SystemError") ?? PyErr;
    return new cls("a Python C API call failed without setting an exception");
  }
  sym.PyErr_NormalizeException(outType, outValue, outTb);
  const type = outPtr(outType)!;
  const value = outPtr(outValue)!;
  const tb = outPtr(outTb);
  if (tb !== null) {
    sym.PyException_SetTraceback(value, tb);
    sym.Py_DecRef(tb);
  }
  const cls = classFor(r, type, tables!.all, tables!.aliases);
  const nameObj = getAttrStr(r, type, "__name__");
  const typeName = nameObj ? utf8(r, nameObj) : cls.pyName;
  if (nameObj) sym.Py_DecRef(nameObj);
  sym.Py_DecRef(type);
  return new cls(safeStr(r, value), { value, typeName });
}

function formatTraceback(r: Runtime, value: Ptr): string {
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
    if (e instanceof PyErr) {
      raiseIn(e, r);
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
    const exc = callOne(r, builtinType(r, "RuntimeError"), msg);
    r.sym.Py_DecRef(msg);
    if (withNotes) {
      const add = getAttrStr(r, exc, "add_note");
      if (add) {
        const note = strNew(r, `JavaScript stack:\n${stack}`);
        const res = callOne(r, add, note);
        r.sym.Py_DecRef(res);
        r.sym.Py_DecRef(note);
        r.sym.Py_DecRef(add);
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
