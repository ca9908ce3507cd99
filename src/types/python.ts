/**
 * The GIL token's methods, shared by both tiers' `Python` classes.
 *
 * @module
 */

import {
  borrowedPtr,
  compileSource,
  reprSafe,
  strCache,
  strToPy,
  TpFlags,
  typeFlags,
  typeName,
} from "../core/convert.ts";
import { PyModuleNotFoundError, PyTypeError } from "./exceptions.ts";
import { fetchError } from "../core/err.ts";
import {
  allowThreads,
  gilHeld,
  noGilError,
  type Scope,
  type Tier,
} from "../core/gil.ts";
import {
  cstr,
  EVAL_INPUT,
  FILE_INPUT,
  initialize,
  type InitializeOptions,
  loadedRuntime,
  type Ptr,
  type PythonVersion,
  runtime,
} from "../core/runtime.ts";
import {
  type FromPyObject,
  type Kwargs,
  PyAny,
  wrap,
  wrapBorrowed,
} from "./any.ts";
import { callAsyncStatic, execAsync, type GilHost } from "./async.ts";
import type { Py } from "./py.ts";
import type { PyDict } from "./dict.ts";
import { KEY, ReturnGiven, type TokenState } from "./internal.ts";
import { PyModule } from "./module.ts";
import { PySlice } from "./slice.ts";
import { PyTuple } from "./tuple.ts";

/** Internal: a token's scope and tier. */
export let tokenState: (py: PythonBase) => TokenState;

/** A token's state (no check: `py` is a token). */
let stateOf: (py: PythonBase) => TokenState;

/**
 * A token's state, a private field that `PythonBase`'s constructor stamps
 * onto each token rather than a field of `PythonBase` (as `PyAnyFields` in
 * `any.ts`): V8 does not inline a base constructor that defines private
 * members into a derived class's, and every token is a derived class's (one
 * per `withGil` and per TypeScript-function call).
 */
class TokenFields extends ReturnGiven {
  #state: TokenState;
  constructor(o: object, state: TokenState) {
    super(o);
    this.#state = state;
  }
  static {
    stateOf = (py) => (py as unknown as TokenFields).#state;
  }
}

/**
 * A token proving the GIL is held: the `py` in `Python.withGil((py) => ...)`.
 * Both tiers' `Python` classes extend it; the tier decides who owns the
 * objects its methods return.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const math = py.import("math");
 *   assert.equal(math.getattr("factorial").call1(5).toJs(), 120);
 *   assert.equal(py.eval("1 + 2").toJs(), 3);
 *   py.run("x = 40 + 2");
 *   assert.equal(py.eval("x").toJs(), 42);
 * });
 * ```
 */
export abstract class PythonBase {
  static {
    tokenState = (py: PythonBase): TokenState => {
      const s = stateOf(py);
      // Inside py.allowThreads the token is still open, but the GIL is not held.
      if (!gilHeld && s.scope.active) throw noGilError();
      if (!s.scope.active) {
        throw new Error(
          "This Python token is used outside its Python.withGil scope: call Python.withGil again and use the new token.",
        );
      }
      return s;
    };
  }

  /**
   * Load and initialize CPython (idempotent; `withGil` calls it on first
   * use). `{ library }` chooses the shared library explicitly;
   * `{ permissions: "deno" }` checks Python's file, network, subprocess,
   * environment-write and `ctypes` operations against this process's Deno
   * permissions (README, "Deno's permissions for Python code").
   */
  static initialize(options?: InitializeOptions): void {
    initialize(options);
  }

  /** The running interpreter's version (initializes CPython if needed). */
  static get version(): PythonVersion {
    return loadedRuntime().version;
  }

  /** Path of the loaded `libpython` (initializes CPython if needed). */
  static get libraryPath(): string {
    return loadedRuntime().path;
  }

  // --- off the JS thread ----------------------------------------------------------

  /**
   * Execute statements on another OS thread (`exec(code, globals, locals)`),
   * while the JS event loop keeps running; the counterpart of `py.run`, and
   * of Pyodide's `runPythonAsync` (which runs on the JS thread). The code is
   * compiled at once (a `SyntaxError` rejects before anything runs).
   * `globals` (a `PyDict` or `Py<PyDict>`) defaults to `__main__`'s dict.
   * Callable inside or outside `Python.withGil`; never throws: every error
   * rejects the Promise, a Python exception with its typed `PyErr`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * await Python.runAsync("import time; time.sleep(0.05); answer = 42");
   * assert.equal(Python.withGil((py) => py.eval("answer").extract(Extract.int)), 42);
   * ```
   */
  static runAsync(
    this: GilHost,
    code: string,
    globals?: PyDict | Py<PyDict>,
    locals?: PyDict | Py<PyDict>,
  ): Promise<void> {
    return execAsync(
      this,
      "run",
      code,
      globals,
      locals,
      undefined,
    ) as Promise<void>;
  }

  /**
   * Evaluate one expression on another OS thread; the counterpart of
   * `py.eval`. Resolves with a `Py<PyAny>` (dispose it), or with the JS value
   * `extract` gives.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Python } from "@pyembed/pyembed";
   *
   * const n = await Python.evalAsync("sum(range(10**6))", undefined, undefined, Extract.int);
   * assert.equal(n, 499999500000);
   * using p = await Python.evalAsync("[1, 2]"); // a Py: bind it in a scope
   * assert.deepEqual(Python.withGil((py) => p.bind(py).toJs()), [1, 2]);
   * ```
   */
  static evalAsync(
    this: GilHost,
    code: string,
    globals?: PyDict | Py<PyDict>,
    locals?: PyDict | Py<PyDict>,
  ): Promise<Py<PyAny>>;
  /** Evaluate one expression on another OS thread, extracting the result. */
  static evalAsync<T>(
    this: GilHost,
    code: string,
    globals: PyDict | Py<PyDict> | undefined,
    locals: PyDict | Py<PyDict> | undefined,
    extract: FromPyObject<T>,
  ): Promise<T>;
  static evalAsync<T>(
    this: GilHost,
    code: string,
    globals?: PyDict | Py<PyDict>,
    locals?: PyDict | Py<PyDict>,
    extract?: FromPyObject<T>,
  ): Promise<T | Py<PyAny>> {
    return execAsync(this, "eval", code, globals, locals, extract) as Promise<
      T | Py<PyAny>
    >;
  }

  /**
   * `fn(*args, **kwargs)` on another OS thread, for a `fn` held as a `Py`
   * outside any scope (or a tier object inside one): `obj.callAsync` for
   * references that outlive scopes.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Extract, Py, Python } from "@pyembed/pyembed";
   *
   * using f = Python.withGil((py) => Py.from(py.eval("lambda x: x * 2")));
   * assert.equal(await Python.callAsync(f, [21], undefined, Extract.int), 42);
   * ```
   */
  static callAsync(
    this: GilHost,
    fn: PyAny | Py,
    args?: readonly unknown[],
    kwargs?: Kwargs,
  ): Promise<Py<PyAny>>;
  /** `fn(*args, **kwargs)` on another OS thread, extracting the result. */
  static callAsync<T>(
    this: GilHost,
    fn: PyAny | Py,
    args: readonly unknown[] | undefined,
    kwargs: Kwargs | undefined,
    extract: FromPyObject<T>,
  ): Promise<T>;
  static callAsync<T>(
    this: GilHost,
    fn: PyAny | Py,
    args?: readonly unknown[],
    kwargs?: Kwargs,
    extract?: FromPyObject<T>,
  ): Promise<T | Py<PyAny>> {
    return callAsyncStatic(this, fn, args, kwargs, extract);
  }

  /** @ignore Internal: tokens come from `Python.withGil`. */
  constructor(key: symbol, scope: Scope, tier: Tier) {
    if (key !== KEY) {
      throw new TypeError("Python tokens come from Python.withGil(...)");
    }
    new TokenFields(this, { scope, tier });
  }

  /**
   * `import name` (PyO3's `py.import`). The name is passed with its length;
   * one containing a NUL is a `ModuleNotFoundError`, as on CPython 3.8, 3.9
   * and 3.13 (on 3.10-3.12 the frozen importer cuts the name at the NUL, so
   * `__import__("os\0xyz")` returns the frozen `os` under that name).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.equal(py.import("math").getattr("gcd").call1(12, 18).toJs(), 6);
   *   assert.throws(() => py.import("no_such_module"), /ModuleNotFoundError|No module named/);
   * });
   * ```
   */
  import(name: string): PyModule {
    const sym = runtime().sym;
    tokenState(this);
    const n = strToPy(name);
    if (name.includes("\0")) {
      const shown = reprSafe(n);
      sym.Py_DecRef(n);
      throw PyModuleNotFoundError.newErr(`No module named ${shown}`);
    }
    const m = sym.PyImport_Import(n);
    sym.Py_DecRef(n);
    return wrap(this, m, PyModule);
  }

  /** The `builtins` module. */
  builtins(): PyModule {
    tokenState(this);
    return this.import("builtins");
  }

  /**
   * `slice(start, stop, step)` (`null` or left out: `None`), for indexing:
   * `a.at(py.slice(1), 0)` is `a[1:, 0]`.
   */
  slice(
    start?: number | bigint | null,
    stop?: number | bigint | null,
    step?: number | bigint | null,
  ): PySlice {
    return PySlice.new(this, start, stop, step);
  }

  /** `(item0, item1, ...)`: a tuple where a JS array would become a list. */
  tuple(...items: unknown[]): PyTuple {
    return PyTuple.new(this, items);
  }

  /** `None`. */
  None(): PyAny {
    tokenState(this);
    return wrapBorrowed(this, runtime().none, PyAny);
  }

  /**
   * Evaluate one expression. `globals` defaults to `__main__`'s dict, as in
   * PyO3; `locals` defaults to `globals`. `globals` must be a dict at run
   * time (a `PyDict`, or any `PyAny` holding one: no downcast needed), as
   * for Python's `eval`; `locals` may be any mapping.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   assert.equal(py.eval("2 ** 8").toJs(), 256);
   *   const g = PyDict.fromEntries(py, { x: 20 });
   *   assert.equal(py.eval("x + 1", g).toJs(), 21);
   * });
   * ```
   */
  eval(code: string, globals?: PyDict | PyAny, locals?: PyAny): PyAny {
    return wrap(this, execCode(this, code, EVAL_INPUT, globals, locals), PyAny);
  }

  /**
   * Execute statements. `globals` defaults to `__main__`'s dict; as for
   * {@linkcode PythonBase.eval}, it must be a dict at run time and `locals`
   * any mapping.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyDict, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const g = PyDict.new(py);
   *   py.run("def sq(x):\n    return x * x\ny = sq(7)", g);
   *   assert.equal(g.getItem("y")?.toJs(), 49);
   * });
   * ```
   */
  run(code: string, globals?: PyDict | PyAny, locals?: PyAny): void {
    runtime().sym.Py_DecRef(execCode(this, code, FILE_INPUT, globals, locals));
  }

  /**
   * Release the GIL while `f` runs, so Python threads make progress (PyO3's
   * `allow_threads`). Python objects must not be used inside `f`: they throw.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   // the GIL is released while f runs: Python threads progress meanwhile
   *   const n = py.allowThreads(() => [1, 2, 3].reduce((a, b) => a + b));
   *   assert.equal(n, 6);
   * });
   * ```
   */
  allowThreads<R>(f: () => R): R {
    tokenState(this);
    return allowThreads(f);
  }
}

/** The pointer of a `globals`/`locals` argument: a Python object, or a TypeError. */
function namespacePtr(v: unknown, what: string): Ptr {
  const p = typeof v === "object" && v !== null ? borrowedPtr(v) : undefined;
  if (p === undefined) {
    throw PyTypeError.newErr(
      `${what} must be a Python dict (a PyDict), not a JS ${
        v === null ? "null" : typeof v
      }`,
    );
  }
  return p;
}

/** Internal: the construction key, for the tiers' `Python` subclasses. */
export const TOKEN_KEY: symbol = KEY;

/** Compile and run `code` (`eval` or `exec` mode) in the given namespaces. */
function execCode(
  py: PythonBase,
  code: string,
  mode: number,
  globals?: PyAny,
  locals?: PyAny,
): Ptr {
  const sym = runtime().sym;
  tokenState(py);
  let g: Ptr;
  if (globals !== undefined) {
    g = namespacePtr(globals, "globals");
    if ((typeFlags(sym, g) & TpFlags.Dict) === 0) {
      throw PyTypeError.newErr(
        `globals must be a dict, not ${typeName(g)}`,
      );
    }
  } else {
    const main = sym.PyImport_AddModule(cstr("__main__"));
    if (main === null) throw fetchError();
    g = sym.PyModule_GetDict(main)!;
  }
  const l = locals !== undefined ? namespacePtr(locals, "locals") : g;
  const has = sym.PyDict_Contains(g, strCache("__builtins__"));
  if (has < 0) throw fetchError();
  if (
    has === 0 &&
    sym.PyDict_SetItem(g, strCache("__builtins__"), runtime().builtins) !== 0
  ) throw fetchError();
  const co = compileSource(
    code,
    mode === EVAL_INPUT ? "<eval>" : "<run>",
    mode,
  );
  const res = sym.PyEval_EvalCode(co, g, l);
  sym.Py_DecRef(co);
  if (res === null) throw fetchError();
  return res;
}
