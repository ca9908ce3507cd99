/**
 * Conversions between JS values and Python objects (`ToPyObject` and
 * `toJs()`), plus the string, integer and bytes primitives every operation
 * uses. All functions here expect the GIL to be held.
 *
 * @module
 */

import { fetchError, newErr } from "./err.ts";
import { enterUser, leaveUser } from "./gil.ts";
import { cstr, type Ptr, type Runtime, runtime } from "./runtime.ts";
import { ssize } from "./ssize.ts";

/** `tp_flags` bits that identify builtin types and their subclasses. */
export const enum TpFlags {
  Long = 1 << 24,
  List = 1 << 25,
  Tuple = 1 << 26,
  Bytes = 1 << 27,
  Unicode = 1 << 28,
  Dict = 1 << 29,
  BaseExc = 1 << 30,
  Type = -2147483648, // 1 << 31 as a signed 32-bit value
}

/**
 * Lends the borrowed pointer of a tier object or `Py` (throwing if it was
 * released), or returns `undefined` for any other value. Installed by
 * `src/types/` with a `#private` brand check, so no JS value can pass for a
 * Python object: a forged property or a Proxy is just an unconvertible
 * object, and the check runs no user code.
 */
type Borrower = (o: object) => Ptr | undefined;
/** The most common class's borrower (`PyAny`), asked first. */
let primary: Borrower = () => undefined;
/** The others (`Py`, `pyproxy` views), asked after it. */
const borrowers: Borrower[] = [];
/** Installed by the object classes (`PyAny`, `Py`): see {@linkcode Borrower}. */
export function registerBorrower(f: Borrower, first = false): void {
  // A failed `#field in o` costs ~10-30 ns in V8, a match ~0.4 ns: the most
  // common class (PyAny) is asked first.
  if (first) primary = f;
  else borrowers.push(f);
}

/** The borrowed pointer of a tier object or `Py`, or `undefined` for any other value. */
export function borrowedPtr(o: object): Ptr | undefined {
  return primary(o) ?? otherBorrowedPtr(o);
}

/** {@linkcode borrowedPtr} without asking the primary (`PyAny`) borrower. */
function otherBorrowedPtr(o: object): Ptr | undefined {
  for (let i = 0; i < borrowers.length; i++) {
    const p = borrowers[i](o);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * The conversion protocol (PyO3's `ToPyObject`): an object with a
 * `[toPyObject](py)` method is converted through what that method returns.
 */
export const toPyObject: unique symbol = Symbol.for("pyembed.toPyObject");

let functionToPy:
  | ((f: (...args: never[]) => unknown, py: unknown) => Ptr)
  | null = null;
/** Installed by the pyfunction module: how a JS function becomes a Python callable. */
export function setFunctionConverter(
  f: (fn: (...args: never[]) => unknown, py: unknown) => Ptr,
): void {
  functionToPy = f;
}

// --- scratch -----------------------------------------------------------------

/**
 * Largest scratch buffer kept between conversions. Strings up to a third of
 * this (UTF-8 worst case) reuse it; a larger conversion gets a buffer of its
 * own that is garbage once the conversion returns, so one 200 MB string does
 * not pin 200 MB (or 600 MB) for the life of the process. (1 MiB: a
 * string of up to ~350k UTF-16 units still converts without a scratch allocation.)
 */
const SCRATCH_KEEP = 1 << 20;
/** Strings up to this many units (or bytes) take the ASCII fast paths. */
const SHORT_ASCII = 256;
let scratch = new Uint8Array(1 << 12);
function scratchOf(n: number): Uint8Array<ArrayBuffer> {
  if (scratch.length < n) {
    if (n > SCRATCH_KEEP) return new Uint8Array(n);
    scratch = new Uint8Array(
      Math.min(Math.max(n, scratch.length * 2), SCRATCH_KEEP),
    );
  }
  return scratch as Uint8Array<ArrayBuffer>;
}
const sizeOut = new BigInt64Array(1);
const encoder = new TextEncoder();
// ignoreBOM: a Python str may begin with U+FEFF, which is text, not a byte-order mark.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const SURROGATEPASS = new TextEncoder().encode("surrogatepass\0");
const UTF16LE = new TextEncoder().encode("utf-16-le\0");
const LITTLE = new Int32Array([-1]);

// --- type checks -------------------------------------------------------------

/** `tp_flags` of `type(p)`. */
export function typeFlags(sym: Runtime["sym"], p: Ptr): number {
  const t = sym.PyObject_Type(p)!;
  const f = sym.PyType_GetFlags(t);
  sym.Py_DecRef(t);
  return f;
}

/** `isinstance(p, type)` for a builtin type, without calling Python code. */
export function isSubtype(sym: Runtime["sym"], p: Ptr, type: Ptr): boolean {
  const t = sym.PyObject_Type(p)!;
  const yes = sym.PyType_IsSubtype(t, type) !== 0;
  sym.Py_DecRef(t);
  return yes;
}

// --- str -----------------------------------------------------------------------

/**
 * A new `str` from a JS string, code unit for code unit: a well-formed
 * surrogate pair becomes its one astral code point, and a lone surrogate
 * becomes that surrogate code point (UTF-16 with `surrogatepass`), so
 * `strToJs(strToPy(s)) === s` for every JS string `s`. See
 * {@linkcode strToJs} for the one case the other direction cannot keep.
 */
export function strToPy(s: string): Ptr {
  const sym = runtime().sym;
  const len = s.length;
  if (len <= SHORT_ASCII) {
    // A short ASCII string (names, keys, words): copied unit by unit, which
    // measured ~2.5x faster than TextEncoder.encodeInto (an op call) at 32
    // characters, and well formed by construction (no isWellFormed scan);
    // the first non-ASCII unit falls back to the checks below.
    const buf = scratchOf(SHORT_ASCII);
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[i] = c;
    }
    if (i === len) {
      const p = sym.PyUnicode_DecodeUTF8(buf, ssize(len), null);
      if (p === null) throw fetchError();
      return p;
    }
  }
  if (!s.isWellFormed()) {
    const units = new Uint16Array(s.length);
    for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
    const p = sym.PyUnicode_DecodeUTF16(
      new Uint8Array(units.buffer),
      ssize(units.byteLength),
      SURROGATEPASS,
      LITTLE,
    );
    LITTLE[0] = -1;
    if (p === null) throw fetchError();
    return p;
  }
  const max = len * 3;
  let buf: Uint8Array<ArrayBuffer>;
  let n: number;
  if (max < SCRATCH_KEEP) {
    buf = scratchOf(max + 1);
    n = encoder.encodeInto(s, buf).written;
  } else {
    // A large string: an exact-size copy, garbage after the call.
    buf = encoder.encode(s) as Uint8Array<ArrayBuffer>;
    n = buf.length;
  }
  const p = sym.PyUnicode_DecodeUTF8(buf, ssize(n), null);
  if (p === null) throw fetchError();
  return p;
}

/**
 * A JS string from a `str`, code point for code point: an astral code point
 * becomes a surrogate pair, a lone surrogate code point the same lone code
 * unit. Throws TypeError for a non-`str`.
 *
 * What is not preserved: JS strings are UTF-16 code units, so a Python str
 * holding a high surrogate code point followed by a low one (two code
 * points, `'\ud83d' '\ude00'`, `len` 2) gives the same JS string as the one
 * astral code point they encode (`'\U0001f600'`, `len` 1): converting it
 * back to Python gives the astral `str`, which is not equal to the original.
 * Every other `str` round-trips exactly (Python -> JS -> Python), and every
 * JS string does (JS -> Python -> JS, {@linkcode strToPy}).
 */
export function strToJs(p: Ptr): string {
  return readStr(p, false)!;
}

/**
 * {@linkcode strToJs}, or `null` (no Python error left set) when `p` is not
 * a `str`: for a type check and a read in one, since
 * `PyUnicode_AsUTF8AndSize` checks the type itself (a `str` pays no
 * separate check, measured three FFI calls per read).
 */
export function strToJsIfStr(p: Ptr): string | null {
  return readStr(p, true);
}

function readStr(p: Ptr, orNull: boolean): string | null {
  const sym = runtime().sym;
  const data = sym.PyUnicode_AsUTF8AndSize(p, sizeOut);
  if (data === null) {
    if (orNull && (typeFlags(sym, p) & TpFlags.Unicode) === 0) {
      sym.PyErr_Clear(); // the TypeError of a non-str
      return null;
    }
    const err = fetchError();
    if (err.typeName !== "UnicodeEncodeError") throw err;
    err.releaseValue();
    // Lone surrogates: go through UTF-16 with surrogatepass.
    const b = sym.PyUnicode_AsEncodedString(p, UTF16LE, SURROGATEPASS);
    if (b === null) throw fetchError();
    const bytes = bytesToJs(b);
    sym.Py_DecRef(b);
    const units = new Uint16Array(
      bytes.buffer,
      bytes.byteOffset,
      bytes.length / 2,
    );
    let out = "";
    for (let i = 0; i < units.length; i += 8192) {
      out += String.fromCharCode(...units.subarray(i, i + 8192));
    }
    return out;
  }
  const n = Number(sizeOut[0]);
  if (n === 0) return "";
  if (n <= SHORT_ASCII) {
    // One op instead of a copy and a decode (measured ~1.5x faster at 32
    // bytes). The UTF-8 buffer ends in a NUL; reading up to the first NUL
    // gives at most one UTF-16 unit per byte, so a result of length `n`
    // means all `n` bytes were read and each was one ASCII character.
    // Anything else (non-ASCII text, an embedded NUL) is decoded below.
    const quick = Deno.UnsafePointerView.getCString(data);
    if (quick.length === n) return quick;
  }
  if (n <= SCRATCH_KEEP) {
    const buf = scratchOf(n);
    sym.memcpy(buf, data, ssize(n));
    return decoder.decode(buf.subarray(0, n));
  }
  // A large string: decode straight from the str's own UTF-8 buffer (alive
  // while `p` is; the view is dropped before this returns), no copy at all.
  return decoder.decode(
    new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(data, n)),
  );
}

// --- bytes -----------------------------------------------------------------------

/** A new `bytes` with a copy of `data`. */
export function bytesToPy(data: Uint8Array): Ptr {
  const sym = runtime().sym;
  const p = sym.PyBytes_FromStringAndSize(
    data as Uint8Array<ArrayBuffer>,
    ssize(data.length),
  );
  if (p === null) throw fetchError();
  return p;
}

/** A copy of a `bytes` object's contents. */
export function bytesToJs(p: Ptr): Uint8Array<ArrayBuffer> {
  const sym = runtime().sym;
  const data = sym.PyBytes_AsString(p);
  if (data === null) throw fetchError();
  const n = Number(sym.PyBytes_Size(p));
  const out = new Uint8Array(n);
  if (n > 0) sym.memcpy(out, data, ssize(n));
  return out;
}

/**
 * A copy of a `bytearray` object's contents; CPython's TypeError for any
 * other object (`PyByteArray_Size`/`_AsString` do not check their argument).
 */
export function byteArrayToJs(p: Ptr): Uint8Array<ArrayBuffer> {
  const r = runtime();
  const sym = r.sym;
  if (!isSubtype(sym, p, r.types.bytearray)) {
    throw newErr("TypeError", `expected a bytearray, not '${typeName(p)}'`);
  }
  const n = Number(sym.PyByteArray_Size(p));
  const out = new Uint8Array(n);
  const data = sym.PyByteArray_AsString(p);
  if (n > 0 && data !== null) sym.memcpy(out, data, ssize(n));
  return out;
}

// --- int, float ------------------------------------------------------------------

const TWO53 = 2 ** 53;

/**
 * A new `int` from an integral number or a bigint of any size: a safe
 * integer directly (`PyLong_FromDouble`, no BigInt made), anything larger
 * through its digits.
 */
export function intToPy(v: number | bigint): Ptr {
  if (typeof v === "number" && Number.isSafeInteger(v)) {
    const p = runtime().sym.PyLong_FromDouble(v);
    if (p === null) throw fetchError();
    return p;
  }
  return bigintToPy(BigInt(v));
}

/** A new `int` from a JS bigint of any size. */
export function bigintToPy(v: bigint): Ptr {
  const sym = runtime().sym;
  if (v > -9007199254740992n && v < 9007199254740992n) {
    const p = sym.PyLong_FromDouble(Number(v));
    if (p === null) throw fetchError();
    return p;
  }
  const p = sym.PyLong_FromString(
    encoder.encode(v.toString(16) + "\0"),
    null,
    16,
  );
  if (p === null) throw fetchError();
  return p;
}

const raisedType = new BigUint64Array(1);
const raisedValue = new BigUint64Array(1);
const raisedTb = new BigUint64Array(1);

function takeOut(a: BigUint64Array): Ptr | null {
  const v = a[0];
  a[0] = 0n;
  return v === 0n ? null : Deno.UnsafePointer.create(v);
}

/**
 * When the exception now set is of a type whose `__name__` is one of
 * `names`, clear it and return that name; otherwise leave it set (to be
 * thrown with `fetchError()`) and return null. This is what fetching it,
 * comparing `err.typeName` and `err.releaseValue()` did, without building a
 * `PyErr` (a JS Error, its stack, a GC registration: about 10 µs) for an
 * exception that is about to be dropped.
 */
function clearRaised(sym: Runtime["sym"], ...names: string[]): string | null {
  sym.PyErr_Fetch(raisedType, raisedValue, raisedTb);
  const t = takeOut(raisedType);
  const v = takeOut(raisedValue);
  const tb = takeOut(raisedTb);
  let name: string | null = null;
  if (t !== null) {
    const n = sym.PyObject_GetAttr(t, strCache("__name__"));
    if (n === null) {
      sym.PyErr_Clear();
    } else {
      name = strToJs(n);
      sym.Py_DecRef(n);
    }
  }
  if (name === null || !names.includes(name)) {
    sym.PyErr_Restore(t, v, tb); // steals all three back
    return null;
  }
  if (t !== null) sym.Py_DecRef(t);
  if (v !== null) sym.Py_DecRef(v);
  if (tb !== null) sym.Py_DecRef(tb);
  return name;
}

/** The exact value of an `int` as a bigint. */
export function intToBigint(p: Ptr): bigint {
  const sym = runtime().sym;
  const d = sym.PyLong_AsDouble(p);
  if (d === -1 && sym.PyErr_Occurred() !== null) {
    if (clearRaised(sym, "OverflowError") === null) throw fetchError();
  } else if (Math.abs(d) < TWO53) {
    return BigInt(d);
  }
  const hex = sym.PyNumber_ToBase(p, 16);
  if (hex === null) throw fetchError();
  const s = strToJs(hex);
  sym.Py_DecRef(hex);
  return s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
}

/** An `int` as a JS number when it is a safe integer, else a bigint. */
export function intToJs(p: Ptr): number | bigint {
  const sym = runtime().sym;
  const d = sym.PyLong_AsDouble(p);
  if (Math.abs(d) < TWO53 && !(d === -1 && sym.PyErr_Occurred() !== null)) {
    return d;
  }
  const b = intToBigint(p);
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

let unwrapper: ((p: Ptr) => object | undefined) | null = null;
let wrapper: ((v: object) => Ptr | undefined) | null = null;

/**
 * Installed by `src/function/pyclass.ts` on first use: `toPy` of an
 * instance of a class made a Python type is a Python instance wrapping it
 * (a new reference; `undefined`: not one).
 */
export function setObjectWrapper(f: (v: object) => Ptr | undefined): void {
  wrapper = f;
}

/**
 * Installed by `src/function/pyclass.ts` on first use: `toJs()` of one of
 * its instances is the JS object it wraps (`undefined`: not one).
 */
export function setObjectUnwrapper(f: (p: Ptr) => object | undefined): void {
  unwrapper = f;
}

/**
 * `f(operator.index(p))` (GIL held): `p.__index__()` handed to `f`, and
 * released after it; throws the Python error when `__index__` raises.
 */
export function withIndex<T>(p: Ptr, f: (idx: Ptr) => T): T {
  const sym = runtime().sym;
  const idx = sym.PyNumber_Index(p);
  if (idx === null) throw fetchError();
  try {
    return f(idx);
  } finally {
    sym.Py_DecRef(idx);
  }
}

/**
 * The JS string of `s`, a new `str` reference from a C call (`NULL`: throw
 * the raised Python error), released after it is read.
 */
export function takeStr(s: Ptr | null): string {
  if (s === null) throw fetchError();
  try {
    return strToJs(s);
  } finally {
    runtime().sym.Py_DecRef(s);
  }
}

/**
 * An `int` (or any object with `__index__`) as a safe JS integer. Raises
 * CPython's TypeError (`'str' object cannot be interpreted as an integer`) or
 * an OverflowError beyond ±(2^53 - 1).
 */
export function indexToNumber(p: Ptr): number {
  const sym = runtime().sym;
  const d = sym.PyLong_AsDouble(p);
  if (d === -1 && sym.PyErr_Occurred() !== null) {
    const raised = clearRaised(sym, "TypeError", "OverflowError");
    if (raised === null) throw fetchError();
    if (raised === "OverflowError") throw unsafeInt();
    return withIndex(p, indexToNumber);
  }
  if (Math.abs(d) < TWO53) return d;
  throw unsafeInt();
}

function unsafeInt(): Error {
  return newErr(
    "OverflowError",
    "Python int too large to convert to a JS number (outside ±(2**53 - 1)); extract it with Extract.bigint",
  );
}

/** A `float` (or `__float__`/`__index__` object) as a JS number; CPython's TypeError otherwise. */
export function floatToJs(p: Ptr): number {
  const sym = runtime().sym;
  const d = sym.PyFloat_AsDouble(p);
  if (d === -1 && sym.PyErr_Occurred() !== null) throw fetchError();
  return d;
}

// --- iteration -----------------------------------------------------------------

/**
 * `for item in p` (`iter()`, then `next()` until exhausted), without making
 * tier objects: `f` takes each item's new reference and must release it.
 */
export function forEachItem(p: Ptr, f: (item: Ptr) => void): void {
  const sym = runtime().sym;
  const it = sym.PyObject_GetIter(p);
  if (it === null) throw fetchError();
  try {
    for (
      let item = sym.PyIter_Next(it);
      item !== null;
      item = sym.PyIter_Next(it)
    ) f(item);
    if (sym.PyErr_Occurred() !== null) throw fetchError();
  } finally {
    sym.Py_DecRef(it);
  }
}

// --- JS -> Python ------------------------------------------------------------------

const MAX_DEPTH = 1000;

/**
 * A new strong reference converted from a JS value (DESIGN.md, Conversions).
 * `py` is the token handed to `[toPyObject](py)` methods and JS functions.
 */
export function toPy(v: unknown, py: unknown, depth = 0): Ptr {
  const r = runtime();
  const sym = r.sym;
  switch (typeof v) {
    case "number": {
      const p = Number.isSafeInteger(v) && !Object.is(v, -0)
        ? sym.PyLong_FromDouble(v)
        : sym.PyFloat_FromDouble(v);
      if (p === null) throw fetchError();
      return p;
    }
    case "string":
      return strToPy(v);
    case "boolean": {
      const p = v ? r.true_ : r.false_;
      sym.Py_IncRef(p);
      return p;
    }
    case "bigint":
      return bigintToPy(v);
    case "undefined":
      sym.Py_IncRef(r.none);
      return r.none;
    case "function":
    case "object":
      break;
    case "symbol":
      throw newErr(
        "TypeError",
        `cannot convert a JS symbol (${String(v)}) to a Python object`,
      );
  }
  if (v === null) {
    sym.Py_IncRef(r.none);
    return r.none;
  }
  // Arrays and typed arrays are never tier objects (Array.isArray and
  // ArrayBuffer.isView run no user code, even on a Proxy).
  const neverTier = Array.isArray(v) || ArrayBuffer.isView(v);
  if (!neverTier) {
    // A PyAny, the most common object here: one brand check, no user code.
    const p = primary(v as object);
    if (p !== undefined) {
      sym.Py_IncRef(p);
      return p;
    }
  }
  // Anything else may run user code (a [toPyObject] method, getters, Proxy
  // traps, a function's `name`, `Object.getPrototypeOf` on a Proxy): see
  // `enterUser` in gil.ts.
  enterUser();
  try {
    // A `Py` or a `pyproxy` view has its own prototype (a view is a
    // function): their brand checks are skipped for a plain object, Map or
    // Set, each of which would fail them (a failed private-field check costs
    // ~10-30 ns in V8). (An object whose prototype was replaced by one of
    // those is converted as what it now looks like.)
    if (!neverTier) {
      const proto = Object.getPrototypeOf(v);
      if (
        proto !== Object.prototype && proto !== null &&
        proto !== Map.prototype && proto !== Set.prototype
      ) {
        const borrowed = otherBorrowedPtr(v as object);
        if (borrowed !== undefined) {
          sym.Py_IncRef(borrowed);
          return borrowed;
        }
      }
    }
    return objectToPy(v as object, py, depth);
  } finally {
    leaveUser();
  }
}

function objectToPy(v: object, py: unknown, depth: number): Ptr {
  const sym = runtime().sym;
  if (typeof v === "function") {
    if (functionToPy === null) {
      throw newErr("TypeError", "JS functions cannot be converted yet");
    }
    return functionToPy(v as (...args: never[]) => unknown, py);
  }
  const o = v as Record<PropertyKey, unknown>;
  if (depth > MAX_DEPTH) {
    throw newErr(
      "ValueError",
      `cannot convert: nesting deeper than ${MAX_DEPTH} (a self-referencing JS value?)`,
    );
  }
  if (typeof o[toPyObject] === "function") {
    const out = (o[toPyObject] as (py: unknown) => unknown)(py);
    return toPy(out, py, depth + 1);
  }
  if (v instanceof Uint8Array) return bytesToPy(v);
  if (Array.isArray(v)) return sequenceToList(v, py, depth);
  if (v instanceof Map) {
    const d = sym.PyDict_New()!;
    try {
      for (const [k, val] of v) dictSet(d, k, val, py, depth);
    } catch (e) {
      sym.Py_DecRef(d);
      throw e;
    }
    return d;
  }
  if (v instanceof Set) {
    const s = sym.PySet_New(null)!;
    try {
      for (const item of v) {
        const ip = toPy(item, py, depth + 1);
        const rc = sym.PySet_Add(s, ip);
        sym.Py_DecRef(ip);
        if (rc !== 0) throw fetchError();
      }
    } catch (e) {
      sym.Py_DecRef(s);
      throw e;
    }
    return s;
  }
  if (v instanceof ArrayBuffer) return bytesToPy(new Uint8Array(v));
  if (v instanceof DataView) {
    throw newErr(
      "TypeError",
      "cannot convert a JS DataView to a Python object: pass a Uint8Array over its bytes " +
        "(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)) for bytes",
    );
  }
  if (ArrayBuffer.isView(v)) {
    return sequenceToList(
      Array.from(v as unknown as ArrayLike<number | bigint>),
      py,
      depth,
    );
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const d = sym.PyDict_New()!;
    try {
      for (const k of Object.keys(o)) dictSet(d, k, o[k], py, depth);
    } catch (e) {
      sym.Py_DecRef(d);
      throw e;
    }
    return d;
  }
  if (wrapper !== null) {
    const w = wrapper(v as object);
    if (w !== undefined) return w;
  }
  let name = "object";
  try {
    const n = (v as object).constructor?.name;
    if (typeof n === "string") name = n;
  } catch {
    // a throwing `constructor` getter or Proxy trap: keep "object"
  }
  throw newErr(
    "TypeError",
    `cannot convert a JS ${name} to a Python object: pass a primitive, array, Map, Set, plain object, Uint8Array, or implement [toPyObject](py)`,
  );
}

/**
 * Keyword arguments given as a plain object or a Map, as a new dict whose
 * string keys are the interned names {@linkcode strCache} keeps, as CPython
 * interns keyword names: no string is encoded per call (measured: the
 * generic conversion of `{ c: 3 }` cost ~800 ns, most of it encoding the
 * key). The result is exactly a `dict`. `null` for anything else (a tier
 * object, an array, a class instance, a `[toPyObject]` value), which the
 * caller converts with {@linkcode toPy}.
 */
export function kwargsToPy(v: unknown, py: unknown): Ptr | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  // No brand check (`borrowedPtr`) first: a failed private-field check costs
  // ~30 ns in V8 and there are two, more than the rest of building `{c: 3}`.
  // A tier object or `Py` has its class's prototype, which `plainKwargs`
  // turns away (`null`: converted by `toPy`). One whose prototype was
  // replaced by `Object.prototype` is taken for what it now looks like, a
  // plain object with no own keys.
  return plainKwargs(v, py);
}

/** A plain object or Map as a dict with interned keys; `null` for anything else. */
function plainKwargs(v: object, py: unknown): Ptr | null {
  enterUser(); // getters, Proxy traps and [toPyObject] are user code
  try {
    const isMap = v instanceof Map;
    const o = v as Record<PropertyKey, unknown>;
    if (!isMap) {
      const proto = Object.getPrototypeOf(v);
      if (
        (proto !== Object.prototype && proto !== null) ||
        typeof o[toPyObject] === "function"
      ) {
        return null;
      }
    }
    const sym = runtime().sym;
    const d = sym.PyDict_New()!;
    try {
      if (isMap) {
        for (const [k, val] of v as Map<unknown, unknown>) kwSet(d, k, val, py);
      } else {
        for (const k of Object.keys(o)) kwSet(d, k, o[k], py);
      }
    } catch (e) {
      sym.Py_DecRef(d);
      throw e;
    }
    return d;
  } finally {
    leaveUser();
  }
}

function kwSet(d: Ptr, k: unknown, val: unknown, py: unknown): void {
  if (typeof k !== "string") return dictSet(d, k, val, py, 0);
  const sym = runtime().sym;
  const vp = toPy(val, py, 1);
  const rc = sym.PyDict_SetItem(d, strCache(k), vp);
  sym.Py_DecRef(vp);
  if (rc !== 0) throw fetchError();
}

function sequenceToList(
  v: readonly unknown[],
  py: unknown,
  depth: number,
): Ptr {
  const sym = runtime().sym;
  const n = v.length;
  const list = sym.PyList_New(ssize(n));
  if (list === null) throw fetchError();
  for (let i = 0; i < n; i++) {
    let item: Ptr;
    try {
      item = toPy(v[i], py, depth + 1);
    } catch (e) {
      sym.Py_DecRef(list); // unset slots are NULL: list_dealloc skips them
      throw e;
    }
    sym.PyList_SetItem(list, ssize(i), item); // steals item
  }
  return list;
}

function dictSet(
  d: Ptr,
  k: unknown,
  val: unknown,
  py: unknown,
  depth: number,
): void {
  const sym = runtime().sym;
  const kp = toPy(k, py, depth + 1);
  let vp: Ptr;
  try {
    vp = toPy(val, py, depth + 1);
  } catch (e) {
    sym.Py_DecRef(kp);
    throw e;
  }
  const rc = sym.PyDict_SetItem(d, kp, vp);
  sym.Py_DecRef(kp);
  sym.Py_DecRef(vp);
  if (rc !== 0) throw fetchError();
}

// --- Python -> JS --------------------------------------------------------------------

/**
 * What `toJs(options)` changes from the default conversion (resolved by
 * `PyAny.toJs`): `undefined` is the default path (dicts to Maps, no depth
 * limit besides {@linkcode MAX_DEPTH}).
 */
export interface ToJsPlan {
  /** Dicts become plain objects (str keys only) instead of Maps. */
  objectDicts: boolean;
  /** Containers at this nesting level or deeper (the top is level 0) stay Python objects. */
  maxDepth: number;
  /** A Python object for a container left unconverted (`p` is borrowed). */
  leaf(p: Ptr): unknown;
}

/** A JS value converted from a Python object, recursively (DESIGN.md, Conversions). */
export function toJs(p: Ptr, depth = 0, plan?: ToJsPlan): unknown {
  const r = runtime();
  const sym = r.sym;
  if (depth > MAX_DEPTH) {
    throw newErr(
      "ValueError",
      `toJs(): nesting deeper than ${MAX_DEPTH} (a self-referencing container?)`,
    );
  }
  const t = sym.PyObject_Type(p)!;
  const flags = sym.PyType_GetFlags(t);
  try {
    if (flags & TpFlags.Long) {
      if (sym.PyType_IsSubtype(t, r.types.bool)) {
        return sym.PyObject_IsTrue(p) === 1;
      }
      return intToJs(p);
    }
    if (flags & TpFlags.Unicode) return strToJs(p);
    if (
      plan !== undefined && depth >= plan.maxDepth && isContainer(sym, t, flags)
    ) return plan.leaf(p);
    // Containers are read from a private snapshot (a new tuple holding a
    // strong reference to every item), never from the live object: an
    // item's conversion can run Python code (`__index__`, `__float__`, a
    // set's `__iter__`, a key's `__eq__`...) that clears or resizes the
    // container, which would free the items a borrowed read still points at.
    if (flags & TpFlags.Dict) {
      return plan?.objectDicts === true
        ? dictToObject(p, depth, plan)
        : dictToJs(p, depth, plan);
    }
    if (flags & TpFlags.List) {
      const snap = sym.PyList_AsTuple(p);
      if (snap === null) throw fetchError();
      try {
        return tupleToJs(snap, depth, plan);
      } finally {
        sym.Py_DecRef(snap);
      }
    }
    if (flags & TpFlags.Tuple) return tupleToJs(p, depth, plan); // immutable
    if (flags & TpFlags.Bytes) return bytesToJs(p);
    if (p === r.none || sym.PyType_IsSubtype(t, r.types.noneType)) return null;
    if (sym.PyType_IsSubtype(t, r.types.float)) return floatToJs(p);
    if (
      sym.PyType_IsSubtype(t, r.types.set) ||
      sym.PyType_IsSubtype(t, r.types.frozenset)
    ) {
      const snap = sym.PySequence_Tuple(p); // tuple(p): iterates like `for x in p`
      if (snap === null) throw fetchError();
      try {
        const out = new Set<unknown>();
        const n = tupleSize(snap);
        for (let i = 0; i < n; i++) {
          const v = toJs(
            sym.PyTuple_GetItem(snap, ssize(i))!,
            depth + 1,
            plan,
          );
          out.add(v);
          if (out.size !== i + 1) {
            throw collision("toJs(): two distinct set items", snap, i, v, out);
          }
        }
        return out;
      } finally {
        sym.Py_DecRef(snap);
      }
    }
    if (sym.PyType_IsSubtype(t, r.types.bytearray)) return byteArrayToJs(p);
    // An instance of a TypeScript class made a Python type (pyclass): its JS
    // object itself.
    if (unwrapper !== null) {
      const o = unwrapper(p);
      if (o !== undefined) return o;
    }
    // numpy (once imported): an ndarray as its tolist(); a numpy scalar by
    // its kind (np.bool_ a boolean, not the 1 of its __index__), others
    // (complex, datetime64, str_...) as their item().
    const np = numpyTypes ?? numpyTypesIfImported();
    if (np !== null) {
      let how: "tolist" | "item" | null = null;
      if (sym.PyType_IsSubtype(t, np[0]) !== 0) how = "tolist";
      else if (sym.PyType_IsSubtype(t, np[1]) !== 0) {
        if (sym.PyType_IsSubtype(t, np[2]) !== 0) {
          return withIndex(p, intToJs);
        }
        if (sym.PyType_IsSubtype(t, np[3]) !== 0) return floatToJs(p);
        if (sym.PyType_IsSubtype(t, np[4]) !== 0) {
          const b = sym.PyObject_IsTrue(p);
          if (b < 0) throw fetchError();
          return b === 1;
        }
        how = "item";
      }
      if (how !== null) {
        const f = sym.PyObject_GetAttr(p, strCache(how));
        const v = f === null ? null : sym.PyObject_CallObject(f, null);
        if (f !== null) sym.Py_DecRef(f);
        if (v === null) throw fetchError();
        try {
          // The array's own level: its tolist() stands for it.
          return toJs(v, plan === undefined ? depth + 1 : depth, plan);
        } finally {
          sym.Py_DecRef(v);
        }
      }
    }
    // Other number-like objects (Decimal...): __index__ first, then __float__.
    if (hasAttr(p, "__index__")) return withIndex(p, intToJs);
    if (hasAttr(p, "__float__")) {
      // A Decimal rounds through __float__ (Decimal('0.1') is not 0.1):
      // never silently; the caller chooses.
      const mod = strToJsSafe(sym.PyObject_GetAttr(t, strCache("__module__")));
      if (mod === "decimal" || mod === "_decimal" || mod === "_pydecimal") {
        throw newErr(
          "TypeError",
          "toJs(): a decimal.Decimal has no exact JS number; convert it explicitly: " +
            "str(d) (exact text) or obj.extract(Extract.float) (rounds to the nearest double)",
        );
      }
      return floatToJs(p);
    }
    const name = strToJsSafe(sym.PyObject_GetAttr(t, strCache("__qualname__")));
    throw newErr(
      "TypeError",
      `toJs(): '${name}' object has no JS equivalent; use obj.extract(...), call a conversion method (e.g. .tolist()), or keep it as a Python object`,
    );
  } finally {
    sym.Py_DecRef(t);
  }
}

/**
 * `numpy.ndarray`, `generic`, `integer`, `floating` and `bool_` (strong
 * references, kept for the process), once numpy is in `sys.modules`;
 * `null` before.
 */
let numpyTypes: Ptr[] | null = null;
const NUMPY_TYPES = ["ndarray", "generic", "integer", "floating", "bool_"];

/** Look numpy's types up in `sys.modules` (no import; a failure is just `null`). */
function numpyTypesIfImported(): Ptr[] | null {
  const sym = runtime().sym;
  const modules = sym.PyImport_GetModuleDict()!;
  const np = sym.PyDict_GetItemWithError(modules, strCache("numpy"));
  if (np === null) {
    if (sym.PyErr_Occurred() !== null) sym.PyErr_Clear();
    return null;
  }
  const found: Ptr[] = [];
  for (const name of NUMPY_TYPES) {
    const o = sym.PyObject_GetAttr(np, strCache(name));
    if (o === null) break;
    found.push(o);
    // Half-initialized (a callback during `import numpy`) or not numpy's.
    if ((typeFlags(sym, o) & TpFlags.Type) === 0) break;
  }
  if (
    found.length === NUMPY_TYPES.length &&
    (typeFlags(sym, found[found.length - 1]) & TpFlags.Type) !== 0
  ) {
    return (numpyTypes = found);
  }
  if (sym.PyErr_Occurred() !== null) sym.PyErr_Clear();
  for (const o of found) sym.Py_DecRef(o);
  return null;
}

/** `toJs()` of each item of a tuple (borrowed items: a tuple cannot change). */
function tupleToJs(t: Ptr, depth: number, plan?: ToJsPlan): unknown[] {
  const sym = runtime().sym;
  const n = tupleSize(t);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = toJs(sym.PyTuple_GetItem(t, ssize(i))!, depth + 1, plan);
  }
  return out;
}

/**
 * The containers a depth limit leaves as Python objects: dict, list, tuple,
 * set, frozenset, and a numpy ndarray (`t` is `type(p)`).
 */
function isContainer(sym: Runtime["sym"], t: Ptr, flags: number): boolean {
  if (flags & (TpFlags.Dict | TpFlags.List | TpFlags.Tuple)) return true;
  const r = runtime();
  if (
    sym.PyType_IsSubtype(t, r.types.set) ||
    sym.PyType_IsSubtype(t, r.types.frozenset)
  ) return true;
  const np = numpyTypes ?? numpyTypesIfImported();
  return np !== null && sym.PyType_IsSubtype(t, np[0]) !== 0;
}

/**
 * A dict as a plain JS object (`toJs({ dict: "object" })`): every key must
 * be a `str` (a JS property name is a string; `{1: 'a', '1': 'b'}` would
 * otherwise lose an entry), else a TypeError naming the key. Entries are
 * defined, not assigned, so a `"__proto__"` key is an ordinary property.
 */
function dictToObject(
  p: Ptr,
  depth: number,
  plan: ToJsPlan,
): Record<string, unknown> {
  const sym = runtime().sym;
  const [keys, values] = dictSnapshot(p);
  try {
    const entries: [string, unknown][] = [];
    const n = tupleSize(keys);
    for (let i = 0; i < n; i++) {
      const k = sym.PyTuple_GetItem(keys, ssize(i))!;
      if ((typeFlags(sym, k) & TpFlags.Unicode) === 0) {
        throw newErr(
          "TypeError",
          `toJs({ dict: "object" }): the dict key ${
            reprSafe(k)
          } is not a str, and a JS object's keys are strings: ` +
            'use toJs({ dict: "map" }) (the default) to keep keys of any type',
        );
      }
      entries.push([
        strToJs(k),
        toJs(sym.PyTuple_GetItem(values, ssize(i))!, depth + 1, plan),
      ]);
    }
    return Object.fromEntries(entries);
  } finally {
    sym.Py_DecRef(keys);
    sym.Py_DecRef(values);
  }
}

function dictToJs(
  p: Ptr,
  depth: number,
  plan?: ToJsPlan,
): Map<unknown, unknown> {
  const sym = runtime().sym;
  const [keys, values] = dictSnapshot(p);
  try {
    const out = new Map<unknown, unknown>();
    const n = tupleSize(keys);
    for (let i = 0; i < n; i++) {
      const k = toJs(sym.PyTuple_GetItem(keys, ssize(i))!, depth + 1, plan);
      out.set(
        k,
        toJs(sym.PyTuple_GetItem(values, ssize(i))!, depth + 1, plan),
      );
      if (out.size !== i + 1) {
        throw collision("toJs(): two distinct dict keys", keys, i, k, out);
      }
    }
    return out;
  } finally {
    sym.Py_DecRef(keys);
    sym.Py_DecRef(values);
  }
}

/** `len(t)` of a tuple (checked: a non-tuple throws). */
export function tupleSize(t: Ptr): number {
  const n = Number(runtime().sym.PyTuple_Size(t));
  if (n === -1) throw fetchError();
  return n;
}

/**
 * A `dict`'s keys and values as two new tuples, in the dict's order
 * (`PyDict_Keys`/`PyDict_Values`, the concrete dict API, so a subclass's
 * `__iter__`/`__getitem__` are not called). The tuples hold strong
 * references and cannot change, so their items stay valid whatever Python
 * code runs while they are converted (a `list`, even a private one, can be
 * reached and cleared through `gc.get_objects()`). Throws for a non-dict.
 */
export function dictSnapshot(p: Ptr): [keys: Ptr, values: Ptr] {
  const sym = runtime().sym;
  const kl = sym.PyDict_Keys(p);
  if (kl === null) throw fetchError();
  const vl = sym.PyDict_Values(p);
  if (vl === null) {
    sym.Py_DecRef(kl);
    throw fetchError();
  }
  const kt = sym.PyList_AsTuple(kl);
  sym.Py_DecRef(kl);
  const vt = kt === null ? null : sym.PyList_AsTuple(vl);
  sym.Py_DecRef(vl);
  if (kt === null || vt === null) {
    if (kt !== null) sym.Py_DecRef(kt);
    throw fetchError();
  }
  return [kt, vt];
}

/**
 * The error for item `i` of `items` (a tuple) converting to a JS value `v`
 * that `out` (a Map's keys or a Set) already holds. A JS Map or Set compares
 * with SameValueZero, so distinct Python objects can meet there: two NaN
 * floats, never equal in Python, are both `NaN`. Keeping one would drop
 * data silently, so it is a ValueError naming both Python objects.
 */
export function collision(
  what: string,
  items: Ptr,
  i: number,
  v: unknown,
  out: Map<unknown, unknown> | Set<unknown>,
): Error {
  const sym = runtime().sym;
  // Nothing collided before item i (the first collision throws), so the
  // insertion position of the entry it met is that entry's tuple index.
  let first = 0;
  for (const w of out.keys()) {
    if (w === v || (w !== w && v !== v)) break;
    first++;
  }
  const a = reprSafe(sym.PyTuple_GetItem(items, ssize(first)));
  const b = reprSafe(sym.PyTuple_GetItem(items, ssize(i)));
  return newErr(
    "ValueError",
    `${what}, ${a} and ${b}, convert to the same JS value (${
      describe(v)
    }), which a JS ${out instanceof Map ? "Map" : "Set"} holds only once: ` +
      "read the items as pairs or a list instead (PyDict.items() or entries(), " +
      'or extract e.g. Extract.list(Extract.tuple(k, v)) from obj.callMethod0("items"))',
  );
}

/** A JS value for an error message. */
function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (Object.is(v, -0)) return "-0";
  if (v === null || typeof v !== "object" && typeof v !== "function") {
    return String(v);
  }
  return typeof v;
}

/** `repr(p)`, or a placeholder when it raises (the exception is cleared). */
export function reprSafe(p: Ptr | null): string {
  const sym = runtime().sym;
  if (p === null) {
    sym.PyErr_Clear();
    return "<?>";
  }
  const r = sym.PyObject_Repr(p);
  if (r === null) {
    sym.PyErr_Clear();
    return `<${typeName(p)} object>`;
  }
  try {
    return strToJs(r);
  } catch {
    return `<${typeName(p)} object>`;
  } finally {
    sym.Py_DecRef(r);
  }
}

/** `type(p).__name__` (for error messages; never throws). */
export function typeName(p: Ptr): string {
  const sym = runtime().sym;
  const t = sym.PyObject_Type(p)!;
  const n = sym.PyObject_GetAttr(t, strCache("__name__"));
  sym.Py_DecRef(t);
  if (n === null) {
    sym.PyErr_Clear();
    return "object";
  }
  return strToJsSafe(n);
}

function hasAttr(p: Ptr, name: string): boolean {
  const sym = runtime().sym;
  const v = sym.PyObject_GetAttr(p, strCache(name));
  if (v === null) {
    sym.PyErr_Clear();
    return false;
  }
  sym.Py_DecRef(v);
  return true;
}

function strToJsSafe(p: Ptr | null): string {
  const sym = runtime().sym;
  if (p === null) {
    sym.PyErr_Clear();
    return "?";
  }
  try {
    return strToJs(p);
  } catch {
    return "?";
  } finally {
    sym.Py_DecRef(p);
  }
}

// --- interned names -------------------------------------------------------------------

const interned = new Map<string, Ptr>();

/**
 * A borrowed interned `str` for an attribute name, created once and kept for
 * the life of the process (like PyO3's `intern!`). The name is passed with
 * its length: a NUL or a lone surrogate is part of the name, as in Python's
 * `getattr(obj, name)`.
 */
export function strCache(name: string): Ptr {
  const hit = interned.get(name);
  if (hit !== undefined) return hit;
  const p = internStr(name);
  interned.set(name, p);
  return p;
}

let sysIntern: Ptr | null = null;

/**
 * A new reference to the interned `str` equal to `s` (PyO3's
 * `PyString::intern`). A name that a C string can carry goes through
 * `PyUnicode_InternFromString`; one holding a NUL or a lone surrogate is
 * made with its length ({@linkcode strToPy}) and interned by `sys.intern`
 * (`PyUnicode_InternInPlace`), never cut at the NUL or changed to U+FFFD.
 */
export function internStr(s: string): Ptr {
  const sym = runtime().sym;
  if (s.isWellFormed() && !s.includes("\0")) {
    const p = sym.PyUnicode_InternFromString(encoder.encode(s + "\0"));
    if (p === null) throw fetchError();
    return p;
  }
  if (sysIntern === null) {
    const sys = sym.PyImport_AddModule(cstr("sys"));
    if (sys === null) throw fetchError();
    const f = sym.PyObject_GetAttr(sys, strCache("intern"));
    if (f === null) throw fetchError();
    sysIntern = f; // kept for the life of the process
  }
  const args = sym.PyTuple_New(ssize(1));
  if (args === null) throw fetchError();
  let item: Ptr;
  try {
    item = strToPy(s);
  } catch (e) {
    sym.Py_DecRef(args);
    throw e;
  }
  sym.PyTuple_SetItem(args, ssize(0), item); // steals item
  const p = sym.PyObject_Call(sysIntern, args, null);
  sym.Py_DecRef(args);
  if (p === null) throw fetchError();
  return p;
}

// --- source code ------------------------------------------------------------------------

const MODE_NAMES: Record<number, string> = {
  256: "single",
  257: "exec",
  258: "eval",
};

/**
 * A new code object compiled from `code` (`mode`: `FILE_INPUT` or
 * `EVAL_INPUT` from runtime.ts), with `fileName` shown in
 * tracebacks. Source that a C string cannot carry unchanged (a NUL, which
 * would end it early, or a lone surrogate, which UTF-8 cannot encode) is
 * handed to Python's own `compile()` as a `str`, so it raises exactly what
 * `compile()` raises for that source on the running version
 * (`source code string cannot contain null bytes`: ValueError on 3.8-3.10,
 * SyntaxError from 3.11; UnicodeEncodeError `surrogates not allowed`)
 * instead of running other code than the caller wrote.
 */
export function compileSource(
  code: string,
  fileName: string,
  mode: number,
): Ptr {
  const sym = runtime().sym;
  if (
    code.isWellFormed() && !code.includes("\0") &&
    fileName.isWellFormed() && !fileName.includes("\0")
  ) {
    const co = sym.Py_CompileString(cstr(code), cstr(fileName), mode);
    if (co === null) throw fetchError();
    return co;
  }
  const compile = sym.PyDict_GetItemWithError(
    runtime().builtins,
    strCache("compile"),
  );
  if (compile === null) {
    if (sym.PyErr_Occurred() === null) {
      throw newErr("ValueError", "builtins.compile is missing");
    }
    throw fetchError();
  }
  sym.Py_IncRef(compile);
  try {
    const args = sequenceToTuple(
      [code, fileName, MODE_NAMES[mode] ?? "exec"],
      null,
    );
    const co = sym.PyObject_Call(compile, args, null);
    sym.Py_DecRef(args);
    if (co === null) throw fetchError();
    return co;
  } finally {
    sym.Py_DecRef(compile);
  }
}

// --- arrays ------------------------------------------------------------------------------

/**
 * A new `list` of `v`'s converted elements (what `PyList.new` makes: the
 * array's own `[toPyObject]`, if any, is not consulted, so the result is
 * always a list). Getters and Proxy traps run as user code (`enterUser`).
 */
export function arrayToList(v: readonly unknown[], py: unknown): Ptr {
  enterUser();
  try {
    return sequenceToList(v, py, 0);
  } finally {
    leaveUser();
  }
}

/** A new `tuple` of `v`'s converted elements (see {@linkcode arrayToList}). */
export function arrayToTuple(v: readonly unknown[], py: unknown): Ptr {
  enterUser();
  try {
    return sequenceToTuple(v, py);
  } finally {
    leaveUser();
  }
}

function sequenceToTuple(v: readonly unknown[], py: unknown): Ptr {
  const sym = runtime().sym;
  const n = v.length;
  const t = sym.PyTuple_New(ssize(n));
  if (t === null) throw fetchError();
  for (let i = 0; i < n; i++) {
    let item: Ptr;
    try {
      item = toPy(v[i], py, 1);
    } catch (e) {
      sym.Py_DecRef(t); // unset slots are NULL: tuple_dealloc skips them
      throw e;
    }
    sym.PyTuple_SetItem(t, ssize(i), item); // steals item
  }
  return t;
}

// --- receivers ---------------------------------------------------------------------------

/**
 * The error for a concrete method called on the wrong object
 * (`PyList.prototype.len.call(aDict)`): it names the class the method
 * belongs to and what it got.
 */
export function receiverError(
  o: unknown,
  cls: string,
  method: string,
): Error {
  let what: string = o === null ? "null" : typeof o;
  if (typeof o === "object" && o !== null) {
    try {
      const n = (o as { constructor?: { name?: unknown } }).constructor?.name;
      what = typeof n === "string" && n !== "" ? `a ${n}` : "an object";
    } catch {
      what = "an object";
    }
  }
  return newErr(
    "TypeError",
    `${cls}.${method}() called on ${what}: it needs a ${cls} (get one with obj.downcast(${cls}))`,
  );
}
