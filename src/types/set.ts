/**
 * `PySet` and `PyFrozenSet`: Python's `set` and `frozenset`.
 *
 * @module
 */

import { isSubtype, toPy } from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { PyAny, wrap } from "./any.ts";
import { type PythonBase, tokenState } from "./python.ts";

function fromItems(
  py: PythonBase,
  items: Iterable<unknown>,
  frozen: boolean,
): Ptr {
  const sym = runtime().sym;
  const list = toPy([...items], py);
  const s = frozen ? sym.PyFrozenSet_New(list) : sym.PySet_New(list);
  sym.Py_DecRef(list);
  if (s === null) throw fetchError();
  return s;
}

function setContains(obj: PyAny, key: unknown): boolean {
  const sym = runtime().sym;
  const self = obj.unsafePtr;
  const k = toPy(key, obj.py());
  const rc = sym.PySet_Contains(self, k);
  sym.Py_DecRef(k);
  if (rc < 0) throw fetchError();
  return rc === 1;
}

/**
 * Python's `set`.
 *
 * @example
 * ```ts ignore
 * const s = PySet.new(py, [1, 2]);
 * s.add(3);
 * console.log(s.contains(3), s.len()); // true 3
 * ```
 */
export class PySet extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PySet";
  /** `isinstance(obj, set)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, obj.unsafePtr, runtime().types.set);
  }
  /** A new set of converted items. */
  static new(py: PythonBase, items: Iterable<unknown> = []): PySet {
    tokenState(py);
    return wrap(py, fromItems(py, items, false), PySet);
  }
  /** `self.add(key)`. */
  add(key: unknown): void {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const k = toPy(key, this.py());
    const rc = sym.PySet_Add(self, k);
    sym.Py_DecRef(k);
    if (rc !== 0) throw fetchError();
  }
  /** `self.discard(key)`; true when the key was present. */
  discard(key: unknown): boolean {
    const sym = runtime().sym;
    const self = this.unsafePtr;
    const k = toPy(key, this.py());
    const rc = sym.PySet_Discard(self, k);
    sym.Py_DecRef(k);
    if (rc < 0) throw fetchError();
    return rc === 1;
  }
  /** `key in self`. */
  override contains(key: unknown): boolean {
    return setContains(this, key);
  }
  /** `len(self)`. */
  override len(): number {
    return Number(runtime().sym.PySet_Size(this.unsafePtr));
  }
  /** `self.pop()` (KeyError when empty). */
  pop(): PyAny {
    return wrap(this.py(), runtime().sym.PySet_Pop(this.unsafePtr), PyAny);
  }
}

/**
 * Python's `frozenset`.
 *
 * @example
 * ```ts ignore
 * const f = PyFrozenSet.new(py, ["a", "b"]);
 * console.log(f.contains("a"), f.hash());
 * ```
 */
export class PyFrozenSet extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyFrozenSet";
  /** `isinstance(obj, frozenset)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, obj.unsafePtr, runtime().types.frozenset);
  }
  /** A new frozenset of converted items. */
  static new(py: PythonBase, items: Iterable<unknown> = []): PyFrozenSet {
    tokenState(py);
    return wrap(py, fromItems(py, items, true), PyFrozenSet);
  }
  /** `key in self`. */
  override contains(key: unknown): boolean {
    return setContains(this, key);
  }
  /** `len(self)`. */
  override len(): number {
    return Number(runtime().sym.PySet_Size(this.unsafePtr));
  }
}
