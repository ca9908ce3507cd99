/**
 * `PyDict`: Python's `dict`.
 *
 * @module
 */

import { toPy, TpFlags, typeFlags } from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { PyAny, wrap, wrapBorrowed } from "./any.ts";
import { PyList } from "./list.ts";
import { type PythonBase, tokenState } from "./python.ts";

/**
 * Python's `dict`. Unlike `PyAny.getItem`, which raises `KeyError`,
 * `PyDict.getItem` returns `undefined` for a missing key (PyO3's `Option`).
 *
 * @example
 * ```ts ignore
 * const d = PyDict.fromEntries(py, { a: 1, b: [2, 3] });
 * d.setItem("c", "x");
 * console.log(d.getItem("a")?.extract(Extract.int), d.len(), d.toJs());
 * ```
 */
export class PyDict extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyDict";

  /** `isinstance(obj, dict)`. */
  static override typeCheck(obj: PyAny): boolean {
    return (typeFlags(runtime().sym, obj.unsafePtr) & TpFlags.Dict) !== 0;
  }

  /** A new empty dict. */
  static new(py: PythonBase): PyDict {
    tokenState(py);
    return wrap(py, runtime().sym.PyDict_New(), PyDict);
  }

  /** A dict from a `Map`, a plain object, or `[key, value]` pairs. */
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
    return wrap(py, toPy(src, py), PyDict);
  }

  /** `self[key]`, or `undefined` when the key is missing. */
  override getItem(this: PyDict, key: unknown): PyAny | undefined;
  /** `self[key]`, or `undefined` when the key is missing. */
  override getItem(key: unknown): PyAny;
  override getItem(key: unknown): PyAny | undefined {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const k = toPy(key, this.py());
    const v = sym.PyDict_GetItemWithError(self, k);
    sym.Py_DecRef(k);
    if (v === null) {
      if (sym.PyErr_Occurred() !== null) throw fetchError();
      return undefined;
    }
    return wrapBorrowed(this.py(), v, PyAny);
  }

  /** `self[key] = value`. */
  override setItem(key: unknown, value: unknown): void {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const k = toPy(key, this.py());
    let v: Ptr;
    try {
      v = toPy(value, this.py());
    } catch (e) {
      sym.Py_DecRef(k);
      throw e;
    }
    const rc = sym.PyDict_SetItem(self, k, v);
    sym.Py_DecRef(k);
    sym.Py_DecRef(v);
    if (rc !== 0) throw fetchError();
  }

  /** `key in self`. */
  override contains(key: unknown): boolean {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const k = toPy(key, this.py());
    const rc = sym.PyDict_Contains(self, k);
    sym.Py_DecRef(k);
    if (rc < 0) throw fetchError();
    return rc === 1;
  }

  /** `len(self)`. */
  override len(): number {
    return Number(runtime().sym.PyDict_Size(this.unsafePtr));
  }

  /** `list(self.keys())`. */
  keys(): PyList {
    return wrap(this.py(), runtime().sym.PyDict_Keys(this.unsafePtr), PyList);
  }

  /** `list(self.values())`. */
  values(): PyList {
    return wrap(this.py(), runtime().sym.PyDict_Values(this.unsafePtr), PyList);
  }

  /** `list(self.items())`: a list of `(key, value)` tuples. */
  items(): PyList {
    return wrap(this.py(), runtime().sym.PyDict_Items(this.unsafePtr), PyList);
  }

  /** `[key, value]` pairs, for `for (const [k, v] of d.entries())`. */
  *entries(): Generator<[PyAny, PyAny]> {
    const py = this.py();
    const sym = runtime().sym;
    const keys = sym.PyDict_Keys(this.unsafePtr);
    const values = sym.PyDict_Values(this.unsafePtr);
    if (keys === null || values === null) throw fetchError();
    try {
      const n = Number(sym.PyList_Size(keys));
      for (let i = 0; i < n; i++) {
        yield [
          wrapBorrowed(py, sym.PyList_GetItem(keys, ssize(i)), PyAny),
          wrapBorrowed(py, sym.PyList_GetItem(values, ssize(i)), PyAny),
        ];
      }
    } finally {
      sym.Py_DecRef(keys);
      sym.Py_DecRef(values);
    }
  }

  /** A shallow copy. */
  copy(): PyDict {
    return wrap(this.py(), runtime().sym.PyDict_Copy(this.unsafePtr), PyDict);
  }

  /** `self.update(other)` for a mapping (a `PyDict`, `Map` or plain object). */
  update(other: unknown): void {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const o = toPy(other, this.py());
    const rc = sym.PyDict_Update(self, o);
    sym.Py_DecRef(o);
    if (rc !== 0) throw fetchError();
  }

  /** Remove every item. */
  clear(): void {
    runtime().sym.PyDict_Clear(this.unsafePtr);
  }
}
