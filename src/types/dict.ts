/**
 * `PyDict`: Python's `dict`.
 *
 * @module
 */

import {
  dictSnapshot,
  receiverError,
  toPy,
  TpFlags,
  tupleSize,
  typeFlags,
  typeName,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { PyTypeError } from "./exceptions.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import {
  type FromPyObject,
  ptrOf,
  PyAny,
  terminal,
  wrap,
  wrapBorrowed,
} from "./any.ts";
import { extractResult } from "./extract.ts";
import { PyList } from "./list.ts";
import { type PythonBase, tokenState } from "./python.ts";

let isDict: (o: unknown) => boolean;

/** The pointer of a `PyDict` method's receiver, or the TypeError for any other `this`. */
function self(o: unknown, method: string): Ptr {
  if (!isDict(o)) throw receiverError(o, "PyDict", method);
  return ptrOf(o as PyDict);
}

/**
 * The receiver's pointer, checked to be a `dict` in Python too, for the C
 * functions that do not check their argument (`PyDict_Contains` reads any
 * object as a dict).
 */
function checkedSelf(o: unknown, method: string): Ptr {
  const p = self(o, method);
  // PyDict_Size checks: one fast call, against three for a flags test.
  const sym = runtime().sym;
  if (Number(sym.PyDict_Size(p)) < 0) {
    sym.PyErr_Clear();
    throw PyTypeError.newErr(
      `PyDict.${method}() called on a '${typeName(p)}' object`,
    );
  }
  return p;
}

/**
 * Python's `dict`. Unlike `PyAny.getItem`, which raises `KeyError`,
 * `PyDict.getItem` returns `undefined` for a missing key (PyO3's `Option`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, PyDict, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const d = PyDict.fromEntries(py, { a: 1, b: [2, 3] });
 *   d.setItem("c", "x");
 *   assert.equal(d.getItem("a")?.extract(Extract.int), 1);
 *   assert.equal(d.getItem("missing"), undefined); // PyAny.getItem would raise KeyError
 *   assert.equal(d.len(), 3);
 *   assert.deepEqual(d.toJs(), new Map<string, unknown>([["a", 1], ["b", [2, 3]], ["c", "x"]]));
 * });
 * ```
 */
export class PyDict extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyDict";
  #dict: undefined;

  static {
    isDict = (o) => typeof o === "object" && o !== null && #dict in o;
  }

  /** `isinstance(obj, dict)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, ptrOf(obj)) & TpFlags.Dict) !== 0;
  }

  /**
   * A new empty dict.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const d = PyDict.new(py);
   *   d.setItem("k", [1, 2]);
   *   assert.equal(d.repr(), "{'k': [1, 2]}");
   * });
   * ```
   */
  static new(py: PythonBase): PyDict {
    tokenState(py);
    return wrap(py, runtime().sym.PyDict_New(), PyDict);
  }

  /**
   * A dict from a `Map`, a plain object, or `[key, value]` pairs. A value
   * whose `[toPyObject]` gives something other than a dict is a TypeError.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const a = PyDict.fromEntries(py, { x: 1 });
   *   const b = PyDict.fromEntries(py, new Map([[1, "one"]]));
   *   const c = PyDict.fromEntries(py, [["y", null]]);
   *   assert.deepEqual([a.repr(), b.repr(), c.repr()], ["{'x': 1}", "{1: 'one'}", "{'y': None}"]);
   * });
   * ```
   */
  static fromEntries(
    py: PythonBase,
    entries:
      | Map<unknown, unknown>
      | Record<string, unknown>
      | Iterable<readonly [unknown, unknown]>,
  ): PyDict {
    tokenState(py);
    const src = entries instanceof Map || !(Symbol.iterator in entries)
      ? entries
      : new Map(entries as Iterable<readonly [unknown, unknown]>);
    const sym = runtime().sym;
    const p = toPy(src, py);
    if ((typeFlags(sym, p) & TpFlags.Dict) === 0) {
      const name = typeName(p);
      sym.Py_DecRef(p);
      throw PyTypeError.newErr(
        `PyDict.fromEntries: the entries converted to a '${name}', not a dict`,
      );
    }
    return wrap(py, p, PyDict);
  }

  /**
   * `self[key]`, or `undefined` when the key is missing.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const d = PyDict.fromEntries(py, { a: 1 });
   *   assert.equal(d.getItem("a")?.toJs(), 1);
   *   assert.equal(d.getItem("b"), undefined);
   * });
   * ```
   */
  override getItem(this: PyDict, key: unknown): PyAny | undefined;
  /**
   * `self[key]` read with an extractor (terminal: no object for the value),
   * or `undefined` when the key is missing.
   */
  override getItem<T>(
    this: PyDict,
    key: unknown,
    extract: FromPyObject<T>,
  ): T | undefined;
  /** `self[key]`, or `undefined` when the key is missing. */
  override getItem(key: unknown): PyAny;
  /** `self[key]` read with an extractor, or `undefined` when the key is missing. */
  override getItem<T>(key: unknown, extract: FromPyObject<T>): T;
  override getItem<T>(
    key: unknown,
    extract?: FromPyObject<T>,
  ): PyAny | T | undefined {
    const sym = runtime().sym;
    const p = self(this, "getItem");
    const it = terminal(extract, "getItem");
    const k = toPy(key, this.py());
    const v = sym.PyDict_GetItemWithError(p, k);
    if (v === null) {
      sym.Py_DecRef(k);
      if (sym.PyErr_Occurred() !== null) throw fetchError();
      return undefined;
    }
    // Own the value before the key's decref, which can run the key's
    // `__del__` (Python code that may remove the item and free the value).
    if (it !== undefined) {
      sym.Py_IncRef(v);
      sym.Py_DecRef(k);
      return extractResult(it, v, this.py());
    }
    let out: PyAny;
    try {
      out = wrapBorrowed(this.py(), v, PyAny);
    } finally {
      sym.Py_DecRef(k);
    }
    return out;
  }

  /** `self[key] = value`. */
  override setItem(key: unknown, value: unknown): void {
    const sym = runtime().sym;
    const p = self(this, "setItem");
    const k = toPy(key, this.py());
    let v: Ptr;
    try {
      v = toPy(value, this.py());
    } catch (e) {
      sym.Py_DecRef(k);
      throw e;
    }
    const rc = sym.PyDict_SetItem(p, k, v);
    sym.Py_DecRef(k);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /** `key in self`. */
  override contains(key: unknown): boolean {
    const sym = runtime().sym;
    const p = checkedSelf(this, "contains");
    const k = toPy(key, this.py());
    const rc = sym.PyDict_Contains(p, k);
    sym.Py_DecRef(k);
    if (rc < 0) throw fetchError();
    return rc === 1;
  }

  /** `len(self)`. */
  override len(): number {
    const n = Number(runtime().sym.PyDict_Size(self(this, "len")));
    if (n === -1) throw fetchError();
    return n;
  }

  /** `list(self.keys())`. */
  keys(): PyList {
    const p = self(this, "keys");
    return wrap(this.py(), runtime().sym.PyDict_Keys(p), PyList);
  }

  /** `list(self.values())`. */
  values(): PyList {
    const p = self(this, "values");
    return wrap(this.py(), runtime().sym.PyDict_Values(p), PyList);
  }

  /**
   * `list(self.items())`: a list of `(key, value)` tuples.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const d = PyDict.fromEntries(py, { a: 1 });
   *   assert.deepEqual(d.items().toJs(), [["a", 1]]); // tuples become arrays
   *   assert.deepEqual(d.keys().toJs(), ["a"]);
   * });
   * ```
   */
  items(): PyList {
    const p = self(this, "items");
    return wrap(this.py(), runtime().sym.PyDict_Items(p), PyList);
  }

  /**
   * `[key, value]` pairs, for `for (const [k, v] of d.entries())`. The
   * pairs are those of a snapshot taken at the first `next()`, so changing
   * the dict while iterating is safe (and not seen). Each step needs the
   * GIL, like any other call.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const d = PyDict.fromEntries(py, { a: 1, b: 2 });
   *   const seen: [unknown, unknown][] = [];
   *   for (const [k, v] of d.entries()) seen.push([k.toJs(), v.toJs()]);
   *   assert.deepEqual(seen, [["a", 1], ["b", 2]]);
   * });
   * ```
   */
  *entries(): Generator<[PyAny, PyAny]> {
    const py = this.py();
    const [kt, vt] = dictSnapshot(self(this, "entries"));
    // Owned by the tier like any result (released with the pool or scope
    // even when the loop is abandoned), and checked on every step.
    const keys = wrap(py, kt, PyAny);
    let values: PyAny;
    try {
      values = wrap(py, vt, PyAny);
    } catch (e) {
      keys[Symbol.dispose]();
      throw e;
    }
    try {
      const n = tupleSize(ptrOf(keys));
      for (let i = 0; i < n; i++) {
        const sym = runtime().sym;
        const k = sym.PyTuple_GetItem(ptrOf(keys), ssize(i));
        const key = wrapBorrowed(py, k, PyAny);
        const v = sym.PyTuple_GetItem(ptrOf(values), ssize(i));
        yield [key, wrapBorrowed(py, v, PyAny)];
      }
    } finally {
      keys[Symbol.dispose]();
      values[Symbol.dispose]();
    }
  }

  /** A shallow copy. */
  copy(): PyDict {
    const p = self(this, "copy");
    return wrap(this.py(), runtime().sym.PyDict_Copy(p), PyDict);
  }

  /** `self.update(other)` for a mapping (a `PyDict`, `Map` or plain object). */
  update(other: unknown): void {
    const sym = runtime().sym;
    const p = self(this, "update");
    const o = toPy(other, this.py());
    const rc = sym.PyDict_Update(p, o);
    sym.Py_DecRef(o);
    if (rc !== 0) throw fetchError();
  }

  /** Remove every item. */
  clear(): void {
    runtime().sym.PyDict_Clear(checkedSelf(this, "clear"));
  }
}
