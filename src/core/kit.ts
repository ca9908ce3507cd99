/**
 * Small Python helpers pyembed runs once per isolate (GIL held), and the
 * "dead list" pattern several modules share: Python appends the id of
 * something it freed to a list (from any thread, with no callback into JS),
 * and the JS side drains that list when it next holds the GIL.
 *
 * @module
 */

import { fetchError } from "./err.ts";
import { cstr, newNamespace, type Ptr, runSource, runtime } from "./runtime.ts";
import { ssize } from "./ssize.ts";

/**
 * Run `code` in a fresh namespace (with `__builtins__`) and return the
 * values bound to `names` there, as strong references kept for the life of
 * the process. Throws the Python error if the code raises.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 * import { runKit } from "./kit.ts";
 * import { runtime } from "./runtime.ts";
 *
 * Python.withGil(() => {
 *   const { dead } = runKit("dead = [1, 2]", "<pyembed-doc>", ["dead"]);
 *   assert.equal(Number(runtime().sym.PyList_Size(dead)), 2);
 * });
 * ```
 */
export function runKit<N extends string>(
  code: string,
  filename: string,
  names: readonly N[],
): Record<N, Ptr> {
  const r = runtime();
  const sym = r.sym;
  const ns = newNamespace(sym, r.builtins);
  if (ns === null) throw fetchError();
  try {
    if (!runSource(sym, ns, code, filename)) throw fetchError();
    const out = {} as Record<N, Ptr>;
    for (const name of names) {
      const k = sym.PyUnicode_InternFromString(cstr(name))!;
      const v = sym.PyDict_GetItemWithError(ns, k);
      sym.Py_DecRef(k);
      if (v === null) {
        throw new Error(
          `pyembed internal error: ${filename} defines no ${name}`,
        );
      }
      sym.Py_IncRef(v);
      out[name] = v;
    }
    return out;
  } finally {
    sym.Py_DecRef(ns);
  }
}

/**
 * Call `f` with each id (a Python int) queued in the Python list `list`,
 * then empty it (GIL held).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 * import { drainIds, runKit } from "./kit.ts";
 * import { runtime } from "./runtime.ts";
 *
 * Python.withGil(() => {
 *   const { dead } = runKit("dead = [3, 4]", "<pyembed-doc>", ["dead"]);
 *   const held = new Set([3, 4, 5]);
 *   drainIds(dead, (id) => held.delete(id));
 *   assert.deepEqual([...held], [5]);
 *   assert.equal(Number(runtime().sym.PyList_Size(dead)), 0);
 * });
 * ```
 */
export function drainIds(list: Ptr, f: (id: number) => void): void {
  const sym = runtime().sym;
  const n = Number(sym.PyList_Size(list));
  if (n <= 0) return;
  for (let i = 0; i < n; i++) {
    f(sym.PyLong_AsDouble(sym.PyList_GetItem(list, ssize(i))!));
  }
  sym.PyList_SetSlice(list, ssize(0), ssize(n), null);
}

/**
 * `f(*args)` with borrowed `args` (GIL held): a new reference, or throws the
 * Python error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 * import { callPy, runKit } from "./kit.ts";
 * import { runtime } from "./runtime.ts";
 *
 * Python.withGil(() => {
 *   const { make } = runKit("def make(x):\n    return [x]", "<pyembed-doc>", ["make"]);
 *   const sym = runtime().sym;
 *   const seven = sym.PyLong_FromDouble(7)!;
 *   const r = callPy(make, [seven]); // a new reference: ours to release
 *   assert.equal(Number(sym.PyList_Size(r)), 1);
 *   sym.Py_DecRef(r);
 *   sym.Py_DecRef(seven);
 * });
 * ```
 */
export function callPy(f: Ptr, args: readonly Ptr[]): Ptr {
  const sym = runtime().sym;
  const t = sym.PyTuple_New(ssize(args.length));
  if (t === null) throw fetchError();
  args.forEach((a, i) => {
    sym.Py_IncRef(a);
    sym.PyTuple_SetItem(t, ssize(i), a);
  });
  const r = sym.PyObject_CallObject(f, t);
  sym.Py_DecRef(t);
  if (r === null) throw fetchError();
  return r;
}
