/**
 * `Py<T>`: a GIL-independent strong reference (PyO3's `Py<T>`).
 *
 * @module
 */

import { registerBorrower, takeStr } from "../core/convert.ts";
import { gilHeld, noGilError, withGilScope } from "../core/gil.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { Strong } from "../core/strong.ts";
import { ptrOf, PyAny, wrapBorrowed } from "./any.ts";
import { setPyFactory } from "./err.ts";
import { type Ctor, KEY } from "./internal.ts";

/**
 * Internal (not exported from any entry point): adopt the strong reference
 * `ptr` as a `Py` of class `cls`. The caller guarantees `ptr` is a live
 * `PyObject*` it owns a reference to; `born` is that reference's user-code
 * epoch when it is moved from a tier object (`unbind()`).
 */
export let pyFromOwned: <T extends PyAny>(
  ptr: Ptr,
  cls: Ctor<T>,
  born?: number,
) => Py<T>;
import type { PythonBase } from "./python.ts";

/**
 * A strong reference that outlives GIL scopes. Make one with `Py.from(obj)`
 * (stable tier) or `obj.unbind()` (experimental tier); use it again with
 * `p.bind(py)` inside a `withGil`. Release it with `[Symbol.dispose]()`
 * (`using`); one never disposed is released by a `FinalizationRegistry`
 * backstop that takes the GIL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Py, PyDict, Python } from "@pyembed/pyembed";
 *
 * const kept = Python.withGil((py) => Py.from(PyDict.new(py))); // outlives the scope
 * Python.withGil((py) => kept.bind(py).setItem("a", 1));
 * assert.equal(Python.withGil((py) => kept.bind(py).len()), 1);
 * kept[Symbol.dispose]();
 * assert.equal(kept.disposed, true);
 * ```
 */
export class Py<T extends PyAny = PyAny> {
  #strong: Strong;
  #cls: Ctor<T>;

  /** @ignore Internal: a `Py` comes from `Py.from(obj)` or `obj.unbind()`. */
  private constructor(
    key: typeof KEY,
    ptr: Ptr,
    cls: Ctor<T>,
    born?: number,
  ) {
    if (key !== KEY) {
      throw new TypeError(
        "Py cannot be constructed with new: use Py.from(obj) or obj.unbind()",
      );
    }
    this.#strong = new Strong(ptr, born);
    this.#cls = cls;
  }

  static {
    pyFromOwned = <T extends PyAny>(
      ptr: Ptr,
      cls: Ctor<T>,
      born?: number,
    ): Py<T> => new Py(KEY, ptr, cls, born);
  }

  /** A new `Py` holding a new strong reference to `obj`. */
  static from<T extends PyAny>(obj: T): Py<T> {
    const p = ptrOf(obj);
    runtime().sym.Py_IncRef(p);
    return new Py(KEY, p, obj.constructor as Ctor<T>);
  }

  /** The pointer; valid while this `Py` is not disposed. Use it only with the GIL held. */
  get unsafePtr(): Deno.PointerObject {
    return this.#ptr();
  }

  /** The checked pointer, read through the private field (an own `unsafePtr` property cannot shadow it). */
  #ptr(): Deno.PointerObject {
    const p = this.#strong.ptr;
    if (p === null) {
      throw new Error("This Py was disposed: it no longer holds a reference.");
    }
    if (!gilHeld) throw noGilError();
    return p;
  }

  static {
    // The brand check behind ToPyObject: only a real Py lends a pointer.
    registerBorrower((o) => #strong in o ? (o as Py).#ptr() : undefined);
  }

  /** Has this `Py` been disposed? */
  get disposed(): boolean {
    return this.#strong.ptr === null;
  }

  /**
   * A new object in `py`'s scope (and tier) for the same Python object.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Py, Python } from "@pyembed/pyembed";
   *
   * using p = Python.withGil((py) => Py.from(py.eval("[1, 2]")));
   * assert.equal(Python.withGil((py) => p.bind(py).len()), 2);
   * ```
   */
  bind(py: PythonBase): T {
    return wrapBorrowed(py, this.#ptr(), this.#cls);
  }

  /**
   * A second `Py` to the same object (a new strong reference).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Py, Python } from "@pyembed/pyembed";
   *
   * const a = Python.withGil((py) => Py.from(py.eval("object()")));
   * const b = Python.withGil((py) => a.cloneRef(py)); // a second strong reference
   * a[Symbol.dispose]();
   * assert.equal(Python.withGil((py) => b.bind(py).repr().startsWith("<object")), true);
   * b[Symbol.dispose]();
   * ```
   */
  cloneRef(py: PythonBase): Py<T> {
    void py;
    const p = this.#ptr();
    runtime().sym.Py_IncRef(p);
    return new Py(KEY, p, this.#cls);
  }

  /** The reference count of the object (read directly: no temporary reference is taken). */
  refCnt(py: PythonBase): number {
    void py;
    const lo = new Uint32Array(2);
    runtime().sym.memcpy(lo, this.#ptr(), ssize(8));
    return lo[0] + lo[1] * 4294967296;
  }

  /** Release the reference (takes the GIL if needed). Idempotent. */
  [Symbol.dispose](): void {
    this.#strong.release();
  }

  /**
   * `console.log(ref)` shows `Py(repr(obj))`, taking the GIL for it when
   * needed (a `Py` is GIL-independent). Never throws: a disposed `Py`, or a
   * `__repr__` that raises, shows why.
   */
  [Symbol.for("Deno.customInspect")](): string {
    const p = this.#strong.ptr;
    if (p === null) return "Py(<disposed>)";
    try {
      return `Py(${withGilScope(() => reprOf(p))})`;
    } catch (e) {
      return `Py(<${String((e as Error)?.message).split("\n")[0]}>)`;
    }
  }
}

/** `repr(p)` (GIL held). */
function reprOf(p: Ptr): string {
  return takeStr(runtime().sym.PyObject_Repr(p));
}

setPyFactory((p) => pyFromOwned(p, PyAny));
