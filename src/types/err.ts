/**
 * `PyErr`: a Python exception as a JS `Error` (the public class; the
 * fetching and restoring machinery is in `src/core/err.ts`).
 *
 * @module
 */

import { borrowedPtr, TpFlags, typeFlags, typeName } from "../core/convert.ts";
import {
  builtinType,
  causeOf,
  errGil,
  errorOf,
  formatTraceback,
  inOwnScope,
  newErr,
  registerErrKit,
  strNew,
} from "../core/err.ts";
import {
  currentScope,
  Dead,
  gilHeld,
  pooled,
  Ref,
  setEscapeHook,
  type Tier,
} from "../core/gil.ts";
import { type Ptr, type Runtime, runtime } from "../core/runtime.ts";
import { callPy } from "../core/kit.ts";
import { decrefAnywhere, Strong } from "../core/strong.ts";
import type { PyAny } from "./any.ts";
import type { Py } from "./py.ts";

type Lazy = { message: string };

let pyFactory: ((p: Ptr) => Py<PyAny>) | null = null;
/**
 * Installed by `./py.ts`: a `Py` adopting `p`. A hook rather than an import,
 * so that this module (and the exception classes) can be evaluated before
 * the object classes, whatever module a program imports first.
 */
export function setPyFactory(f: (p: Ptr) => Py<PyAny>): void {
  pyFactory = f;
}

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
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyArithmeticError, PyErr, Python, PyZeroDivisionError } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   try {
 *     py.eval("1/0");
 *     assert.fail("1/0 did not raise");
 *   } catch (e) {
 *     assert.ok(e instanceof PyZeroDivisionError && e instanceof PyArithmeticError);
 *     assert.ok(e instanceof PyErr && e instanceof Error);
 *     assert.equal(e.typeName, "ZeroDivisionError");
 *     assert.equal(e.message, "division by zero");
 *     assert.match(e.traceback, /ZeroDivisionError: division by zero/);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python, PyValueError } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const g = PyDict.fromEntries(py, {
   *     check: (x: number) => {
   *       if (x <= 0) throw PyValueError.newErr("x must be positive");
   *       return x;
   *     },
   *   });
   *   py.run("try:\n    check(-1)\nexcept ValueError as e:\n    msg = str(e)", g);
   *   assert.equal(g.getItem("msg")?.toJs(), "x must be positive");
   * });
   * ```
   */
  static newErr<T extends PyErr>(
    this: new (message: string) => T,
    message: string,
  ): T {
    return new this(message);
  }

  /**
   * The error for an exception instance made in Python, of any class,
   * including one Python code defined (`MyError('boom')`): thrown from a
   * TypeScript function, Python sees that very object raised. The JS class
   * is the one of its nearest builtin ancestor; `typeName` is its own.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, PyErr, Python, PyValueError } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   py.run("class MyError(ValueError): pass");
   *   const MyError = py.eval("MyError");
   *   const g = PyDict.fromEntries(py, {
   *     MyError,
   *     fail: () => {
   *       throw PyErr.from(MyError.call1("boom")); // Python sees this MyError raised
   *     },
   *   });
   *   py.run("try:\n    fail()\nexcept MyError as e:\n    caught = repr(e)", g);
   *   assert.equal(g.getItem("caught")?.toJs(), "MyError('boom')");
   *   // the JS class is that of the nearest builtin ancestor; typeName is its own
   *   const e = PyErr.from(MyError.call1("x"));
   *   assert.ok(e instanceof PyValueError);
   *   assert.equal(e.typeName, "MyError");
   * });
   * ```
   */
  static from(exc: PyAny | Py<PyAny>): PyErr {
    return errGil(() => {
      const p = borrowedPtr(exc);
      if (p === undefined) {
        throw new TypeError(
          "PyErr.from(exc): pass a Python exception instance (a PyAny or Py), e.g. MyError.call1('message')",
        );
      }
      const sym = runtime().sym;
      if ((typeFlags(sym, p) & TpFlags.BaseExc) === 0) {
        throw newErr(
          "TypeError",
          `PyErr.from(exc): exc must be an exception instance, not ${
            typeName(p)
          }`,
        );
      }
      sym.Py_IncRef(p);
      return errorOf(p, false) as PyErr;
    });
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
    if (scope !== null && !inOwnScope()) {
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

  /**
   * The Python exception type's name (`KeyError`, or a user class's own name).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyErr, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   py.run("class Oops(LookupError): pass");
   *   assert.throws(() => py.run("raise Oops('x')"), (e) => e instanceof PyErr && e.typeName === "Oops");
   * });
   * ```
   */
  get typeName(): string {
    return this.#typeName;
  }

  /**
   * The formatted Python traceback (`traceback.format_exception`), or `""` for
   * an error made in JS that never reached Python, or one whose exception
   * object was released before the traceback was first read.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyErr, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   py.run("def inner():\n    raise ValueError('deep')");
   *   try {
   *     py.eval("inner()");
   *   } catch (e) {
   *     assert.ok(e instanceof PyErr);
   *     assert.match(e.traceback, /in inner\n[\s\S]*ValueError: deep/);
   *   }
   * });
   * ```
   */
  get traceback(): string {
    if (this.#traceback !== undefined) return this.#traceback;
    const v = this.#ptr();
    if (v === null) return this.#ref === null ? (this.#traceback = "") : "";
    this.#traceback = errGil(() => formatTraceback(runtime(), v));
    return this.#traceback;
  }

  /**
   * The exception object as a GIL-independent `Py` (a new strong reference:
   * dispose it when done). Bind it in a scope to read `args` or attributes:
   * `err.value.bind(py).getattr("args")`. Needs the GIL for a lazy error.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyErr, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   try {
   *     py.run("raise KeyError('k', 2)");
   *   } catch (e) {
   *     assert.ok(e instanceof PyErr);
   *     using v = e.value;
   *     assert.deepEqual(v.bind(py).getattr("args").toJs(), ["k", 2]);
   *   }
   * });
   * ```
   */
  get value(): Py<PyAny> {
    return errGil(() => {
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
    const value = callPy(type, [msg]);
    r.sym.Py_DecRef(msg);
    this.#lazy = null;
    this.#own(value);
    return value;
  }

  /**
   * Is the exception an instance of `type`: a Python type object (any object
   * with `unsafePtr`), or one of the JS exception classes?
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyErr, PyLookupError, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   try {
   *     py.eval("{}['missing']");
   *   } catch (e) {
   *     assert.ok(e instanceof PyErr);
   *     assert.equal(e.isInstanceOf(PyLookupError), true); // a JS class
   *     assert.equal(e.isInstanceOf(py.eval("LookupError")), true); // a Python type
   *     assert.equal(e.isInstanceOf(py.eval("ValueError")), false);
   *   }
   * });
   * ```
   */
  isInstanceOf(
    type:
      | { readonly unsafePtr: Deno.PointerObject }
      | (abstract new (...args: never[]) => PyErr),
  ): boolean {
    if (typeof type === "function") return this instanceof type;
    return errGil(() => {
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
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyErr, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   try {
   *     py.eval("1/0");
   *   } catch (e) {
   *     assert.ok(e instanceof PyErr);
   *     e.releaseValue(); // the exception object (and its frames) freed now
   *     assert.equal(e.typeName, "ZeroDivisionError"); // kept
   *     assert.throws(() => e.value, /released/);
   *   }
   * });
   * ```
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

  /**
   * `err.cause`: the exception this one was raised from (`raise X from Y`),
   * else the one being handled when it was raised (unless
   * `__suppress_context__`), as a JS error (a JS error a TypeScript function
   * threw comes back as itself), or `undefined`. Read on first use, while
   * the exception object is held (not after `releaseValue()`).
   */
  static {
    // `has`, not `get() ?? ...`: "no cause" (undefined) is a cached answer too.
    const causes = new WeakMap<PyErr, unknown>();
    Object.defineProperty(PyErr.prototype, "cause", {
      configurable: true,
      enumerable: false,
      get(this: PyErr): unknown {
        if (causes.has(this)) return causes.get(this);
        const v = this.#ptr();
        if (v === null) return undefined;
        const c = errGil(() => causeOf(v));
        causes.set(this, c);
        return c;
      },
    });
  }

  /** Internal: set this error as Python's current exception (the GIL is held). */
  static {
    const raiseIn = (e: PyErr, r: Runtime): void => {
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
    registerErrKit({
      is: (e: unknown): boolean => e instanceof PyErr,
      raise: (e: unknown, r: Runtime): void => raiseIn(e as PyErr, r),
    });
  }
}
