/**
 * `PySet` and `PyFrozenSet`: Python's `set` and `frozenset`.
 *
 * @module
 */

import {
  arrayToList,
  isSubtype,
  receiverError,
  toPy,
} from "../core/convert.ts";
import { fetchError } from "../core/err.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ptrOf, PyAny, wrap } from "./any.ts";
import { type PythonBase, tokenState } from "./python.ts";

function fromItems(
  py: PythonBase,
  items: Iterable<unknown>,
  frozen: boolean,
): Ptr {
  const sym = runtime().sym;
  const list = arrayToList([...items], py);
  const s = frozen ? sym.PyFrozenSet_New(list) : sym.PySet_New(list);
  sym.Py_DecRef(list);
  if (s === null) throw fetchError();
  return s;
}

let isSet: (o: unknown) => boolean;
let isFrozenSet: (o: unknown) => boolean;

/** The pointer of a set method's receiver, or the TypeError for any other `this`. */
function self(
  o: unknown,
  method: string,
  frozen: boolean,
): Ptr {
  if (!(frozen ? isFrozenSet(o) : isSet(o))) {
    throw receiverError(o, frozen ? "PyFrozenSet" : "PySet", method);
  }
  return ptrOf(o as PyAny);
}

function setContains(obj: PyAny, key: unknown, frozen: boolean): boolean {
  const sym = runtime().sym;
  const p = self(obj, "contains", frozen);
  const k = toPy(key, obj.py());
  const rc = sym.PySet_Contains(p, k);
  sym.Py_DecRef(k);
  if (rc < 0) throw fetchError();
  return rc === 1;
}

function setSize(obj: PyAny, frozen: boolean): number {
  const n = Number(runtime().sym.PySet_Size(self(obj, "len", frozen)));
  if (n === -1) throw fetchError();
  return n;
}

/**
 * Python's `set`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PySet, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const s = PySet.new(py, [1, 2]);
 *   s.add(3);
 *   assert.equal(s.contains(3), true);
 *   assert.equal(s.len(), 3);
 *   assert.deepEqual(s.toJs(), new Set([1, 2, 3]));
 * });
 * ```
 */
export class PySet extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PySet";
  #set: undefined;
  static {
    isSet = (o) => typeof o === "object" && o !== null && #set in o;
  }
  /** `isinstance(obj, set)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, ptrOf(obj), runtime().types.set);
  }
  /** A new set of converted items. */
  static new(py: PythonBase, items: Iterable<unknown> = []): PySet {
    tokenState(py);
    return wrap(py, fromItems(py, items, false), PySet);
  }
  /** `self.add(key)`. */
  add(key: unknown): void {
    const sym = runtime().sym;
    const p = self(this, "add", false);
    const k = toPy(key, this.py());
    const rc = sym.PySet_Add(p, k);
    sym.Py_DecRef(k);
    if (rc !== 0) throw fetchError();
  }
  /** `self.discard(key)`; true when the key was present. */
  discard(key: unknown): boolean {
    const sym = runtime().sym;
    const p = self(this, "discard", false);
    const k = toPy(key, this.py());
    const rc = sym.PySet_Discard(p, k);
    sym.Py_DecRef(k);
    if (rc < 0) throw fetchError();
    return rc === 1;
  }
  /** `key in self`. */
  override contains(key: unknown): boolean {
    return setContains(this, key, false);
  }
  /** `len(self)`. */
  override len(): number {
    return setSize(this, false);
  }
  /** `self.pop()` (KeyError when empty). */
  pop(): PyAny {
    const p = self(this, "pop", false);
    return wrap(this.py(), runtime().sym.PySet_Pop(p), PyAny);
  }
}

/**
 * Python's `frozenset`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Extract, PyFrozenSet, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const f = PyFrozenSet.new(py, ["a", "b"]);
 *   assert.equal(f.contains("a"), true);
 *   assert.equal(f.hash(), py.eval("hash(frozenset({'a', 'b'}))").extract(Extract.bigint));
 * });
 * ```
 */
export class PyFrozenSet extends PyAny {
  /** Class name used in downcast errors. */
  static override readonly typeName: string = "PyFrozenSet";
  #frozenset: undefined;
  static {
    isFrozenSet = (o) => typeof o === "object" && o !== null && #frozenset in o;
  }
  /** `isinstance(obj, frozenset)`. */
  static override typeCheck(obj: PyAny): boolean {
    return isSubtype(runtime().sym, ptrOf(obj), runtime().types.frozenset);
  }
  /** A new frozenset of converted items. */
  static new(py: PythonBase, items: Iterable<unknown> = []): PyFrozenSet {
    tokenState(py);
    return wrap(py, fromItems(py, items, true), PyFrozenSet);
  }
  /** `key in self`. */
  override contains(key: unknown): boolean {
    return setContains(this, key, true);
  }
  /** `len(self)`. */
  override len(): number {
    return setSize(this, true);
  }
}
