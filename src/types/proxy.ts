/**
 * `pyproxy(obj)`: a natural-syntax view over a Python object of either tier
 * (deno_python's and pymport's proxies, Pyodide's `PyProxy`): attribute
 * access, calls with a `kw({...})` marker for keyword arguments, integer
 * item access, `new`, chaining, iteration. Every operation is the `PyAny`
 * method of the same name underneath (no body written twice), so ownership
 * is the tier's: see {@linkcode pyproxy}.
 *
 * @module
 */

import { registerBorrower, toPyObject } from "../core/convert.ts";
import { type Kwargs, ptrOf, PyAny } from "./any.ts";
import { PyLookupError, PyTypeError } from "./exceptions.ts";

const CUSTOM_INSPECT = Symbol.for("Deno.customInspect");

/**
 * A natural-syntax view of a Python object, made by {@linkcode pyproxy}.
 * Every member is a view again, except the JS protocol names: `then` is
 * always `undefined` (a view is never a thenable, so `await p` gives `p`),
 * and `toJSON` is `PyAny.toJSON` (so `JSON.stringify(p)` writes the value).
 * A Python attribute named `then` or `toJSON` is read with
 * `unproxy(p).getattr("then")`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kw, pyproxy, type PyProxy, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const os: PyProxy = pyproxy(py.import("os"));
 *   const joined: PyProxy = os.path.join("a", "b");
 *   assert.equal(String(joined), "a/b");
 *   const json: PyProxy = pyproxy(py.import("json"));
 *   assert.equal(String(json.dumps([1], kw({ indent: 1 }))), "[\n 1\n]");
 * });
 * ```
 */
export type PyProxy =
  & {
    /** `self(*args, **kwargs)`: a trailing `kw({...})` holds the keyword arguments. */
    (...args: unknown[]): PyProxy;
    /** The same call, for `new Cls(...)` (Python constructs by calling the class). */
    new (...args: unknown[]): PyProxy;
    /**
     * `getattr(self, name)` as a view (an integer name, such as `"0"` or
     * `"-1"`, is `self[index]`). Assigning `p.name = view` is `setattr`;
     * `delete p.name` is `delattr`.
     */
    [name: string]: PyProxy;
    /** `self[index]` for an integer index (`p[0]`, `p[-1]` as `p["-1"]`). */
    [index: number]: PyProxy;
    /** `for (const x of p)`: Python's `for x in p`, each item a view. */
    [Symbol.iterator](): Iterator<PyProxy>;
    /** Release the object: `[Symbol.dispose]()` of the `PyAny` behind the view. */
    [Symbol.dispose](): void;
    /** `String(p)` and `` `${p}` `` are `str(p)`; `+p` is its int/float value. */
    [Symbol.toPrimitive](hint: string): string | number | bigint | boolean;
  }
  & {
    /** Always `undefined`: a view is not a thenable. */
    readonly then: undefined;
    /** `JSON.stringify(p)`: as `PyAny.toJSON`. */
    toJSON(): unknown;
  };

/** The keyword arguments when `v` is a real `KwArgs`, else `undefined`. */
let unwrapKw: (v: unknown) => Kwargs | undefined;

/**
 * Keyword arguments for a call through a view, made by {@linkcode kw}. Only
 * a `KwArgs` made by `kw` is recognised (a private-field brand, not its
 * shape): a plain object argument stays a positional dict.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kw, type KwArgs, pyproxy, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const k: KwArgs = kw({ separators: [",", ":"] });
 *   assert.equal(String(pyproxy(py.import("json")).dumps({ a: [1, 2] }, k)), '{"a":[1,2]}');
 * });
 * ```
 */
export class KwArgs {
  #kwargs: Kwargs;
  /** @ignore Internal: use `kw({...})`. */
  constructor(key: typeof KW_KEY, kwargs: Kwargs) {
    if (key !== KW_KEY) throw new TypeError("use kw({...}) to make a KwArgs");
    this.#kwargs = kwargs;
  }
  static {
    unwrapKw = (v) =>
      typeof v === "object" && v !== null && #kwargs in v
        ? v.#kwargs
        : undefined;
  }
  /** Converting one anywhere else is a mistake: a TypeError that says where it goes. */
  [toPyObject](): never {
    throw PyTypeError.newErr(
      "kw({...}) marks the keyword arguments of a call through a PyProxy view and must be " +
        "its last argument: pyproxy(f)(x, kw({ axis: 0 })); with a PyAny use f.call([x], { axis: 0 })",
    );
  }
}
const KW_KEY: unique symbol = Symbol("pyembed.kw");

/**
 * Keyword arguments for a call through a view: `f(x, kw({ axis: 0 }))` is
 * Python's `f(x, axis=0)`. It must be the call's last argument. `kwargs`
 * is a plain object, a `Map`, or a Python mapping, as for `PyAny.call`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kw, pyproxy, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const json = pyproxy(py.import("json"));
 *   // json.dumps([1, 2], indent=2)
 *   assert.equal(String(json.dumps([1, 2], kw({ indent: 2 }))), "[\n  1,\n  2\n]");
 * });
 * ```
 */
export function kw(kwargs: Kwargs): KwArgs {
  return new KwArgs(KW_KEY, kwargs);
}

/** Returns the object it is given: a subclass's fields are then added to that object. */
class Stamper {
  constructor(o: object) {
    return o;
  }
}

/**
 * The object behind each view, as a private field added to the Proxy itself
 * (the return-override idiom): reading it runs none of the Proxy's traps.
 * Measured against a WeakMap from view to object, `math.sqrt(2)` through a
 * view averaged 1.0-2.3 ms per 1,000 calls with the field and 4.4-10 ms
 * with the WeakMap (whose entries the garbage collector treats as
 * ephemerons).
 */
class Objects extends Stamper {
  #obj: PyAny;
  private constructor(view: object, obj: PyAny) {
    super(view);
    this.#obj = obj;
  }
  /** Brand `view` with its object. */
  static set(view: object, obj: PyAny): void {
    new Objects(view, obj);
  }
  /** The object behind a view, or `undefined` for any other value. */
  static get(v: object): PyAny | undefined {
    return #obj in v ? (v as Objects).#obj : undefined;
  }
  /** Is `v` a view? */
  static has(v: object): boolean {
    return #obj in v;
  }
}
const objects = Objects;

// A view converts to Python as its object (an argument, a dict value, ...).
// Only functions are looked up: a view is one, so plain objects pay nothing.
registerBorrower((o) => {
  if (typeof o !== "function") return undefined;
  const obj = objects.get(o);
  return obj === undefined ? undefined : ptrOf(obj);
});

const INDEX = /^-?(?:0|[1-9]\d*)$/;

/** `"-1"` as -1 (a bigint beyond 2^53), or `undefined` for an attribute name. */
function indexOf(key: string): number | bigint | undefined {
  if (!INDEX.test(key)) return undefined;
  const n = Number(key);
  return Number.isSafeInteger(n) ? n : BigInt(key);
}

/** `PyAny`'s inspect: the repr, or a placeholder saying why not (never throws). */
function inspect(obj: PyAny): string {
  return (obj as unknown as Record<symbol, () => string>)[CUSTOM_INSPECT]();
}

function toPrimitive(
  obj: PyAny,
  hint: string,
): string | number | bigint | boolean {
  if (hint !== "number") return obj.toString();
  const v = obj.toJs();
  if (
    typeof v === "number" || typeof v === "bigint" || typeof v === "boolean"
  ) {
    return v;
  }
  throw new TypeError(
    `a PyProxy of a '${
      obj.getType().getattr("__name__").str()
    }' has no number value: convert it with unproxy(p).extract(...) or toJs()`,
  );
}

/** `self(*args, **kwargs)`, the keyword arguments from a trailing `kw(...)`. */
function callWith(obj: PyAny, args: unknown[]): PyProxy {
  const n = args.length;
  const kwargs = n > 0 ? unwrapKw(args[n - 1]) : undefined;
  if (kwargs === undefined) return pyproxy(obj.call(args));
  return pyproxy(obj.call(args.slice(0, n - 1), kwargs));
}

class Traps implements ProxyHandler<object> {
  readonly obj: PyAny;
  constructor(obj: PyAny) {
    this.obj = obj;
  }
  get(_target: object, key: string | symbol): unknown {
    const obj = this.obj;
    if (typeof key === "symbol") {
      switch (key) {
        case Symbol.iterator:
          return () => viewIterator(obj);
        case Symbol.dispose:
          return () => obj[Symbol.dispose]();
        case Symbol.toPrimitive:
          return (hint: string) => toPrimitive(obj, hint);
        case CUSTOM_INSPECT:
          return () => inspect(obj);
        case Symbol.toStringTag:
          return "PyProxy";
        default:
          return undefined;
      }
    }
    if (key === "then") return undefined;
    if (key === "toJSON") return () => obj.toJSON();
    const i = indexOf(key);
    return pyproxy(i === undefined ? obj.getattr(key) : obj.getItem(i));
  }
  set(_target: object, key: string | symbol, value: unknown): boolean {
    if (typeof key === "symbol") return false;
    const i = indexOf(key);
    if (i === undefined) this.obj.setattr(key, value);
    else this.obj.setItem(i, value);
    return true;
  }
  has(_target: object, key: string | symbol): boolean {
    if (typeof key === "symbol") {
      return key === Symbol.iterator || key === Symbol.dispose ||
        key === Symbol.toPrimitive;
    }
    if (key === "then") return false;
    if (key === "toJSON") return true;
    const i = indexOf(key);
    if (i === undefined) return this.obj.hasattr(key);
    try {
      this.obj.getItem(i);
      return true;
    } catch (e) {
      if (e instanceof PyLookupError) return false; // IndexError, KeyError
      throw e;
    }
  }
  deleteProperty(_target: object, key: string | symbol): boolean {
    if (typeof key === "symbol") return false;
    const i = indexOf(key);
    if (i === undefined) this.obj.delattr(key);
    else this.obj.delItem(i);
    return true;
  }
  defineProperty(): boolean {
    return false; // not a JS object to define properties on: assign (setattr)
  }
  apply(_target: object, _this: unknown, args: unknown[]): PyProxy {
    return callWith(this.obj, args);
  }
  construct(_target: object, args: unknown[]): PyProxy {
    return callWith(this.obj, args);
  }
}

/** `iter(obj)` as a JS iterator of views (`return()`, on break, releases the Python iterator). */
function viewIterator(obj: PyAny): Iterator<PyProxy> {
  const it = obj[Symbol.iterator]();
  return {
    next(): IteratorResult<PyProxy> {
      const r = it.next();
      return r.done
        ? { done: true, value: undefined }
        : { done: false, value: pyproxy(r.value) };
    },
    return(): IteratorResult<PyProxy> {
      it.return?.();
      return { done: true, value: undefined };
    },
  };
}

/**
 * A natural-syntax view of `obj`: `np.linalg.norm(x, kw({ axis: 1 }))`,
 * `lst[0]`, `new mod.Cls(1)`, `obj.attr = other`, `for (const x of p)`.
 * Each step is the `PyAny` operation of that name (`getattr`, `call`,
 * `getItem`, ...) and gives a new view; Python errors are thrown as typed
 * `PyErr`s, and a released object or a use outside its GIL scope throws the
 * same clear `Error` as the `PyAny` would (never a crash). A view passes
 * anywhere a Python object is accepted (arguments, `setItem`, kwargs).
 * `unproxy(p)` gives the `PyAny` back (for `toJs`, `extract`, ...).
 *
 * Ownership is the tier's, as for the `PyAny` methods: every intermediate
 * (`np.linalg`, the bound method `np.linalg.norm`, the result) is a new
 * reference. In the stable tier the innermost pool owns them (a
 * `py.withPool` around a loop body releases them each iteration). In the
 * experimental tier each is owned by the `withGil` scope and released when
 * it ends at the latest; release one early with `using r = view(...)` or
 * `r[Symbol.dispose]()`, and in a loop look attributes up once outside it
 * (`const norm = np.linalg.norm`), since intermediates made inside a loop
 * accumulate until the scope ends. A view is a JS `Proxy` over a function
 * (so it is callable): `typeof p === "function"`, a new view each access
 * (`np.pi !== np.pi`; compare with `unproxy(a).is(unproxy(b))`), and
 * slower than the `PyAny` call it stands for (`math.sqrt(2)` through a view
 * measured about 1 µs a call, `callMethod1` 0.15-0.7 µs): use the `PyAny`
 * methods on hot paths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, kw, pyproxy, Python, unproxy } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const builtins = pyproxy(py.import("builtins"));
 *   const xs = builtins.sorted([3, 1, 2], kw({ reverse: true }));
 *   assert.deepEqual(unproxy(xs).toJs(), [3, 2, 1]);
 *   assert.equal(unproxy(xs[0]).extract(Extract.int), 3);
 *   const frac = pyproxy(py.import("fractions"));
 *   const half = new frac.Fraction(1, 2); // `new` calls the class
 *   assert.equal(String(half.numerator), "1");
 * });
 * ```
 */
export function pyproxy(obj: PyAny | PyProxy): PyProxy {
  if (typeof obj === "function") {
    if (objects.has(obj)) return obj;
  } else if (obj instanceof PyAny) {
    void ptrOf(obj); // released, or no GIL: throw now, not at first use
    // A bound function: callable and constructible, with no own
    // `prototype` (a non-configurable property would bind the traps by
    // Proxy invariants). Deno.inspect reads a Proxy's target directly, no
    // trap runs: the target carries the inspect hook (assigned, not
    // defined: defineProperty measured ~250 ns here, assignment ~2 ns).
    const target = function () {}.bind(null) as unknown as Record<
      symbol,
      unknown
    >;
    target[CUSTOM_INSPECT] = () => inspect(obj);
    const view = new Proxy(target, new Traps(obj)) as unknown as PyProxy;
    objects.set(view, obj);
    return view;
  }
  throw new TypeError(
    'pyproxy(obj): pass a Python object (a PyAny, e.g. py.import("numpy")) or a PyProxy',
  );
}

/**
 * The `PyAny` behind a view (the same object and reference, owned as it
 * was), for the methods a view does not spell: `toJs`, `extract`, `is`,
 * `downcast`, `callMethod`, ...
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, pyproxy, Python, unproxy } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const n = unproxy(pyproxy(py.import("math")).sqrt(16)).extract(Extract.float);
 *   assert.equal(n, 4);
 * });
 * ```
 */
export function unproxy(view: PyProxy): PyAny {
  const obj = typeof view === "function" ? objects.get(view) : undefined;
  if (obj === undefined) {
    throw new TypeError(
      "unproxy(view): not a PyProxy (make one with pyproxy(obj))",
    );
  }
  return obj;
}

/**
 * Is `v` a view made by {@linkcode pyproxy}? Runs no trap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPyProxy, pyproxy, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   assert.equal(isPyProxy(pyproxy(py.None())), true);
 *   assert.equal(isPyProxy(py.None()), false);
 * });
 * ```
 */
export function isPyProxy(v: unknown): v is PyProxy {
  return typeof v === "function" && objects.has(v);
}
