/**
 * `pyclass`: a TypeScript class as a Python type (issue 15, item 1; PyO3's
 * `#[pyclass]` + `#[pymethods]`).
 *
 * The Python type is an ordinary class made in Python whose `__init__`,
 * methods and property accessors are TypeScript functions bound as methods
 * (`pymethod`), so arguments get CPython's own argument errors for the
 * signatures given. Each Python instance owns one JS instance: `__init__`
 * calls the JS constructor and records the JS object under an id the Python
 * instance keeps (`_pyembed_id`); every method call finds the JS object by
 * that id and calls the JS method with `this` bound to it.
 *
 * Lifetime: the JS object is held while the Python instance lives. When
 * Python frees the instance (on any thread), a weakref callback only appends
 * its id to a Python list: no callback enters JS. The next construction (or
 * `sweepPyclassInstances`) drops those ids, so the JS objects become
 * garbage.
 *
 * @module
 */

import { fetchError } from "../core/err.ts";
import { callPy, drainIds, runKit } from "../core/kit.ts";
import { cstr, type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import {
  setObjectUnwrapper,
  setObjectWrapper,
  strCache,
} from "../core/convert.ts";
import { PyAny, wrap } from "../types/any.ts";
import { PyTypeError } from "../types/exceptions.ts";
import type { PythonBase } from "../types/python.ts";
import { tokenState } from "../types/python.ts";
import { jsArg, pyfunction, pymethod } from "./pyfunction.ts";
import { parseSignature, type Signature } from "./signature.ts";

/** Options of {@linkcode pyclass}. */
export interface PyclassOptions {
  /** The Python class name (default: the JS class's `name`). */
  name?: string;
  /** `__module__` of the class (default `"__main__"`). */
  module?: string;
  /**
   * The constructor's Python signature, without `self` (default `(*args)`):
   * `"(start=0, *, step=1)"`.
   */
  init?: string;
  /**
   * The methods Python sees and their signatures without `self`
   * (`{ incr: "(by=1)" }`); a method not listed is exposed with `(*args)`.
   * Default: every method of the class's prototype chain (dunder names such
   * as `__len__`, `__add__`, `__repr__` become Python's special methods).
   */
  methods?: Record<string, string>;
}

const KIT_CODE = `
import weakref

dead = []


def make(name, module, attrs):
    ns = dict(attrs)
    ns['__module__'] = module
    ns['__slots__'] = ('_pyembed_id', '__weakref__', '__dict__')
    def __reduce_ex__(self, protocol):
        raise TypeError(f"cannot pickle {type(self).__name__!r} object: it wraps a JavaScript object")
    ns['__reduce_ex__'] = __reduce_ex__
    return type(name, (object,), ns)


live = weakref.WeakValueDictionary()  # id -> the Python instance
_refs = {}  # id -> the weakref whose callback queues the id


def track(obj, i):
    object.__setattr__(obj, '_pyembed_id', i)
    live[i] = obj
    # A plain weakref callback, not weakref.finalize: finalize stops calling
    # back once atexit ran, which pyembed does when an isolate hands CPython
    # over (each deno test module, for one).
    _refs[i] = weakref.ref(obj, lambda _r, i=i: (dead.append(i), _refs.pop(i, None)))


def find(i):
    return live.get(i)


def adopt(t, i):
    obj = object.__new__(t)
    track(obj, i)
    return obj


def prop(fget, fset):
    return property(fget, fset)
`;

let kit:
  | { make: Ptr; track: Ptr; prop: Ptr; dead: Ptr; find: Ptr; adopt: Ptr }
  | null = null;
const instances = new Map<number, object>();
/** The id of each JS object's latest Python wrapper. */
const ids = new WeakMap<object, number>();
/** Each pyclass's JS class and its Python type. */
const typeOfClass = new Map<unknown, Ptr>();
let nextId = 1;
/** Type objects made by `pyclass` (strong references, for the life of the process). */
const classTypes: Ptr[] = [];

function getKit(): NonNullable<typeof kit> {
  if (kit !== null) return kit;
  kit = runKit(KIT_CODE, "<pyembed-pyclass>", [
    "make",
    "track",
    "prop",
    "dead",
    "find",
    "adopt",
  ]);
  setObjectUnwrapper(unwrap);
  setObjectWrapper(wrapObject);
  return kit;
}

/**
 * Drop the JS objects whose Python instances are gone (GIL held);
 * construction does this itself. Returns how many JS objects are held.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pyclass, Python, sweepPyclassInstances } from "@pyembed/pyembed";
 *
 * class Point {
 *   constructor(public x = 0) {}
 * }
 * Python.withGil((py) => {
 *   const before = sweepPyclassInstances();
 *   const P = pyclass(py, Point);
 *   py.withPool(() => P.call1(1)); // a Python instance, dropped with this pool
 *   py.run("import gc; gc.collect()");
 *   assert.equal(sweepPyclassInstances(), before);
 * });
 * ```
 */
export function sweepPyclassInstances(): number {
  if (kit !== null) drainIds(kit.dead, (id) => instances.delete(id));
  return instances.size;
}

/** The JS object of a pyclass instance `p`, or `undefined` (GIL held). */
function unwrap(p: Ptr): object | undefined {
  const sym = runtime().sym;
  const t = sym.PyObject_Type(p)!;
  let ours = false;
  for (const c of classTypes) {
    if (sym.PyType_IsSubtype(t, c) !== 0) {
      ours = true;
      break;
    }
  }
  sym.Py_DecRef(t);
  if (!ours) return undefined;
  return instanceOf(p);
}

/**
 * The Python instance for the JS object `v` of a pyclass's JS class (or a
 * JS subclass of one), a new reference, or `undefined` (GIL held): the
 * instance that already wraps it while that one lives, else a new one of
 * the nearest registered class's type (its JS constructor is not called
 * again).
 */
function wrapObject(v: object): Ptr | undefined {
  let type: Ptr | undefined;
  for (
    let p = Object.getPrototypeOf(v) as object | null;
    p !== null && type === undefined;
    p = Object.getPrototypeOf(p)
  ) {
    type = typeOfClass.get((p as { constructor?: unknown }).constructor);
  }
  if (type === undefined) return undefined;
  const sym = runtime().sym;
  const k = kit!;
  sweepPyclassInstances();
  const known = ids.get(v);
  if (known !== undefined && instances.has(known)) {
    const idObj = sym.PyLong_FromDouble(known)!;
    const found = callPy(k.find, [idObj]);
    sym.Py_DecRef(idObj);
    if (found !== runtime().none) return found;
    sym.Py_DecRef(found);
  }
  // A fresh id: ids are never reused, so a wrapper dying now cannot take
  // the new one's JS object with it.
  const id = nextId++;
  instances.set(id, v);
  ids.set(v, id);
  const idObj = sym.PyLong_FromDouble(id)!;
  try {
    return callPy(k.adopt, [type, idObj]);
  } finally {
    sym.Py_DecRef(idObj);
  }
}

function instanceOf(p: Ptr): object {
  const sym = runtime().sym;
  const v = sym.PyObject_GetAttr(p, strCache("_pyembed_id"));
  if (v === null) {
    sym.PyErr_Clear();
    throw PyTypeError.newErr(
      "this object's TypeScript class was never initialized (its __init__ did not run)",
    );
  }
  const id = sym.PyLong_AsDouble(v);
  sym.Py_DecRef(v);
  const obj = instances.get(id);
  if (obj === undefined) {
    throw PyTypeError.newErr(
      "this object's JavaScript instance is gone (its isolate ended)",
    );
  }
  return obj;
}

/**
 * The JS arguments for `sig` from the bound parameters: positional
 * parameters in order, then `*args` spread, then, when the signature has
 * keyword-only parameters or `**kwargs` got some, one trailing object of
 * them.
 */
function jsArgs(sig: Signature, params: Record<string, PyAny>): unknown[] {
  const out: unknown[] = [];
  const ps = sig.parameters;
  for (let i = 1; i < sig.positionalCount; i++) {
    out.push(jsArg(params[ps[i].name]));
  }
  if (sig.varargs !== undefined) {
    for (const a of params[sig.varargs] as Iterable<PyAny>) {
      out.push(jsArg(a));
    }
  }
  const kw: Record<string, unknown> = {};
  let any = false;
  for (let i = sig.positionalCount; i < ps.length; i++) {
    kw[ps[i].name] = jsArg(params[ps[i].name]);
    any = true;
  }
  if (sig.varkw !== undefined) {
    const d = params[sig.varkw];
    for (const [k, v] of d.toJs() as Map<string, unknown>) kw[k] = v;
    if (d.len() > 0) any = true;
  }
  if (any) out.push(kw);
  return out;
}

/** `"(a, b=1)"` -> `"name(self, a, b=1)"`. */
function withSelf(name: string, sig: string): string {
  const body = sig.trim().replace(/^\(/, "").replace(/\)$/, "").trim();
  return `${name}(self${body === "" ? "" : ", " + body})`;
}

type AnyClass = abstract new (...args: never[]) => object;

/** Method and accessor names of a class's prototype chain (not Object's). */
function members(cls: AnyClass): {
  methods: string[];
  accessors: Map<string, { get: boolean; set: boolean }>;
} {
  const methods: string[] = [];
  const accessors = new Map<string, { get: boolean; set: boolean }>();
  const seen = new Set<string>(["constructor"]);
  for (
    let p = cls.prototype as object | null;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const d = Object.getOwnPropertyDescriptor(p, name)!;
      if (d.get !== undefined || d.set !== undefined) {
        accessors.set(name, {
          get: d.get !== undefined,
          set: d.set !== undefined,
        });
      } else if (typeof d.value === "function") methods.push(name);
    }
  }
  return { methods, accessors };
}

/**
 * A Python type from a TypeScript class: `Cls(...)` in Python constructs the
 * JS class (arguments converted with `toJs()`), its methods and accessors
 * are the JS ones, a Python subclass may override them and call them through
 * `super()`, `isinstance` works, and an instance passed back to TypeScript
 * converts (`toJs()`, a plain JS function's arguments) to the very JS
 * object. Dunder-named JS methods (`__len__`, `__add__`, `__eq__`,
 * `__repr__`, `__call__`, ...) are Python's special methods. Pickling is
 * refused. The JS object lives exactly as long as the Python instance.
 *
 * @example
 * ```ts
 * import { pyclass, Python } from "@pyembed/pyembed";
 * class Counter {
 *   n: number;
 *   constructor(start = 0) {
 *     this.n = start;
 *   }
 *   incr(by = 1): number {
 *     return (this.n += by);
 *   }
 *   get double(): number {
 *     return this.n * 2;
 *   }
 * }
 * Python.withGil((py) => {
 *   const C = pyclass(py, Counter, { init: "(start=0)", methods: { incr: "(by=1)" } });
 *   const g = py.eval("{}");
 *   g.setItem("Counter", C);
 *   console.log(py.eval("(lambda c: (c.incr(), c.incr(by=5), c.double))(Counter(10))", g).toJs());
 *   // [11, 16, 32]
 * });
 * ```
 */
export function pyclass<P extends PythonBase>(
  py: P,
  cls: abstract new (...args: never[]) => object,
  options: PyclassOptions = {},
): PyAny {
  tokenState(py);
  if (typeof cls !== "function" || typeof cls.prototype !== "object") {
    throw PyTypeError.newErr("pyclass(py, cls): cls must be a JS class");
  }
  const name = options.name ?? (cls.name || "TypeScriptClass");
  const r = runtime();
  const sym = r.sym;
  const k = getKit();
  const { methods, accessors } = members(cls);
  const attrs = sym.PyDict_New()!;
  const set = (key: string, value: PyAny): void => {
    const kObj = sym.PyUnicode_InternFromString(cstr(key))!;
    const rc = sym.PyDict_SetItem(attrs, kObj, value.unsafePtr);
    sym.Py_DecRef(kObj);
    if (rc !== 0) throw fetchError();
  };
  try {
    // __init__: construct the JS object and bind it to the instance.
    const initSig = withSelf("__init__", options.init ?? "(*args)");
    const initParsed = parseSignature(initSig, {
      pythonMinor: r.version.minor,
    });
    const Ctor = cls as unknown as new (...a: unknown[]) => object;
    set(
      "__init__",
      pymethod(py, initSig, (params) => {
        sweepPyclassInstances();
        const obj = new Ctor(...jsArgs(initParsed, params));
        const id = nextId++;
        instances.set(id, obj);
        ids.set(obj, id);
        const idObj = sym.PyLong_FromDouble(id)!;
        try {
          sym.Py_DecRef(callPy(k.track, [params.self.unsafePtr, idObj]));
        } finally {
          sym.Py_DecRef(idObj);
        }
        return null;
      }),
    );
    // Methods.
    const listed = options.methods ?? {};
    for (const m of new Set([...methods, ...Object.keys(listed)])) {
      if (!methods.includes(m)) {
        throw PyTypeError.newErr(
          `pyclass: options.methods names ${
            JSON.stringify(m)
          }, which ${name} does not define`,
        );
      }
      const sig = withSelf(m, listed[m] ?? "(*args)");
      const parsed = parseSignature(sig, { pythonMinor: r.version.minor });
      // __iter__ must return an iterator: a JS array or iterable becomes
      // one (chosen here, once per method, not tested on every call).
      const isIter = m === "__iter__";
      set(
        m,
        pymethod(py, sig, (params) => {
          const obj = instanceOf(params.self.unsafePtr) as Record<
            string,
            (...a: unknown[]) => unknown
          >;
          const out = obj[m](...jsArgs(parsed, params));
          return isIter && out !== null && typeof out === "object" &&
              !(out instanceof PyAny)
            ? py.builtins().getattr("iter").call1(
              Symbol.iterator in out ? [...(out as Iterable<unknown>)] : out,
            )
            : out;
        }),
      );
    }
    // Accessors as properties.
    for (const [a, { get, set: canSet }] of accessors) {
      const fget = get
        ? pyfunction(
          py,
          `${a}(self)`,
          ({ self }) =>
            (instanceOf(self.unsafePtr) as Record<string, unknown>)[a],
        )
        : py.None();
      const fset = canSet
        ? pyfunction(py, `${a}(self, value)`, ({ self, value }) => {
          (instanceOf(self.unsafePtr) as Record<string, unknown>)[a] = jsArg(
            value,
          );
          return null;
        })
        : py.None();
      const args = sym.PyTuple_New(ssize(2))!;
      for (const [i, f] of [fget, fset].entries()) {
        sym.Py_IncRef(f.unsafePtr);
        sym.PyTuple_SetItem(args, ssize(i), f.unsafePtr);
      }
      const p = sym.PyObject_CallObject(k.prop, args);
      sym.Py_DecRef(args);
      if (p === null) throw fetchError();
      set(a, wrap(py, p, PyAny));
    }
    // Static methods: plain functions on the class object.
    for (const s of Object.getOwnPropertyNames(cls)) {
      if (["length", "name", "prototype"].includes(s)) continue;
      const v = (cls as unknown as Record<string, unknown>)[s];
      if (typeof v !== "function") continue;
      const f = v as (...a: unknown[]) => unknown;
      const sm = py.builtins().getattr("staticmethod").call1(
        pyfunction(py, `${s}(*args)`, ({ args }) => {
          const list: unknown[] = [];
          for (const x of args as Iterable<PyAny>) list.push(jsArg(x));
          return f.apply(cls, list);
        }),
      );
      set(s, sm);
    }
    const targs = sym.PyTuple_New(ssize(3))!;
    sym.PyTuple_SetItem(
      targs,
      ssize(0),
      sym.PyUnicode_InternFromString(cstr(name))!,
    );
    sym.PyTuple_SetItem(
      targs,
      ssize(1),
      sym.PyUnicode_InternFromString(cstr(options.module ?? "__main__"))!,
    );
    sym.Py_IncRef(attrs);
    sym.PyTuple_SetItem(targs, ssize(2), attrs);
    const type = sym.PyObject_CallObject(k.make, targs);
    sym.Py_DecRef(targs);
    if (type === null) throw fetchError();
    sym.Py_IncRef(type);
    classTypes.push(type);
    typeOfClass.set(cls, type);
    return wrap(py, type, PyAny);
  } finally {
    sym.Py_DecRef(attrs);
  }
}
