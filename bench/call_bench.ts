/**
 * PyO3's `bench_call.rs`: `call_0`, `call_1`, `call` (with kwargs),
 * `call_method_0`, `call_method_1`; 1,000 calls per iteration, as PyO3's.
 *
 * (A `pyfunction` group, calling TypeScript from Python, belongs here too; it
 * is added with `src/function/`.)
 *
 * @module
 */

import {
  group,
  keepModule,
  P,
  rawGil,
  rawIntern,
  rawStr,
  ssize,
  sym,
} from "./_common.ts";

const N = 1000;
const mod = keepModule(`
def foo(*args, **kwargs):
    pass

class Foo:
    def foo(self, *args, **kwargs):
        pass

obj = Foo()
kwargs = {"d": 1, "e": 42}
`);
const get = (name: string) =>
  P.Python.withGil((py) => {
    const o = mod.py.bind(py).getItem(name)!;
    const kept = P.Py.from(o);
    return { py: kept, ptr: kept.unsafePtr };
  });
const foo = get("foo");
const obj = get("obj");
const kwargs = get("kwargs");
const fooName = rawGil(() => rawIntern("foo"));

/** The tuple `(1, "s", 1.23)` the way the library builds it (a new tuple of converted items). */
function rawArgs(): Deno.PointerObject {
  const t = sym.PyTuple_New(ssize(3))!;
  sym.PyTuple_SetItem(t, ssize(0), sym.PyLong_FromDouble(1));
  sym.PyTuple_SetItem(t, ssize(1), rawStr("s"));
  sym.PyTuple_SetItem(t, ssize(2), sym.PyFloat_FromDouble(1.23));
  return t;
}

group("call_0", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      sym.Py_DecRef(sym.PyObject_CallObject(foo.ptr, null));
    }
  },
  pool: (py) => {
    const f = foo.py.bind(py);
    for (let i = 0; i < N; i++) f.call0();
  },
  owned: (py) => {
    using f = foo.py.bind(py);
    for (let i = 0; i < N; i++) {
      using _r = f.call0();
    }
  },
  ownedDispose: (py) => {
    const f = foo.py.bind(py);
    for (let i = 0; i < N; i++) f.call0()[Symbol.dispose]();
    f[Symbol.dispose]();
  },
});

group("call_1", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      const t = rawArgs();
      sym.Py_DecRef(sym.PyObject_Call(foo.ptr, t, null));
      sym.Py_DecRef(t);
    }
  },
  pool: (py) => {
    const f = foo.py.bind(py);
    for (let i = 0; i < N; i++) f.call1(1, "s", 1.23);
  },
  owned: (py) => {
    using f = foo.py.bind(py);
    for (let i = 0; i < N; i++) {
      using _r = f.call1(1, "s", 1.23);
    }
  },
  ownedDispose: (py) => {
    const f = foo.py.bind(py);
    for (let i = 0; i < N; i++) f.call1(1, "s", 1.23)[Symbol.dispose]();
    f[Symbol.dispose]();
  },
});

group("call_kwargs", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      const t = rawArgs();
      sym.Py_DecRef(sym.PyObject_Call(foo.ptr, t, kwargs.ptr));
      sym.Py_DecRef(t);
    }
  },
  pool: (py) => {
    const f = foo.py.bind(py);
    const kw = kwargs.py.bind(py);
    for (let i = 0; i < N; i++) f.call([1, "s", 1.23], kw);
  },
  owned: (py) => {
    using f = foo.py.bind(py);
    using kw = kwargs.py.bind(py);
    for (let i = 0; i < N; i++) {
      using _r = f.call([1, "s", 1.23], kw);
    }
  },
  ownedDispose: (py) => {
    const f = foo.py.bind(py);
    const kw = kwargs.py.bind(py);
    for (let i = 0; i < N; i++) f.call([1, "s", 1.23], kw)[Symbol.dispose]();
    f[Symbol.dispose]();
    kw[Symbol.dispose]();
  },
});

group("call_method_0", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      const m = sym.PyObject_GetAttr(obj.ptr, fooName)!;
      sym.Py_DecRef(sym.PyObject_CallObject(m, null));
      sym.Py_DecRef(m);
    }
  },
  pool: (py) => {
    const o = obj.py.bind(py);
    for (let i = 0; i < N; i++) o.callMethod0("foo");
  },
  owned: (py) => {
    using o = obj.py.bind(py);
    for (let i = 0; i < N; i++) {
      using _r = o.callMethod0("foo");
    }
  },
  ownedDispose: (py) => {
    const o = obj.py.bind(py);
    for (let i = 0; i < N; i++) o.callMethod0("foo")[Symbol.dispose]();
    o[Symbol.dispose]();
  },
});

group("call_method_1", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      const m = sym.PyObject_GetAttr(obj.ptr, fooName)!;
      const t = rawArgs();
      sym.Py_DecRef(sym.PyObject_Call(m, t, null));
      sym.Py_DecRef(t);
      sym.Py_DecRef(m);
    }
  },
  pool: (py) => {
    const o = obj.py.bind(py);
    for (let i = 0; i < N; i++) o.callMethod1("foo", 1, "s", 1.23);
  },
  owned: (py) => {
    using o = obj.py.bind(py);
    for (let i = 0; i < N; i++) {
      using _r = o.callMethod1("foo", 1, "s", 1.23);
    }
  },
  ownedDispose: (py) => {
    const o = obj.py.bind(py);
    for (let i = 0; i < N; i++) {
      o.callMethod1("foo", 1, "s", 1.23)[Symbol.dispose]();
    }
    o[Symbol.dispose]();
  },
});
