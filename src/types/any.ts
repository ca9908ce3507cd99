/**
 * `PyAny`: any Python object, and the generic object protocol. Every method
 * body is written once here; the ownership of what a method returns is the
 * tier's (`Tier.adopt`), chosen by the token the object was made under.
 *
 * @module
 */

import {
  arrayToTuple,
  isSubtype,
  kwargsToPy,
  registerBorrower,
  strCache,
  strToJs,
  takeStr,
  toJs as convertToJs,
  type ToJsPlan,
  toPy,
  typeName,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { runKit } from "../core/kit.ts";
import { PyTypeError, PyValueError } from "./exceptions.ts";
import {
  deadMessage,
  gilHeld,
  noGilError,
  type Ref,
  refuseThenable,
} from "../core/gil.ts";
import { type Ptr, type Runtime, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { type Py, pyFromOwned } from "./py.ts";
import type { PyDict } from "./dict.ts";
import type { PythonBase } from "./python.ts";
import { tokenState } from "./python.ts";
import { type Ctor, KEY, ReturnGiven } from "./internal.ts";
import { callAsyncOn } from "./async.ts";
import { extractorItem, extractResult, type Item } from "./extract.ts";
import { awaitAsyncOn, type AwaitOptions } from "./awaitable.ts";

/**
 * Typed extraction (PyO3's `FromPyObject<T>`): turns a Python object into a
 * JS value of type `T`, raising the TypeError/OverflowError CPython would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, type FromPyObject, type PyAny, Python } from "@pyembed/pyembed";
 *
 * // an extractor of one's own: a Python (x, y) pair as a JS object
 * const point: FromPyObject<{ x: number; y: number }> = {
 *   extract(obj: PyAny) {
 *     const [x, y] = obj.extract(Extract.tuple(Extract.float, Extract.float));
 *     return { x, y };
 *   },
 * };
 * Python.withGil((py) => {
 *   const n: number = py.eval("6 * 7").extract(Extract.int);
 *   assert.equal(n, 42);
 *   assert.deepEqual(py.eval("(1.5, 2.0)").extract(point), { x: 1.5, y: 2 });
 * });
 * ```
 */
export interface FromPyObject<T> {
  /** Convert `obj`, or throw a `PyErr`. */
  extract(obj: PyAny): T;
}

/**
 * A concrete object class, as taken by `downcast` and `isInstanceOf`:
 * `PyDict`, `PyList`, ...
 */
export interface PyTypeInfo<T extends PyAny> {
  /** The instances' prototype (ties the class to `T`). */
  readonly prototype: T;
  /** The class name used in downcast errors, e.g. `"PyDict"`. */
  readonly typeName: string;
  /** Is `obj` an instance of the Python type this class stands for? */
  typeCheck(obj: PyAny): boolean;
}

/**
 * Internal: the checked borrowed pointer of a tier object, read through its
 * private field, so neither a look-alike object nor an own `unsafePtr`
 * property planted on a real one can hand a pointer to the library. Every
 * operation reads its objects' pointers through this.
 */
export let ptrOf: (o: PyAny) => Deno.PointerObject;

function notAPythonObject(o: unknown): TypeError {
  let what: string = typeof o;
  try {
    what = (o as object)?.constructor?.name ?? what;
  } catch {
    // a hostile constructor getter
  }
  return new TypeError(
    `expected a Python object (PyAny or a subclass from this library), got a JS ${what}`,
  );
}

/** `builtins.AttributeError` (a builtin: lives as long as Python). */
let attributeError: Ptr | null = null;

/** Rich comparison operators (`Py_LT` ... `Py_GE`). */
const enum Op {
  Lt = 0,
  Le = 1,
  Eq = 2,
  Ne = 3,
  Gt = 4,
  Ge = 5,
}

/**
 * Options of {@linkcode PyAny.toJs}: dicts as `Map`s (the default) or plain
 * objects, and how many levels of containers to convert.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyAny, Python, type ToJsOptions } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const opts: ToJsOptions = { dict: "object", depth: 1 };
 *   const v = py.eval("{'a': [1]}").toJs(opts) as { a: PyAny };
 *   assert.ok(v.a instanceof PyAny); // the list stays a Python object
 *   assert.deepEqual(v.a.toJs(), [1]);
 * });
 * ```
 */
export interface ToJsOptions {
  /** `"map"` (default): a dict becomes a `Map`; `"object"`: a plain object (str keys only). */
  dict?: "map" | "object";
  /** Levels of containers to convert (default `Infinity`); deeper ones stay `PyAny`. */
  depth?: number;
}

/** Arguments accepted where Python takes keyword arguments. */
export type Kwargs = Record<string, unknown> | Map<string, unknown> | PyAny;

/** Internal: the one place a new strong reference becomes an object of class `cls`. */
export function wrap<T extends PyAny>(
  py: PythonBase,
  ptr: Ptr | null,
  cls: Ctor<T>,
): T {
  if (ptr === null) throw fetchError();
  const ref = tokenState(py).tier.adopt(ptr);
  // Most results are plain PyAny: a constant class here lets V8 inline the
  // allocation instead of a generic construct (measured ~10 ns per object).
  return ((cls as unknown) === PyAny
    ? new PyAny(KEY, ref, py)
    : new cls(KEY, ref, py)) as T;
}

/** Internal: the same for a borrowed reference (increfs first). */
export function wrapBorrowed<T extends PyAny>(
  py: PythonBase,
  ptr: Ptr | null,
  cls: Ctor<T>,
): T {
  if (ptr === null) throw fetchError();
  // Written out rather than delegating to wrap(): delegating measured ~20 ns
  // slower per object on list_get_item (pool), 6.2 -> 7.3 ms for 50k items.
  const tier = tokenState(py).tier; // check the token before taking a reference
  runtime().sym.Py_IncRef(ptr);
  const ref = tier.adopt(ptr);
  return ((cls as unknown) === PyAny
    ? new PyAny(KEY, ref, py)
    : new cls(KEY, ref, py)) as T;
}

/** CPython's wording when a call's arguments do not fit the signature. */
const ARGUMENT_ERROR =
  /positional argument|takes no arguments|takes (?:at most|exactly|at least|from)|expected (?:at most |at least )?\d+ arguments?|unexpected keyword|required (?:positional|keyword)/;

/**
 * The most common slip: keyword arguments written as a JS object and passed
 * positionally (`f.call1(x, { axis: 0 })` is `f(x, {'axis': 0})` in Python).
 * Converting a plain object to a dict is legitimate (`json.dumps`), so
 * nothing is checked before the call (no cost when it succeeds); when Python
 * raises a `TypeError` about the arguments, its message gains a hint naming
 * the plain-object argument. Any other error is returned as it is.
 */
function positionalHint(
  e: unknown,
  args: readonly unknown[],
  form: string,
): unknown {
  if (!(e instanceof PyTypeError) || !ARGUMENT_ERROR.test(e.message)) return e;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== "object" || a === null) continue;
    let proto: unknown;
    try {
      proto = Object.getPrototypeOf(a); // a Proxy's trap may throw
    } catch {
      continue;
    }
    if (proto !== Object.prototype && proto !== null) continue;
    e.message += ` (hint: argument ${i + 1} is a JS object, passed as one ` +
      `positional dict; for keyword arguments use ${form})`;
    return e;
  }
  return e;
}

/**
 * Internal: a terminal operation's extractor, checked before the operation
 * runs; `undefined` for the object form (no extractor given).
 */
export function terminal<T>(
  extract: FromPyObject<T> | undefined,
  where: string,
): Item<T> | undefined {
  return extract === undefined ? undefined : extractorItem(extract, where);
}

/**
 * Internal: an operation's new reference `p` (`null`: it raised) as the
 * object form, a `PyAny` owned by the tier, or, with `it`, as the extracted
 * JS value with no object made (a terminal operation).
 */
export function finish<T>(
  py: PythonBase,
  p: Ptr | null,
  it: Item<T> | undefined,
): PyAny | T {
  return it === undefined ? wrap(py, p, PyAny) : extractResult(it, p, py);
}

/** Internal: a new tuple of converted arguments. */
function argsTuple(py: PythonBase, args: readonly unknown[]): Ptr {
  const sym = runtime().sym;
  const n = args.length;
  const t = sym.PyTuple_New(ssize(n));
  if (t === null) throw fetchError();
  for (let i = 0; i < n; i++) {
    let item: Ptr;
    try {
      item = toPy(args[i], py);
    } catch (e) {
      sym.Py_DecRef(t);
      throw e;
    }
    sym.PyTuple_SetItem(t, ssize(i), item);
  }
  return t;
}

/**
 * `def star_call(f, a, k): return f(*a, **k)`, compiled once: calls whose keyword
 * arguments are a Python object other than an exact dict go through it, so
 * a mapping is unpacked, and anything else raises, exactly as `f(**k)`
 * does in Python (`f() argument after ** must be a mapping, not list`).
 * `PyObject_Call` itself takes only a dict (any other object crashes it).
 */
let starCall: Ptr | null = null;
function starCallPtr(): Ptr {
  if (starCall !== null) return starCall;
  // Kept for the life of the process.
  return starCall = runKit(
    "def star_call(f, a, k):\n    return f(*a, **k)\n",
    "<pyembed>",
    ["star_call"],
  ).star_call;
}

/** Internal: call `callable` with converted positional and keyword arguments. */
export function callPtr(
  py: PythonBase,
  callable: Ptr,
  args: readonly unknown[] | undefined,
  kwargs: Kwargs | undefined,
): Ptr | null {
  const sym = runtime().sym;
  if (kwargs === undefined && (args === undefined || args.length === 0)) {
    return sym.PyObject_CallObject(callable, null);
  }
  const t = argsTuple(py, args ?? []);
  // A plain object or Map becomes an exact dict; anything else (a PyAny
  // mapping, a list by mistake) is checked before PyObject_Call sees it.
  let kw: Ptr | null = null;
  let exact = true;
  try {
    if (kwargs !== undefined) {
      kw = kwargsToPy(kwargs, py);
      if (kw === null) {
        kw = toPy(kwargs, py);
        exact = false;
      }
    }
  } catch (e) {
    sym.Py_DecRef(t);
    throw e;
  }
  let res: Ptr | null;
  if (kw === null || exact || isExactDict(sym, kw)) {
    res = sym.PyObject_Call(callable, t, kw);
  } else {
    // A PyAny that is not a dict (a mapping, or a list by mistake).
    const all = sym.PyTuple_New(ssize(3))!;
    sym.Py_IncRef(callable);
    sym.PyTuple_SetItem(all, ssize(0), callable);
    sym.PyTuple_SetItem(all, ssize(1), t); // steals t
    sym.PyTuple_SetItem(all, ssize(2), kw); // steals kw
    let helper: Ptr;
    try {
      helper = starCallPtr();
    } catch (e) {
      sym.Py_DecRef(all);
      throw e;
    }
    res = sym.PyObject_Call(helper, all, null);
    sym.Py_DecRef(all);
    return res;
  }
  sym.Py_DecRef(t);
  if (kw !== null) sym.Py_DecRef(kw);
  return res;
}

function isExactDict(sym: Runtime["sym"], p: Ptr): boolean {
  // `type(p) is dict` as two subtype checks (two fast FFI calls), not
  // Deno.UnsafePointer.equals (measured ~120 ns here).
  const t = sym.PyObject_Type(p)!;
  const dict = runtime().types.dict;
  const yes = sym.PyType_IsSubtype(t, dict) !== 0 &&
    sym.PyType_IsSubtype(dict, t) !== 0;
  sym.Py_DecRef(t);
  return yes;
}

/**
 * Internal: `str(getattr(obj, name))` as a JS string, with no tier object
 * made for the attribute (so nothing is left in a pool or slot).
 */
export function attrString(obj: PyAny, name: string): string {
  const sym = runtime().sym;
  const v = sym.PyObject_GetAttr(ptrOf(obj), strCache(name));
  if (v === null) throw fetchError();
  try {
    return takeStr(sym.PyObject_Str(v));
  } finally {
    sym.Py_DecRef(v);
  }
}

/**
 * Internal: `seq[index]` of a list or tuple (`get`: `PyList_GetItem` or
 * `PyTuple_GetItem`, a borrowed item), with or without an extractor. Only a
 * non-negative safe integer takes the direct path: a larger one would wrap
 * around in Py_ssize_t and read a wrong item, not IndexError; any other key
 * (a negative index, a slice) goes through `PyAny.getItem`. An extracted
 * item is referenced before it is read, so Python code the extraction runs
 * (`__index__`) cannot free it.
 */
export function sequenceItem<T>(
  seq: PyAny,
  index: unknown,
  get: (p: Ptr, i: Deno.PointerValue) => Deno.PointerValue,
  extract: FromPyObject<T> | undefined,
): PyAny | T {
  if (!Number.isSafeInteger(index) || (index as number) < 0) {
    return (PyAny.prototype.getItem as (
      k: unknown,
      e?: FromPyObject<T>,
    ) => PyAny | T).call(seq, index, extract);
  }
  const it = terminal(extract, "getItem");
  const p = get(ptrOf(seq), ssize(index as number));
  // Written out rather than through finish(): delegating measured ~20 ns
  // slower per object on list_get_item (pool), 6.2 -> 7.3 ms for 50k items.
  if (it === undefined) return wrapBorrowed(seq.py(), p, PyAny);
  if (p === null) throw fetchError();
  runtime().sym.Py_IncRef(p);
  return extractResult(it, p, seq.py());
}

/** Internal: `seq[start:stop]` (Python semantics, negatives count from the end) as `cls`. */
export function sliceOf<T extends PyAny>(
  seq: PyAny,
  start: number,
  stop: number,
  cls: Ctor<T>,
): T {
  return wrap(
    seq.py(),
    runtime().sym.PySequence_GetSlice(ptrOf(seq), ssize(start), ssize(stop)),
    cls,
  );
}

/** The error of a `PyAny.use` callback that returned a Promise. */
const USE_PROMISE =
  "PyAny.use() callback returned a Promise: the object is released when use() returns. " +
  "Use the object synchronously inside the callback, or keep it with unbind() (experimental) / " +
  "Py.from(obj) (stable) across the await.";

/** A `PyAny`'s reference (no check: `o` is a `PyAny`). */
let refOf: (o: PyAny) => Ref;
/** A `PyAny`'s token (no check: `o` is a `PyAny`). */
let pyOf: (o: PyAny) => PythonBase;

/**
 * A `PyAny`'s reference and token, as private fields that `PyAny`'s
 * constructor stamps onto each object (`new PyAnyFields(this, ...)`), rather
 * than fields of `PyAny` itself. They stay as private as `#ref` on `PyAny`
 * would be (only this module can read them; a Proxy cannot fake them), and a
 * typed wrapper is cheaper to make: V8 does not inline a base constructor
 * that defines private members into a derived class's, so every `PyString`,
 * `PyInt`, ... cost a call more to construct (plain JS, one run of
 * `deno task bench:v8`: 35.7 ns, against 9.4 ns stamped and 9.2 ns for the
 * base class). `PyAny` therefore declares no private member of its own.
 */
class PyAnyFields extends ReturnGiven {
  #ref: Ref;
  #py: PythonBase;
  constructor(o: object, ref: Ref, py: PythonBase) {
    super(o);
    this.#ref = ref;
    this.#py = py;
  }
  static {
    refOf = (o) => (o as unknown as PyAnyFields).#ref;
    pyOf = (o) => (o as unknown as PyAnyFields).#py;
    // The brand check behind ToPyObject: only a real PyAny lends a pointer.
    registerBorrower(
      (o) => #ref in o ? ptrOf(o as unknown as PyAny) : undefined,
      true,
    );
    ptrOf = (o: PyAny): Deno.PointerObject => {
      // One private read, not `#ref in o` and then the read: a site that
      // sees many wrapper classes (any real program) pays V8's megamorphic
      // lookup once instead of twice. Only an object without the field
      // throws here (TypeError), and that is the error below.
      let ref: Ref;
      try {
        ref = (o as unknown as PyAnyFields).#ref;
      } catch {
        throw notAPythonObject(o);
      }
      const p = ref.ptr;
      if (p === null) throw new Error(deadMessage(ref.dead));
      if (!gilHeld) throw noGilError();
      return p;
    };
  }
}

/**
 * Any Python object. Objects are never constructed directly: they come from
 * `py.import`, `py.eval`, `PyDict.new(py)`, method results, and so on.
 *
 * Ownership depends on the tier whose `Python.withGil` made the token: in the
 * stable tier (`mod.ts`) the innermost pool owns the reference until it ends;
 * in the experimental tier (`experimental/mod.ts`) the object owns it until
 * `[Symbol.dispose]()` (`using`), or at latest until its GIL scope ends. A
 * released object throws on use; it never touches freed memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const math = py.import("math");
 *   const r = math.callMethod1("sqrt", 2);
 *   assert.equal(r.extract(Extract.float), Math.SQRT2);
 *   assert.equal(r.repr(), "1.4142135623730951");
 * });
 * ```
 */
export class PyAny {
  /** Class name used in downcast errors. */
  static readonly typeName: string = "PyAny";

  /** @ignore Internal: objects come from the API, never from `new`. */
  constructor(key: typeof KEY, ref: Ref, py: unknown) {
    if (key !== KEY) {
      throw new TypeError(
        `${new.target.name} cannot be constructed with new: get objects from the API (e.g. PyDict.new(py), py.eval(...))`,
      );
    }
    new PyAnyFields(this, ref, py as PythonBase);
  }

  /** Every object is an instance of `object`. */
  static typeCheck(_obj: PyAny): boolean {
    return true;
  }

  /**
   * The borrowed `PyObject*`. Owned by this object (pool- or self-owned); valid
   * until it is released. Throws if released or used without the GIL.
   */
  get unsafePtr(): Deno.PointerObject {
    return ptrOf(this);
  }

  /** The token of the scope this object was made in (PyO3's `obj.py()`). */
  py(): PythonBase {
    return pyOf(this);
  }

  // --- ownership ---------------------------------------------------------------

  /**
   * Release this reference now. Experimental tier: the reference is dropped at
   * once (idempotent; later use throws). Stable tier: a no-op, the pool owns
   * the reference (use `py.withPool` to release temporaries early).
   */
  [Symbol.dispose](): void {
    const ref = refOf(this);
    if (ref.ptr === null) return; // already released (disposed, moved, or its scope/pool ended)
    tokenState(pyOf(this)).tier.dispose(ref);
  }

  /**
   * `f(this)`, then `this[Symbol.dispose]()`, also when `f` throws: a
   * `using` block written as a call, for hot loops. Returns what `f` returns.
   * Experimental tier: the reference is dropped when `use` returns, so
   * neither return `this` from `f` nor keep it (a later use throws). Stable
   * tier: `dispose` is a no-op, the pool still owns the reference.
   *
   * Why: a `using` declaration costs 100-235 ns a block in V8 15 (Deno
   * 2.9), more than making the object, while this call costs what a
   * `try`/`finally` does, about 2 ns (`deno task bench:v8`). `f` must be
   * synchronous: a Promise it returns is a `TypeError` (the object is
   * released before the Promise's code after an `await` runs).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, PyString, Python } from "@pyembed/pyembed/experimental";
   *
   * Python.withGil((py) => {
   *   let total = 0;
   *   for (let i = 0; i < 1000; i++) {
   *     // Made, read, and released at once, as `using s = ...` would.
   *     total += PyString.new(py, `item ${i}`).use((s) => s.len());
   *   }
   *   assert.equal(total, 10 * 6 + 90 * 7 + 900 * 8);
   *   const s = PyString.new(py, "abc");
   *   assert.equal(s.use((x) => x.extract(Extract.str)), "abc");
   *   assert.throws(() => s.len(), /released/);
   * });
   * ```
   */
  use<R>(f: (obj: this) => R): R {
    let result: R;
    try {
      result = f(this);
    } finally {
      this[Symbol.dispose]();
    }
    return refuseThenable(result, USE_PROMISE);
  }

  /** A second strong reference to the same object, owned like this one. */
  clone(): this {
    const p = ptrOf(this);
    return wrapBorrowed(pyOf(this), p, this.constructor as Ctor<this>);
  }

  /**
   * Move the reference into a GIL-independent `Py<T>` (experimental tier: this
   * object becomes unusable; stable tier: same as `Py.from(this)`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed/experimental";
   *
   * const kept = Python.withGil((py) => {
   *   const l = py.eval("[1, 2, 3]");
   *   return l.unbind(); // a Py: outlives the scope
   * });
   * assert.equal(Python.withGil((py) => kept.bind(py).len()), 3);
   * kept[Symbol.dispose]();
   * ```
   */
  unbind(): Py<this> {
    void ptrOf(this);
    const ref = refOf(this);
    const born = ref.born;
    const ptr = tokenState(pyOf(this)).tier.moveOut(ref);
    // The same reference, moved: it keeps its birth epoch (see releasePtr).
    return pyFromOwned(ptr, this.constructor as Ctor<this>, born);
  }

  /**
   * The object's reference count (`sys.getrefcount(obj)` minus its argument).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const o = py.eval("object()");
   *   const before = o.refCnt();
   *   const l = py.eval("[]");
   *   l.callMethod1("append", o); // the list holds one more reference
   *   assert.equal(o.refCnt(), before + 1);
   * });
   * ```
   */
  refCnt(): number {
    const lo = new Uint32Array(2);
    runtime().sym.memcpy(lo, ptrOf(this), ssize(8));
    return lo[0] + lo[1] * 4294967296;
  }

  // --- attributes ----------------------------------------------------------------

  /**
   * `getattr(self, name)`; with an extractor, the attribute's JS value (a
   * terminal operation: no object is made for it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, PyAttributeError, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const math = py.import("math");
   *   assert.equal(math.getattr("pi").extract(Extract.float), Math.PI);
   *   assert.equal(math.getattr("pi", Extract.float), Math.PI); // terminal
   *   assert.throws(() => math.getattr("nope"), PyAttributeError);
   * });
   * ```
   */
  getattr(name: string | PyAny): PyAny;
  /**
   * `getattr(self, name)` read with an extractor: a terminal operation that
   * returns the JS value and makes no object for the attribute (nothing for a
   * pool to hold or a `using` to release), so a hot loop needs neither.
   */
  getattr<T>(name: string | PyAny, extract: FromPyObject<T>): T;
  getattr<T>(name: string | PyAny, extract?: FromPyObject<T>): PyAny | T {
    const key = typeof name === "string" ? strCache(name) : ptrOf(name);
    const it = terminal(extract, "getattr");
    return finish(
      pyOf(this),
      runtime().sym.PyObject_GetAttr(ptrOf(this), key),
      it,
    );
  }

  /**
   * `setattr(self, name, value)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   py.run("class NS: pass");
   *   const ns = py.eval("NS()");
   *   ns.setattr("x", 5);
   *   assert.equal(ns.hasattr("x"), true);
   *   assert.equal(py.eval("lambda o: o.x").call1(ns).toJs(), 5);
   * });
   * ```
   */
  setattr(name: string | PyAny, value: unknown): void {
    const sym = runtime().sym;
    const self = ptrOf(this);
    const key = typeof name === "string" ? strCache(name) : ptrOf(name);
    const v = toPy(value, pyOf(this));
    const rc = sym.PyObject_SetAttr(self, key, v);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /** `hasattr(self, name)`: only AttributeError means no; other errors are thrown. */
  hasattr(name: string | PyAny): boolean {
    const sym = runtime().sym;
    const key = typeof name === "string" ? strCache(name) : ptrOf(name);
    const v = sym.PyObject_GetAttr(ptrOf(this), key);
    if (v !== null) {
      sym.Py_DecRef(v);
      return true;
    }
    // An AttributeError is cleared without building a PyErr (nothing to own).
    attributeError ??= sym.PyDict_GetItemWithError(
      runtime().builtins,
      strCache("AttributeError"),
    );
    if (
      attributeError !== null &&
      sym.PyErr_ExceptionMatches(attributeError) === 1
    ) {
      sym.PyErr_Clear();
      return false;
    }
    throw fetchError();
  }

  /** `delattr(self, name)`. */
  delattr(name: string | PyAny): void {
    const key = typeof name === "string" ? strCache(name) : ptrOf(name);
    if (runtime().sym.PyObject_SetAttr(ptrOf(this), key, null) !== 0) {
      throw fetchError();
    }
  }

  // --- calls -------------------------------------------------------------------------

  /**
   * `self(*args, **kwargs)`; with an extractor, the result's JS value (a
   * terminal operation: no object is made for it). Keyword arguments are a
   * plain object, a `Map` or a Python mapping.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const f = py.eval("lambda a, b=0, *, scale=1: (a + b) * scale");
   *   assert.equal(f.call([1, 2]).toJs(), 3);
   *   assert.equal(f.call([1], { b: 2, scale: 10 }, Extract.int), 30);
   * });
   * ```
   */
  call(args?: readonly unknown[], kwargs?: Kwargs): PyAny;
  /**
   * `self(*args, **kwargs)` read with an extractor: a terminal operation
   * that returns the JS value and makes no object for the result.
   */
  call<T>(
    args: readonly unknown[] | undefined,
    kwargs: Kwargs | undefined,
    extract: FromPyObject<T>,
  ): T;
  call<T>(
    args?: readonly unknown[],
    kwargs?: Kwargs,
    extract?: FromPyObject<T>,
  ): PyAny | T {
    const it = terminal(extract, "call");
    return finish(
      pyOf(this),
      callPtr(pyOf(this), ptrOf(this), args, kwargs),
      it,
    );
  }

  /**
   * `self(*args, **kwargs)` on another OS thread: returns at once, and the
   * JS event loop keeps running (timers, I/O, other `Python.withGil` scopes)
   * while Python computes. Arguments are converted now, as `call` converts
   * them, and the job holds its own references, so the scope may end before
   * it completes. Resolves with a `Py<PyAny>` (a GIL-independent reference:
   * dispose it) or, with an extractor, the extracted JS value; a Python
   * exception rejects with its typed `PyErr` (traceback included). Misuse
   * (a released object, no GIL, a bad argument) rejects too: it never
   * throws. PyO3 has no direct counterpart (`py.allow_threads` plus
   * `Python::with_gil` on a spawned thread); see the README, "Python off the
   * JS thread".
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * const job = Python.withGil((py) =>
   *   py.eval("lambda n: sum(range(n))").callAsync([1_000_000], undefined, Extract.int)
   * );
   * assert.equal(await job, 499999500000);
   * ```
   */
  callAsync(args?: readonly unknown[], kwargs?: Kwargs): Promise<Py<PyAny>>;
  /** `self(*args, **kwargs)` on another OS thread, extracting the result. */
  callAsync<T>(
    args: readonly unknown[] | undefined,
    kwargs: Kwargs | undefined,
    extract: FromPyObject<T>,
  ): Promise<T>;
  callAsync<T>(
    args?: readonly unknown[],
    kwargs?: Kwargs,
    extract?: FromPyObject<T>,
  ): Promise<T | Py<PyAny>> {
    return callAsyncOn(this, args, kwargs, extract);
  }

  /**
   * `await self` (a coroutine, an asyncio Future or Task, any awaitable) on
   * an asyncio event loop, as a Promise (pyo3-async-runtimes'
   * `into_future`): a coroutine runs on the loop pyembed keeps on a daemon
   * Python thread (started on first use); a Future or Task of another
   * running loop is awaited on that loop. The JS event loop stays free
   * meanwhile, and TypeScript functions the coroutine calls run on the JS
   * thread; a TypeScript function that returns a Promise gives Python an
   * awaitable. Resolves with a `Py` (or the extractor's value), rejects with
   * the typed `PyErr` (`CancelledError` when the task was cancelled, or
   * `options.signal` aborted). Never throws. README, "Coroutines and
   * Promises".
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * const job = Python.withGil((py) => {
   *   py.run("import asyncio\nasync def twice(x):\n    await asyncio.sleep(0.01)\n    return 2 * x");
   *   return py.eval("twice(21)").awaitAsync(Extract.int);
   * });
   * assert.equal(await job, 42);
   * ```
   */
  awaitAsync(extract?: undefined, options?: AwaitOptions): Promise<Py<PyAny>>;
  /** `await self` on an asyncio loop, extracting the result. */
  awaitAsync<T>(extract: FromPyObject<T>, options?: AwaitOptions): Promise<T>;
  awaitAsync<T>(
    extract?: FromPyObject<T>,
    options?: AwaitOptions,
  ): Promise<T | Py<PyAny>> {
    return awaitAsyncOn(this, extract, options);
  }

  /** `self()`. */
  call0(): PyAny;
  /** `self()` read with an extractor (terminal: no object for the result). */
  call0<T>(extract: FromPyObject<T>): T;
  call0<T>(extract?: FromPyObject<T>): PyAny | T {
    const it = terminal(extract, "call0");
    return finish(
      pyOf(this),
      runtime().sym.PyObject_CallObject(ptrOf(this), null),
      it,
    );
  }

  /**
   * `self(*args)`. A plain JS object among `args` is one positional dict
   * argument (as any argument, it is converted); when Python then rejects
   * the call's arguments with a `TypeError` (`takes 1 positional argument
   * but 2 were given`), its message gains a hint naming that argument and
   * `call(args, kwargs)`, the form for keyword arguments.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const dumps = py.import("json").getattr("dumps");
   *   assert.equal(dumps.call1({ a: 1 }).toJs(), '{"a": 1}'); // one dict argument
   *   assert.throws(() => dumps.call1([1], { indent: 2 }), /call\(args, kwargs\)/);
   * });
   * ```
   */
  call1(...args: unknown[]): PyAny {
    try {
      return wrap(
        pyOf(this),
        callPtr(pyOf(this), ptrOf(this), args, undefined),
        PyAny,
      );
    } catch (e) {
      throw positionalHint(e, args, "f.call(args, kwargs)");
    }
  }

  /**
   * `self.name(*args, **kwargs)`; with an extractor, the result's JS value
   * (a terminal operation: no object is made for it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const s = py.eval("'a,b,c'");
   *   assert.deepEqual(s.callMethod("split", [","]).toJs(), ["a", "b", "c"]);
   *   assert.equal(s.callMethod("count", [","], undefined, Extract.int), 2);
   *   const l = py.eval("[]");
   *   l.callMethod("append", [1], undefined, Extract.ignore); // None released at once
   *   assert.deepEqual(l.toJs(), [1]);
   * });
   * ```
   */
  callMethod(name: string, args?: readonly unknown[], kwargs?: Kwargs): PyAny;
  /**
   * `self.name(*args, **kwargs)` read with an extractor: a terminal
   * operation that returns the JS value and makes no object for the result.
   */
  callMethod<T>(
    name: string,
    args: readonly unknown[] | undefined,
    kwargs: Kwargs | undefined,
    extract: FromPyObject<T>,
  ): T;
  callMethod<T>(
    name: string,
    args?: readonly unknown[],
    kwargs?: Kwargs,
    extract?: FromPyObject<T>,
  ): PyAny | T {
    const sym = runtime().sym;
    const it = terminal(extract, "callMethod");
    const m = sym.PyObject_GetAttr(ptrOf(this), strCache(name));
    if (m === null) throw fetchError();
    let res: Ptr | null;
    try {
      res = callPtr(pyOf(this), m, args, kwargs);
    } finally {
      sym.Py_DecRef(m);
    }
    return finish(pyOf(this), res, it);
  }

  /** `self.name()`. */
  callMethod0(name: string): PyAny;
  /** `self.name()` read with an extractor (terminal: no object for the result). */
  callMethod0<T>(name: string, extract: FromPyObject<T>): T;
  callMethod0<T>(name: string, extract?: FromPyObject<T>): PyAny | T {
    return extract === undefined
      ? this.callMethod(name)
      : this.callMethod(name, undefined, undefined, extract);
  }

  /**
   * `self.name(*args)`; a plain JS object among `args` is a positional dict,
   * with the same hint as {@linkcode PyAny.call1} when Python rejects it.
   */
  callMethod1(name: string, ...args: unknown[]): PyAny {
    try {
      return this.callMethod(name, args);
    } catch (e) {
      throw positionalHint(e, args, "obj.callMethod(name, args, kwargs)");
    }
  }

  // --- items -----------------------------------------------------------------------

  /**
   * `self[key]` (raises KeyError/IndexError as Python does). On a `PyDict`,
   * a missing key gives `undefined` instead (PyO3's `Option`). With an
   * extractor, the item's JS value (a terminal operation: no object is made
   * for it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, PyKeyError, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const m = py.eval("{'a': [1, 2]}");
   *   assert.deepEqual(m.getItem("a").toJs(), [1, 2]);
   *   assert.deepEqual(m.getItem("a", Extract.list(Extract.int)), [1, 2]);
   *   assert.throws(() => m.getItem("zz"), PyKeyError);
   * });
   * ```
   */
  getItem(this: PyDict, key: unknown): PyAny | undefined;
  /**
   * `self[key]` read with an extractor: a terminal operation that returns
   * the JS value and makes no object for the item (on a `PyDict`,
   * `undefined` for a missing key).
   */
  getItem<T>(
    this: PyDict,
    key: unknown,
    extract: FromPyObject<T>,
  ): T | undefined;
  /** `self[key]` (raises KeyError/IndexError as Python does). */
  getItem(key: unknown): PyAny;
  /** `self[key]` read with an extractor (terminal: no object for the item). */
  getItem<T>(key: unknown, extract: FromPyObject<T>): T;
  getItem<T>(key: unknown, extract?: FromPyObject<T>): PyAny | T | undefined {
    const sym = runtime().sym;
    const self = ptrOf(this);
    const it = terminal(extract, "getItem");
    const k = toPy(key, pyOf(this));
    const res = sym.PyObject_GetItem(self, k);
    sym.Py_DecRef(k);
    return finish(pyOf(this), res, it);
  }

  /** `self[key] = value`. */
  setItem(key: unknown, value: unknown): void {
    const sym = runtime().sym;
    const self = ptrOf(this);
    const k = toPy(key, pyOf(this));
    let v: Ptr;
    try {
      v = toPy(value, pyOf(this));
    } catch (e) {
      sym.Py_DecRef(k);
      throw e;
    }
    const rc = sym.PyObject_SetItem(self, k, v);
    sym.Py_DecRef(k);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /** `del self[key]`. */
  delItem(key: unknown): void {
    const sym = runtime().sym;
    const self = ptrOf(this);
    const k = toPy(key, pyOf(this));
    const rc = sym.PyObject_DelItem(self, k);
    sym.Py_DecRef(k);
    if (rc !== 0) throw fetchError();
  }

  /** `value in self`. */
  contains(value: unknown): boolean {
    const sym = runtime().sym;
    const self = ptrOf(this);
    const v = toPy(value, pyOf(this));
    const rc = sym.PySequence_Contains(self, v);
    sym.Py_DecRef(v);
    if (rc < 0) throw fetchError();
    return rc === 1;
  }

  /** `len(self)`. */
  len(): number {
    const n = Number(runtime().sym.PyObject_Size(ptrOf(this)));
    if (n === -1) throw fetchError();
    return n;
  }

  // --- tests -------------------------------------------------------------------------

  /** `self is None`. */
  isNone(): boolean {
    // NoneType has one instance and no subclasses: a type check (three fast
    // FFI calls, ~14 ns) instead of Deno.UnsafePointer.equals (~45 ns).
    const r = runtime();
    return isSubtype(r.sym, ptrOf(this), r.types.noneType);
  }

  /** `bool(self)`. */
  isTruthy(): boolean {
    const rc = runtime().sym.PyObject_IsTrue(ptrOf(this));
    if (rc < 0) throw fetchError();
    return rc === 1;
  }

  /** `callable(self)`. */
  isCallable(): boolean {
    return runtime().sym.PyCallable_Check(ptrOf(this)) === 1;
  }

  /** `isinstance(self, type)` for a Python type object. */
  isInstance(type: PyAny): boolean {
    const rc = runtime().sym.PyObject_IsInstance(
      ptrOf(this),
      ptrOf(type),
    );
    if (rc < 0) throw fetchError();
    return rc === 1;
  }

  /**
   * Is this an instance of the Python type behind a concrete class (`PyDict`, ...)?
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, PyList, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const o = py.eval("[]");
   *   assert.equal(o.isInstanceOf(PyList), true);
   *   assert.equal(o.isInstanceOf(PyDict), false);
   * });
   * ```
   */
  isInstanceOf<T extends PyAny>(cls: PyTypeInfo<T>): boolean {
    return cls.typeCheck(this);
  }

  /**
   * The same object as a concrete class, sharing this reference (no new
   * reference is taken). Throws PyO3's `TypeError: 'int' object cannot be
   * converted to 'PyDict'` when the type does not match.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, PyList, Python, PyTypeError } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const d = py.eval("{'a': 1}").downcast(PyDict); // PyAny -> PyDict
   *   assert.deepEqual(d.keys().toJs(), ["a"]);
   *   assert.throws(() => d.downcast(PyList), PyTypeError); // a dict is no list
   * });
   * ```
   */
  downcast<T extends PyAny>(cls: PyTypeInfo<T>): T {
    if (!cls.typeCheck(this)) {
      throw PyTypeError.newErr(
        `'${
          typeName(ptrOf(this))
        }' object cannot be converted to '${cls.typeName}'`,
      );
    }
    return new (cls as unknown as Ctor<T>)(KEY, refOf(this), pyOf(this));
  }

  /** `self is other`. */
  is(other: PyAny): boolean {
    return Deno.UnsafePointer.equals(ptrOf(this), ptrOf(other));
  }

  // --- conversions -------------------------------------------------------------------

  /**
   * Convert with a typed extractor (`Extract.int`, `Extract.list(Extract.str)`, ...).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, PyTypeError, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.equal(py.eval("2 ** 64").extract(Extract.bigint), 18446744073709551616n);
   *   assert.deepEqual(py.eval("[1, 2]").extract(Extract.list(Extract.int)), [1, 2]);
   *   assert.throws(() => py.eval("None").extract(Extract.str), PyTypeError);
   * });
   * ```
   */
  extract<T>(extractor: FromPyObject<T>): T {
    return extractor.extract(this);
  }

  /**
   * Convert recursively to JS values (DESIGN.md, Conversions). Options, as
   * Pyodide's `toJs`:
   *
   * - `dict: "object"` makes every dict a plain JS object (created with
   *   `Object.fromEntries`, so a `"__proto__"` key is an ordinary property)
   *   instead of a `Map`; every key must then be a `str`, else a `TypeError`
   *   names the key (a JS property name is a string: `{1: 'a', '1': 'b'}`
   *   cannot become one without losing an entry).
   * - `depth: n` converts `n` levels of containers (dict, list, tuple, set,
   *   frozenset, numpy ndarray; the object itself is level 0): a container
   *   at level `n` or deeper stays a Python object, a `PyAny` owned as any
   *   result of this tier is (by the pool, or by the scope in the
   *   experimental tier). Scalars (int, str, bytes, ...) always convert.
   *   `depth: 0` gives a container back as a new `PyAny`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyAny, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const v = py.eval("{'a': [1, {'b': 2}], 'c': (True, b'x', None)}");
   *   assert.deepEqual(v.toJs(), new Map<string, unknown>([
   *     ["a", [1, new Map([["b", 2]])]],
   *     ["c", [true, new Uint8Array([120]), null]],
   *   ]));
   *   assert.deepEqual(v.toJs({ dict: "object" }), {
   *     a: [1, { b: 2 }],
   *     c: [true, new Uint8Array([120]), null],
   *   });
   *   const shallow = v.toJs({ depth: 2 }) as Map<string, unknown[]>;
   *   assert.ok(shallow.get("a")![1] instanceof PyAny); // {'b': 2} stays Python
   * });
   * ```
   */
  toJs(options?: ToJsOptions): unknown {
    const p = ptrOf(this);
    try {
      if (options !== undefined) {
        return convertToJs(p, 0, toJsPlan(pyOf(this), options));
      }
      return convertToJs(p);
    } catch (e) {
      // A deep (or self-referencing) container can exhaust the JS stack
      // before the depth limit: the same documented error, not a RangeError.
      if (e instanceof RangeError && String(e.message).includes("call stack")) {
        throw PyValueError.newErr(
          "toJs(): the container is nested too deeply to convert (a self-referencing container?)",
        );
      }
      throw e;
    }
  }

  /**
   * `repr(self)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const s = py.eval("'hi'");
   *   assert.equal(s.repr(), "'hi'");
   *   assert.equal(s.str(), "hi");
   * });
   * ```
   */
  repr(): string {
    return takeStr(runtime().sym.PyObject_Repr(ptrOf(this)));
  }

  /** `str(self)`. */
  str(): string {
    return takeStr(runtime().sym.PyObject_Str(ptrOf(this)));
  }

  /** `str(self)`, or a placeholder when the object was released or `__str__` raised. */
  toString(): string {
    try {
      return this.str();
    } catch (e) {
      return `<${(this.constructor as typeof PyAny).typeName}: ${
        (e as Error).message.split("\n")[0]
      }>`;
    }
  }

  /**
   * `console.log(obj)` (Deno's inspect) shows `repr(obj)`, as Python's
   * REPL does. Never throws: outside its scope, after release, or when
   * `__repr__` raises, it shows `<PyList: ...>` with the reason.
   */
  [Symbol.for("Deno.customInspect")](): string {
    try {
      return this.repr();
    } catch (e) {
      // The first clause of the message: "This Python object was released".
      const why = String((e as Error)?.message).split(/\n| \(|: /)[0];
      return `<${(this.constructor as typeof PyAny).typeName}: ${why}>`;
    }
  }

  /**
   * `JSON.stringify(obj)`: the object as Python's `json.dumps` would write it
   * (dicts with string keys, lists and tuples, str, int, float, bool, None),
   * parsed back. Anything else (a set, bytes, NaN, a custom object) throws
   * the `TypeError`/`ValueError` `json.dumps` raises, naming the type; an
   * int beyond 2^53 throws a `TypeError`, as `JSON.stringify` of a bigint
   * does (a JS number would round it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * const json = Python.withGil((py) =>
   *   JSON.stringify({ data: py.eval("{'a': (1, 2), 'b': None}") })
   * );
   * assert.equal(json, '{"data":{"a":[1,2],"b":null}}');
   * ```
   */
  toJSON(): unknown {
    const p = ptrOf(this);
    const sym = runtime().sym;
    const dumps = jsonDumps();
    const t = sym.PyTuple_New(ssize(1));
    if (t === null) throw fetchError();
    sym.Py_IncRef(p);
    sym.PyTuple_SetItem(t, ssize(0), p);
    const s = sym.PyObject_Call(dumps, t, jsonKwargs());
    sym.Py_DecRef(t);
    if (s === null) throw fetchError();
    try {
      return JSON.parse(strToJs(s), exactInts);
    } finally {
      sym.Py_DecRef(s);
    }
  }

  /** `type(self)`. */
  getType(): PyAny {
    return wrap(pyOf(this), runtime().sym.PyObject_Type(ptrOf(this)), PyAny);
  }

  /**
   * `hash(self)`: the exact 64-bit `Py_hash_t` as a bigint (most `str`
   * hashes lie beyond 2^53, where a JS number would round them).
   */
  hash(): bigint {
    const sym = runtime().sym;
    const h = BigInt(sym.PyObject_Hash(ptrOf(this)));
    if (h === -1n && sym.PyErr_Occurred() !== null) throw fetchError();
    return h;
  }

  /**
   * `self == other`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.equal(py.eval("1.0").eq(1), true); // Python's ==
   *   assert.equal(py.eval("[1]").eq([1]), true);
   *   assert.equal(py.eval("2").lt(3), true);
   * });
   * ```
   */
  eq(other: unknown): boolean {
    return compare(this, other, Op.Eq);
  }
  /** `self != other`. */
  ne(other: unknown): boolean {
    return compare(this, other, Op.Ne);
  }
  /** `self < other`. */
  lt(other: unknown): boolean {
    return compare(this, other, Op.Lt);
  }
  /** `self <= other`. */
  le(other: unknown): boolean {
    return compare(this, other, Op.Le);
  }
  /** `self > other`. */
  gt(other: unknown): boolean {
    return compare(this, other, Op.Gt);
  }
  /** `self >= other`. */
  ge(other: unknown): boolean {
    return compare(this, other, Op.Ge);
  }

  // --- operators -------------------------------------------------------------------

  /**
   * `self <op> other` for any of Python's binary operators, or `self <op>=
   * other` for an augmented one (the result; `self` itself for a mutable
   * object such as a list or an ndarray): `a.op("+", 1)`, `a.op("@", b)`,
   * `a.op("<<", 2)`, `a.op("+=", [4])`. `other` is converted as an argument
   * is. The common ones also have names: `plus`, `minus`, `times`, `div`,
   * `floorDiv`, `mod`, `pow`, `matmul`, and the bitwise `and`, `or`, `xor`,
   * `lshift`, `rshift` (Python's `operator` names); the augmented forms are
   * `op("+=", x)` and so on.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.equal(py.eval("7").op("//", 2).toJs(), 3);
   *   assert.equal(py.eval("[1]").op("*", 3).repr(), "[1, 1, 1]");
   * });
   * ```
   */
  op(operator: BinaryOperator | `${BinaryOperator}=`, other: unknown): PyAny {
    const f = OPERATORS[operator];
    if (f === undefined) {
      throw PyValueError.newErr(
        `op(operator, other): unknown operator ${
          JSON.stringify(operator)
        }; use one of ${Object.keys(OPERATORS).join(" ")}`,
      );
    }
    const sym = runtime().sym;
    const self = ptrOf(this);
    const o = toPy(other, pyOf(this));
    const r = f(sym, self, o);
    sym.Py_DecRef(o);
    if (r === null) throw fetchError();
    return wrap(pyOf(this), r, PyAny);
  }

  /** `self + other`. */
  plus(other: unknown): PyAny {
    return this.op("+", other);
  }
  /** `self - other`. */
  minus(other: unknown): PyAny {
    return this.op("-", other);
  }
  /** `self * other`. */
  times(other: unknown): PyAny {
    return this.op("*", other);
  }
  /** `self / other` (true division). */
  div(other: unknown): PyAny {
    return this.op("/", other);
  }
  /** `self // other`. */
  floorDiv(other: unknown): PyAny {
    return this.op("//", other);
  }
  /** `self % other`. */
  mod(other: unknown): PyAny {
    return this.op("%", other);
  }
  /** `self @ other`. */
  matmul(other: unknown): PyAny {
    return this.op("@", other);
  }
  /** `self & other` (`operator.and_`). */
  and(other: unknown): PyAny {
    return this.op("&", other);
  }
  /** `self | other` (`operator.or_`). */
  or(other: unknown): PyAny {
    return this.op("|", other);
  }
  /** `self ^ other`. */
  xor(other: unknown): PyAny {
    return this.op("^", other);
  }
  /** `self << other`. */
  lshift(other: unknown): PyAny {
    return this.op("<<", other);
  }
  /** `self >> other`. */
  rshift(other: unknown): PyAny {
    return this.op(">>", other);
  }
  /** `pow(self, other, modulo)`; `self ** other` without `modulo`. */
  pow(other: unknown, modulo?: unknown): PyAny {
    if (modulo === undefined) return this.op("**", other);
    const r = runtime();
    const self = ptrOf(this);
    const o = toPy(other, pyOf(this));
    let m: Ptr;
    try {
      m = toPy(modulo, pyOf(this));
    } catch (e) {
      r.sym.Py_DecRef(o);
      throw e;
    }
    const res = r.sym.PyNumber_Power(self, o, m);
    r.sym.Py_DecRef(o);
    r.sym.Py_DecRef(m);
    if (res === null) throw fetchError();
    return wrap(pyOf(this), res, PyAny);
  }
  /** `-self`. */
  neg(): PyAny {
    return unary(this, runtime().sym.PyNumber_Negative);
  }
  /** `+self`. */
  pos(): PyAny {
    return unary(this, runtime().sym.PyNumber_Positive);
  }
  /** `abs(self)`. */
  abs(): PyAny {
    return unary(this, runtime().sym.PyNumber_Absolute);
  }
  /** `~self`. */
  invert(): PyAny {
    return unary(this, runtime().sym.PyNumber_Invert);
  }

  /**
   * `self[k0, k1, ...]`: a tuple of the keys as Python's indexing makes for
   * `a[1:, 0]` (one key: `self[k0]`); a `PySlice` (`py.slice(start, stop,
   * step)`) is a slice, `null` is `None`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   py.run("class Show:\n    def __getitem__(self, key): return repr(key)");
   *   const a = py.eval("Show()"); // shows the key it is indexed with
   *   assert.equal(a.at(py.slice(1), 0).toJs(), "(slice(1, None, None), 0)"); // a[1:, 0]
   *   assert.equal(a.at(2).toJs(), "2"); // a[2]
   * });
   * ```
   */
  at(...keys: unknown[]): PyAny {
    const sym = runtime().sym;
    const self = ptrOf(this);
    const k = keys.length === 1
      ? toPy(keys[0], pyOf(this))
      : arrayToTuple(keys, pyOf(this));
    const r = sym.PyObject_GetItem(self, k);
    sym.Py_DecRef(k);
    if (r === null) throw fetchError();
    return wrap(pyOf(this), r, PyAny);
  }

  // --- iteration ---------------------------------------------------------------------

  /**
   * `iter(self)` as a `PyIterator`; with an extractor, a JS iterator of the
   * items' values (no object per item).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const r = py.eval("range(4)");
   *   assert.equal(r.iter().nextItem(Extract.int), 0);
   *   let sum = 0;
   *   for (const n of r.iter(Extract.int)) sum += n;
   *   assert.equal(sum, 6);
   * });
   * ```
   */
  iter(): PyIterator;
  /**
   * `for x in self`, each item read with an extractor: a JS iterator of the
   * extracted values, with no object made per item (nothing for a pool to
   * hold or a `using` to release). The Python iterator itself is owned as
   * this tier owns results, and released when the loop ends, breaks or
   * throws.
   */
  iter<T>(extract: FromPyObject<T>): IterableIterator<T>;
  iter<T>(extract?: FromPyObject<T>): PyIterator | IterableIterator<T> {
    const it = terminal(extract, "iter");
    const pyIt = wrap(
      pyOf(this),
      runtime().sym.PyObject_GetIter(ptrOf(this)),
      PyIterator,
    );
    return it === undefined
      ? pyIt
      : new ItemIterator(pyIt, it) as IterableIterator<T>;
  }

  /**
   * `for (const x of obj)`: iterates like Python's `for x in obj`. Each item
   * is owned as this tier owns results (use `for (using x of obj)` in the
   * experimental tier to release items as you go).
   */
  [Symbol.iterator](): Iterator<PyAny> {
    // The Python iterator is owned like any result (by the pool, or by the
    // scope in the experimental tier), so an abandoned loop cannot leak it;
    // exhaustion, an error and `return()` (break) dispose it at once.
    return new ItemIterator<never>(this.iter(), undefined) as Iterator<PyAny>;
  }
}

/** `toJs(options)`'s plan, after checking the options. */
function toJsPlan(py: PythonBase, options: ToJsOptions): ToJsPlan {
  const { dict = "map", depth = Infinity } = options;
  if (dict !== "map" && dict !== "object") {
    throw new TypeError(
      `toJs(options): dict must be "map" or "object", not ${
        JSON.stringify(dict) ?? String(dict)
      }`,
    );
  }
  if (
    typeof depth !== "number" || Number.isNaN(depth) || depth < 0 ||
    (depth !== Infinity && !Number.isInteger(depth))
  ) {
    throw new TypeError(
      `toJs(options): depth must be a non-negative integer or Infinity, not ${
        String(depth)
      }`,
    );
  }
  return {
    objectDicts: dict === "object",
    maxDepth: depth,
    leaf: (q: Ptr) => wrapBorrowed(py, q, PyAny),
  };
}

/** A rich comparison of `obj` with a JS value or object. */
function compare(obj: PyAny, other: unknown, op: Op): boolean {
  const sym = runtime().sym;
  const self = ptrOf(obj);
  const o = toPy(other, pyOf(obj));
  const rc = sym.PyObject_RichCompareBool(self, o, op);
  sym.Py_DecRef(o);
  if (rc < 0) throw fetchError();
  return rc === 1;
}

/** A unary number operation on `obj`. */
function unary(obj: PyAny, f: (a: Ptr) => Ptr | null): PyAny {
  const r = f(ptrOf(obj));
  if (r === null) throw fetchError();
  return wrap(pyOf(obj), r, PyAny);
}

/**
 * A JS iterator over a tier-owned Python iterator: of tier objects (no
 * extractor), or of extracted values (`iter(e)`: no object per item).
 * Exhaustion, an error and `return()` (break) dispose the Python iterator
 * at once.
 */
class ItemIterator<T> implements IterableIterator<PyAny | T> {
  #it: PyIterator | null;
  #item: Item<T> | undefined;
  constructor(it: PyIterator, item: Item<T> | undefined) {
    this.#it = it;
    this.#item = item;
  }
  [Symbol.iterator](): this {
    return this;
  }
  next(): IteratorResult<PyAny | T> {
    const it = this.#it;
    if (it === null) return { done: true, value: undefined };
    let value: PyAny | T;
    try {
      const sym = runtime().sym;
      const p = sym.PyIter_Next(ptrOf(it)); // throws if released or no GIL
      if (p === null) {
        if (sym.PyErr_Occurred() !== null) throw fetchError();
        this.return();
        return { done: true, value: undefined };
      }
      value = finish(it.py(), p, this.#item);
    } catch (e) {
      this.return();
      throw e;
    }
    return { done: false, value };
  }
  return(): IteratorResult<PyAny | T> {
    const it = this.#it;
    if (it !== null) {
      this.#it = null;
      it[Symbol.dispose]();
    }
    return { done: true, value: undefined };
  }
}

/**
 * A Python iterator (`iter(obj)`); iterate it with `for...of`, or call
 * `next()` for one item at a time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyIterator, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const it = py.eval("iter([1, 2])").downcast(PyIterator);
 *   const seen: unknown[] = [];
 *   for (const x of it) seen.push(x.toJs());
 *   assert.deepEqual(seen, [1, 2]);
 * });
 * ```
 */
export class PyIterator extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyIterator";
  /**
   * Is the object an iterator? `PyIter_Check`: its type has a `__next__`
   * slot (so a class such as `type(iter([]))` is not, while its instances are).
   */
  static override typeCheck(obj: PyAny): boolean {
    return runtime().sym.PyIter_Check(ptrOf(obj)) === 1;
  }
  /** `next(self)`, or `undefined` when exhausted. */
  nextItem(): PyAny | undefined;
  /**
   * `next(self)` read with an extractor (terminal), or `undefined` when
   * exhausted. An extractor that can itself give `undefined`
   * (`Extract.ignore`, a user one) cannot be told from the end here:
   * iterate with `iter(e)` instead.
   */
  nextItem<T>(extract: FromPyObject<T>): T | undefined;
  nextItem<T>(extract?: FromPyObject<T>): PyAny | T | undefined {
    const sym = runtime().sym;
    const it = terminal(extract, "nextItem");
    const item = sym.PyIter_Next(ptrOf(this));
    if (item === null) {
      if (sym.PyErr_Occurred() !== null) throw fetchError();
      return undefined;
    }
    return finish(this.py(), item, it);
  }
}

let dumpsFn: Ptr | null = null;
let dumpsKw: Ptr | null = null;

/** `json.dumps` (GIL held), kept for the life of the process. */
function jsonDumps(): Ptr {
  if (dumpsFn !== null) return dumpsFn;
  const sym = runtime().sym;
  const mod = sym.PyImport_Import(strCache("json"));
  if (mod === null) throw fetchError();
  const f = sym.PyObject_GetAttr(mod, strCache("dumps"));
  sym.Py_DecRef(mod);
  if (f === null) throw fetchError();
  return (dumpsFn = f);
}

/** `{"allow_nan": False}`: NaN and infinities are not JSON. */
function jsonKwargs(): Ptr {
  if (dumpsKw !== null) return dumpsKw;
  const r = runtime();
  const d = r.sym.PyDict_New();
  if (d === null) throw fetchError();
  if (r.sym.PyDict_SetItem(d, strCache("allow_nan"), r.false_) !== 0) {
    r.sym.Py_DecRef(d);
    throw fetchError();
  }
  return (dumpsKw = d);
}

/** `JSON.parse` reviver: an integer JSON cannot hold exactly is an error, not a rounded number. */
function exactInts(
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (
    typeof value === "number" && !Number.isSafeInteger(value) &&
    context?.source !== undefined && /^-?\d+$/.test(context.source)
  ) {
    throw new TypeError(
      `JSON.stringify: the Python int ${context.source} is beyond 2^53, where a JSON number ` +
        "in JS rounds (JSON.stringify throws for a bigint too): convert it with str() or " +
        "extract it with Extract.bigint",
    );
  }
  return value;
}

/** Python's binary operators, as `PyAny.op` takes them. */
export type BinaryOperator =
  | "+"
  | "-"
  | "*"
  | "/"
  | "//"
  | "%"
  | "**"
  | "@"
  | "&"
  | "|"
  | "^"
  | "<<"
  | ">>";

type Sym = ReturnType<typeof runtime>["sym"];
type OpFn = (sym: Sym, a: Ptr, b: Ptr) => Ptr | null;

const OPERATORS: Readonly<Record<string, OpFn>> = {
  "+": (s, a, b) => s.PyNumber_Add(a, b),
  "-": (s, a, b) => s.PyNumber_Subtract(a, b),
  "*": (s, a, b) => s.PyNumber_Multiply(a, b),
  "/": (s, a, b) => s.PyNumber_TrueDivide(a, b),
  "//": (s, a, b) => s.PyNumber_FloorDivide(a, b),
  "%": (s, a, b) => s.PyNumber_Remainder(a, b),
  "**": (s, a, b) => s.PyNumber_Power(a, b, runtime().none),
  "@": (s, a, b) => s.PyNumber_MatrixMultiply(a, b),
  "&": (s, a, b) => s.PyNumber_And(a, b),
  "|": (s, a, b) => s.PyNumber_Or(a, b),
  "^": (s, a, b) => s.PyNumber_Xor(a, b),
  "<<": (s, a, b) => s.PyNumber_Lshift(a, b),
  ">>": (s, a, b) => s.PyNumber_Rshift(a, b),
  "+=": (s, a, b) => s.PyNumber_InPlaceAdd(a, b),
  "-=": (s, a, b) => s.PyNumber_InPlaceSubtract(a, b),
  "*=": (s, a, b) => s.PyNumber_InPlaceMultiply(a, b),
  "/=": (s, a, b) => s.PyNumber_InPlaceTrueDivide(a, b),
  "//=": (s, a, b) => s.PyNumber_InPlaceFloorDivide(a, b),
  "%=": (s, a, b) => s.PyNumber_InPlaceRemainder(a, b),
  "**=": (s, a, b) => s.PyNumber_InPlacePower(a, b, runtime().none),
  "@=": (s, a, b) => s.PyNumber_InPlaceMatrixMultiply(a, b),
  "&=": (s, a, b) => s.PyNumber_InPlaceAnd(a, b),
  "|=": (s, a, b) => s.PyNumber_InPlaceOr(a, b),
  "^=": (s, a, b) => s.PyNumber_InPlaceXor(a, b),
  "<<=": (s, a, b) => s.PyNumber_InPlaceLshift(a, b),
  ">>=": (s, a, b) => s.PyNumber_InPlaceRshift(a, b),
};
