// PyAny: the object protocol: part of the behavioural suite both tiers run (tests/shared/suite.ts
// explains the `region` abstraction; tests/stable_test.ts and tests/owned_test.ts
// register it).

import assert from "node:assert/strict";
import type * as Stable from "../../mod.ts";
import {
  type Any,
  type ErrClass,
  type SuiteContext,
  throwsLike,
} from "./suite.ts";

/** Registers the "PyAny: the object protocol" tests for one tier. */
export function defineAnyTests(ctx: SuiteContext): void {
  const { test, region, freshFixture, sysRefcount } = ctx;
  const {
    Python,
    PyAny,
    PyDict,
    PyList,
    PyTuple,
    PyString,
    PyBytes,
    PyByteArray,
    PyInt,
    PyFloat,
    PyBool,
    PySet,
    PyFrozenSet,
    PySlice,
    PyIterator,
    PyType,
    PyModule,
    Extract,
    PyKeyError,
    PyIndexError,
    PyTypeError,
    PyValueError,
    PyAttributeError,
    PyZeroDivisionError,
  } = ctx.tier;

  // ==================================================================================
  // PyAny: the object protocol
  // ==================================================================================

  test("PyAny.use(f): runs f, then releases the object (owned) or leaves it to the pool (stable)", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run("import sys\nprobe = object()", g);
        const refcount = (): number =>
          k(py.eval("sys.getrefcount(probe)", g)).extract(Extract.int);
        const base = refcount();
        // The value f returns is use's; f gets the object itself.
        const p = g.getItem("probe")!;
        assert.equal(refcount(), base + 1);
        let seen: unknown;
        assert.equal(
          p.use((x) => {
            seen = x;
            return x.isInstance(k(py.eval("object")));
          }),
          true,
        );
        assert.equal(seen, p);
        if (ctx.isStable) {
          // Stable tier: dispose is a no-op; the pool still owns it.
          assert.equal(refcount(), base + 1);
          assert.equal(p.repr().startsWith("<object object"), true);
        } else {
          // Owned tier: released when use returns.
          assert.equal(refcount(), base);
          assert.throws(() => p.repr(), /released/);
        }
        // Released also when f throws; the error is f's.
        const q = g.getItem("probe")!;
        assert.throws(
          () =>
            q.use(() => {
              throw new RangeError("from f");
            }),
          (e: unknown) => e instanceof RangeError && e.message === "from f",
        );
        assert.equal(refcount(), ctx.isStable ? base + 2 : base);
        // A Promise from f is a TypeError, and the object is released anyway.
        const r = g.getItem("probe")!;
        assert.throws(
          () => r.use((x) => Promise.resolve(x.repr())),
          (e: unknown) =>
            e instanceof TypeError && /returned a Promise/.test(e.message),
        );
        assert.equal(refcount(), ctx.isStable ? base + 3 : base);
        // A chained temporary, made and released in one expression.
        let total = 0;
        for (let i = 0; i < 200; i++) {
          total += PyString.new(py, "abc").use((s) => s.len());
        }
        assert.equal(total, 600);
        if (!ctx.isStable) {
          // Nothing of the loop is left in the scope.
          assert.equal(refcount(), base);
        }
      })
    );
  });

  test("PyAny attributes: getattr, setattr, hasattr, delattr", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run(
          "class C:\n    a = 1\n    @property\n    def bad(self):\n        raise ValueError('prop')\nc = C()\n",
          g,
        );
        const c = k(g.getItem("c")!);
        assert.equal(k(c.getattr("a")).toJs(), 1);
        assert.equal(k(c.getattr(k(PyString.new(py, "a")))).toJs(), 1);
        c.setattr("b", [1, "x"]);
        assert.deepEqual(k(c.getattr("b")).toJs(), [1, "x"]);
        c.setattr(k(PyString.new(py, "d")), 2.5);
        assert.equal(k(py.eval("c.d", g)).toJs(), 2.5);
        assert.ok(c.hasattr("b"));
        assert.ok(c.hasattr(k(PyString.new(py, "d"))));
        assert.ok(!c.hasattr("nope"));
        c.delattr("b");
        assert.ok(!c.hasattr("b"));
        c.delattr(k(PyString.new(py, "d")));
        assert.ok(!c.hasattr("d"));
        throwsLike(
          () => c.getattr("nope"),
          PyAttributeError,
          "'C' object has no attribute 'nope'",
        );
        throwsLike(() => c.delattr("nope"), PyAttributeError);
        // hasattr reports only AttributeError as "no"; other errors propagate
        throwsLike(() => c.hasattr("bad"), PyValueError, "prop");
        throwsLike(() => k(py.eval("1")).setattr("x", 1), PyAttributeError);
      })
    );
  });

  test("PyAny calls: call, call0, call1, kwargs (object, Map, PyDict), callMethod*", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run(
          "def f(*a, **kw):\n    return [list(a), kw]\nclass C:\n    def m(self, *a, **kw):\n        return [list(a), kw]\nc = C()\n",
          g,
        );
        const f = k(g.getItem("f")!);
        const c = k(g.getItem("c")!);
        const M = (o: Record<string, unknown>) => new Map(Object.entries(o));
        assert.deepEqual(k(f.call0()).toJs(), [[], M({})]);
        assert.deepEqual(k(f.call()).toJs(), [[], M({})]);
        assert.deepEqual(k(f.call([])).toJs(), [[], M({})]);
        assert.deepEqual(k(f.call1(1, "a", null)).toJs(), [
          [1, "a", null],
          M({}),
        ]);
        assert.deepEqual(k(f.call([1], { x: 2 })).toJs(), [[1], M({ x: 2 })]);
        assert.deepEqual(k(f.call(undefined, new Map([["y", 3]]))).toJs(), [
          [],
          M({ y: 3 }),
        ]);
        assert.deepEqual(
          k(f.call([true], k(PyDict.fromEntries(py, { z: "q" })))).toJs(),
          [[true], M({ z: "q" })],
        );
        // A GIL-independent Py holding a dict is converted as that dict
        // (kwargs recognises plain objects by their prototype, not by
        // excluding tier objects first).
        const held = ctx.tier.Py.from(k(PyDict.fromEntries(py, { h: 1 })));
        assert.deepEqual(k(f.call([], held as never)).toJs(), [
          [],
          M({ h: 1 }),
        ]);
        held[Symbol.dispose]();
        // A class instance is no plain object: converted by toPy, which
        // refuses it, as before.
        throwsLike(
          () => f.call([], new (class Opts {})() as never),
          PyTypeError,
          "cannot convert a JS Opts to a Python object: pass a primitive, array, Map, Set, plain object, Uint8Array, or implement [toPyObject](py)",
        );
        assert.deepEqual(k(c.callMethod0("m")).toJs(), [[], M({})]);
        assert.deepEqual(k(c.callMethod1("m", 1, 2)).toJs(), [[1, 2], M({})]);
        assert.deepEqual(k(c.callMethod("m", [3], { k: [4] })).toJs(), [
          [3],
          M({ k: [4] }),
        ]);
        assert.deepEqual(k(c.callMethod("m")).toJs(), [[], M({})]);
        throwsLike(
          () => c.callMethod0("nope"),
          PyAttributeError,
          "'C' object has no attribute 'nope'",
        );
        throwsLike(
          () => k(py.eval("1")).call0(),
          PyTypeError,
          "'int' object is not callable",
        );
        throwsLike(
          () => k(py.eval("1")).call1(2),
          PyTypeError,
          "'int' object is not callable",
        );
        throwsLike(
          () => k(py.eval("len")).call([1, 2]),
          PyTypeError,
          "len() takes exactly one argument (2 given)",
        );
        // kwargs must be a mapping with str keys
        throwsLike(() => f.call([], k(py.eval("{1: 2}"))), PyTypeError);
        // methods of builtins
        assert.deepEqual(
          k(k(PyString.new(py, "a,b")).callMethod1("split", ",")).toJs(),
          ["a", "b"],
        );
      })
    );
  });

  test("PyAny items: getItem, setItem, delItem, contains, len", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const l = k(py.eval("[1, 2, 3]"));
        assert.equal(k(l.getItem(0)).toJs(), 1);
        assert.equal(k(l.getItem(-1)).toJs(), 3);
        l.setItem(1, "two");
        assert.deepEqual(l.toJs(), [1, "two", 3]);
        l.delItem(0);
        assert.deepEqual(l.toJs(), ["two", 3]);
        assert.ok(l.contains(3));
        assert.ok(!l.contains(1));
        assert.equal(l.len(), 2);
        throwsLike(() => l.getItem(5), PyIndexError, "list index out of range");
        throwsLike(
          () => l.getItem("x"),
          PyTypeError,
          "list indices must be integers or slices, not str",
        );
        // a dict seen as PyAny raises KeyError for a missing key
        const d = k(py.eval("{'a': 1}"));
        assert.ok(!(d instanceof PyDict), "py.eval returns a plain PyAny");
        const e = throwsLike(
          () => d.getItem("missing"),
          PyKeyError,
          "'missing'",
        );
        assert.equal(e.typeName, "KeyError");
        throwsLike(() => d.delItem("missing"), PyKeyError);
        d.setItem("b", 2);
        assert.equal(k(d.getItem("b")).toJs(), 2);
        assert.ok(d.contains("a"));
        assert.equal(d.len(), 2);
        assert.ok(k(PyString.new(py, "hello")).contains("ell"));
        assert.equal(
          k(PyString.new(py, "h\u{1F600}")).len(),
          2,
          "len counts code points",
        );
        throwsLike(() => k(PyString.new(py, "abc")).contains(1), PyTypeError);
      })
    );
  });

  test("PyAny tests: isNone, isTruthy, isCallable", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const truthy: [string, boolean][] = [
          ["0", false],
          ["1", true],
          ["''", false],
          ["'a'", true],
          ["[]", false],
          ["[0]", true],
          ["{}", false],
          ["None", false],
          ["0.0", false],
          ["object()", true],
        ];
        for (const [code, want] of truthy) {
          assert.equal(k(py.eval(code)).isTruthy(), want, code);
        }
        assert.ok(k(py.eval("None")).isNone());
        assert.ok(!k(py.eval("0")).isNone());
        assert.ok(k(py.eval("len")).isCallable());
        assert.ok(k(py.eval("int")).isCallable());
        assert.ok(k(py.eval("lambda: 0")).isCallable());
        assert.ok(!k(py.eval("1")).isCallable());
        const bad = k(
          py.eval("type('B', (), {'__bool__': lambda self: 1/0})()"),
        );
        throwsLike(() => bad.isTruthy(), PyZeroDivisionError);
      })
    );
  });

  test("PyAny iteration: iter() and for...of", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const out: unknown[] = [];
        for (const x of k(py.eval("[1, 'a', None]"))) out.push(k(x).toJs());
        assert.deepEqual(out, [1, "a", null]);
        const keys: unknown[] = [];
        for (const x of k(py.eval("{'a': 1, 'b': 2}"))) keys.push(k(x).toJs());
        assert.deepEqual(keys, ["a", "b"]);
        const gen: unknown[] = [];
        for (const x of k(py.eval("(i * i for i in range(4))"))) {
          gen.push(k(x).toJs());
        }
        assert.deepEqual(gen, [0, 1, 4, 9]);
        const it = k(k(py.eval("range(3)")).iter());
        assert.ok(it instanceof PyIterator);
        assert.equal(k(it.nextItem()!).toJs(), 0);
        const rest: unknown[] = [];
        for (const x of it) rest.push(k(x).toJs());
        assert.deepEqual(rest, [1, 2]);
        assert.equal(it.nextItem(), undefined);
        // spread and Array.from work
        assert.deepEqual([...k(py.eval("'abc'"))].map((x) => k(x).toJs()), [
          "a",
          "b",
          "c",
        ]);
        // an exception from __next__ surfaces from the loop
        const g = k(PyDict.new(py));
        py.run("def gen():\n    yield 1\n    raise KeyError('mid')\n", g);
        const seen: unknown[] = [];
        throwsLike(
          () => {
            for (const x of k(k(g.getItem("gen")!).call0())) {
              seen.push(k(x).toJs());
            }
          },
          PyKeyError,
          "'mid'",
        );
        assert.deepEqual(seen, [1]);
      })
    );
  });

  test("PyAny repr, str, toString", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const s = k(py.eval("'a\\nb'"));
        assert.equal(s.repr(), "'a\\nb'");
        assert.equal(s.str(), "a\nb");
        assert.equal(s.toString(), "a\nb");
        assert.equal(`${k(py.eval("[1, 'x']"))}`, "[1, 'x']");
        assert.equal(String(k(py.eval("3.5"))), "3.5");
        const g = k(PyDict.new(py));
        py.run(
          "class Bad:\n    def __repr__(self):\n        raise ValueError('bad repr')\n    def __str__(self):\n        raise ValueError('bad str')\nb = Bad()\n",
          g,
        );
        const b = k(g.getItem("b")!);
        throwsLike(() => b.repr(), PyValueError, "bad repr");
        throwsLike(() => b.str(), PyValueError, "bad str");
        const placeholder = b.toString();
        assert.match(
          placeholder,
          /bad str/,
          "toString never throws; it names the error",
        );
        assert.match(placeholder, /^<PyAny: /);
        assert.equal(
          k(py.eval("1 + 1")).toJs(),
          2,
          "no Python error is left pending",
        );
      })
    );
  });

  test("PyAny getType, isInstance, isInstanceOf, PyType", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const three = k(py.eval("3"));
        const t = k(three.getType());
        assert.ok(t.isInstanceOf(PyType));
        const tt = t.downcast(PyType);
        assert.equal(tt.name(), "int");
        assert.equal(tt.qualname(), "int");
        assert.equal(tt.module(), "builtins");
        assert.ok(t.is(k(py.eval("int"))));
        assert.ok(three.isInstance(t));
        assert.ok(three.isInstance(k(py.eval("object"))));
        assert.ok(!three.isInstance(k(py.eval("str"))));
        assert.ok(k(py.eval("True")).isInstance(t), "bool is an int");
        assert.ok(
          three.isInstance(k(py.eval("(str, int)"))),
          "a tuple of types, as isinstance",
        );
        throwsLike(() => three.isInstance(k(py.eval("1"))), PyTypeError);
        const g = k(PyDict.new(py));
        py.run("class Outer:\n    class Inner:\n        pass\n", g);
        const inner = k(py.eval("Outer.Inner", g)).downcast(PyType);
        assert.equal(inner.name(), "Inner");
        assert.equal(inner.qualname(), "Outer.Inner");
        assert.equal(
          inner.module(),
          "builtins",
          "module of a class made in a bare globals dict",
        );
        assert.ok(inner.isSubclassOf(k(py.eval("object"))));
        assert.ok(k(py.eval("bool")).downcast(PyType).isSubclassOf(t));
        assert.ok(!t.downcast(PyType).isSubclassOf(k(py.eval("str"))));
      })
    );
  });

  test("isInstanceOf and downcast agree with Python's isinstance for every concrete class", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run(
          "import types, collections.abc, json\nclass D(dict): pass\nclass L(list): pass\nclass I(int): pass\nclass S(str): pass\nvalues = [{}, D(), [], L(), (), 'a', S('s'), b'b', bytearray(b'x'), 1, I(2), True, 1.5, {1}, frozenset(), slice(1), iter([]), (x for x in ()), int, json, None, object()]\n",
          g,
        );
        const classes: [Stable.PyTypeInfo<Any> & { name: string }, string][] = [
          [PyAny, "object"],
          [PyDict, "dict"],
          [PyList, "list"],
          [PyTuple, "tuple"],
          [PyString, "str"],
          [PyBytes, "bytes"],
          [PyByteArray, "bytearray"],
          [PyInt, "int"],
          [PyFloat, "float"],
          [PyBool, "bool"],
          [PySet, "set"],
          [PyFrozenSet, "frozenset"],
          [PySlice, "slice"],
          [PyIterator, "collections.abc.Iterator"],
          [PyType, "type"],
          [PyModule, "types.ModuleType"],
        ];
        const values = [...k(g.getItem("values")!)].map(k);
        for (const [cls, pyType] of classes) {
          assert.equal(cls.typeName, cls.name, `${cls.name}.typeName`);
          for (const v of values) {
            const want = k(
              py.eval(
                `isinstance(v, ${pyType})`,
                g,
                k(PyDict.fromEntries(py, { v })),
              ),
            ).isTruthy();
            assert.equal(
              v.isInstanceOf(cls),
              want,
              `${v.repr()} isInstanceOf ${cls.name}`,
            );
            if (want) {
              const d = v.downcast(cls);
              assert.ok(
                d instanceof (cls as unknown as ErrClass),
                `downcast gives a ${cls.name}`,
              );
              assert.ok(d.is(v));
            } else {
              const tn = k(v.getType()).downcast(PyType).name();
              throwsLike(
                () => v.downcast(cls),
                PyTypeError,
                `'${tn}' object cannot be converted to '${cls.typeName}'`,
              );
            }
          }
        }
        throwsLike(
          () => k(py.eval("1")).downcast(PyDict),
          PyTypeError,
          "'int' object cannot be converted to 'PyDict'",
        );
      })
    );
  });

  test("PyAny extract and toJs", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const v = k(
          py.eval(
            "{'a': [1, 2.5, 'x', b'\\x00', None, True, (1,), {3}, bytearray(b'z')]}",
          ),
        );
        assert.deepEqual(
          v.toJs(),
          new Map([["a", [
            1,
            2.5,
            "x",
            new Uint8Array([0]),
            null,
            true,
            [1],
            new Set([3]),
            new Uint8Array([122]),
          ]]]),
        );
        assert.deepEqual(
          v.extract(
            Extract.dict(
              Extract.str,
              Extract.list({ extract: (o: Any) => o.repr() }),
            ),
          ),
          new Map([["a", [
            "1",
            "2.5",
            "'x'",
            "b'\\x00'",
            "None",
            "True",
            "(1,)",
            "{3}",
            "bytearray(b'z')",
          ]]]),
        );
        throwsLike(
          () => k(py.eval("object()")).toJs(),
          PyTypeError,
          /'object' object has no JS equivalent/,
        );
        // number-like objects convert through __index__ / __float__
        assert.equal(
          k(py.eval("__import__('fractions').Fraction(1, 4)")).toJs(),
          0.25,
        );
        assert.equal(
          k(py.eval("type('I', (), {'__index__': lambda s: 7})()")).toJs(),
          7,
        );
        assert.equal(
          k(py.eval("type('F', (), {'__float__': lambda s: 0.5})()")).toJs(),
          0.5,
        );
      })
    );
  });

  test("PyAny rich comparison eq/ne/lt/le/gt/ge, hash, is", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const two = k(py.eval("2"));
        assert.ok(two.eq(2) && two.eq(2.0) && two.eq(2n) && !two.eq("2"));
        assert.ok(two.ne(3) && !two.ne(2));
        assert.ok(
          two.lt(3) && !two.lt(2) && two.le(2) && two.gt(1) && !two.gt(2) &&
            two.ge(2),
        );
        assert.ok(two.eq(k(py.eval("2"))));
        assert.ok(k(py.eval("[1, [2]]")).eq([1, [2]]));
        assert.ok(k(py.eval("'b'")).gt("a"));
        throwsLike(
          () => two.lt("a"),
          PyTypeError,
          "'<' not supported between instances of 'int' and 'str'",
        );
        const nan = k(py.eval("float('nan')"));
        assert.ok(!nan.eq(NaN) && nan.ne(NaN));
        // hash
        assert.equal(k(py.eval("1")).hash(), 1n);
        assert.equal(k(py.eval("-1")).hash(), -2n, "hash(-1) is -2 in CPython");
        assert.equal(k(py.eval("12345")).hash(), 12345n);
        const s = k(PyString.new(py, "hash me"));
        const pyHash = k(k(py.builtins()).getattr("hash")).call1(s).extract(
          Extract.bigint,
        );
        assert.equal(s.hash(), pyHash, "exact, even beyond 2**53");
        assert.equal(
          k(py.eval("(1, 'a')")).hash(),
          k(PyTuple.new(py, [1, "a"])).hash(),
        );
        throwsLike(
          () => k(py.eval("[]")).hash(),
          PyTypeError,
          "unhashable type: 'list'",
        );
        const g = k(PyDict.new(py));
        py.run(
          "class H:\n    def __hash__(self):\n        raise ValueError('no hash')\n    def __eq__(self, o):\n        raise ValueError('no eq')\nh = H()\n",
          g,
        );
        const h = k(g.getItem("h")!);
        throwsLike(() => h.hash(), PyValueError, "no hash");
        throwsLike(() => h.eq(1), PyValueError, "no eq");
        // is
        const a = k(py.eval("[]"));
        assert.ok(a.is(a));
        assert.ok(!a.is(k(py.eval("[]"))));
        assert.ok(a.is(k(a.clone())));
        assert.ok(k(py.eval("None")).is(k(py.None())));
      })
    );
  });

  test("refCnt matches sys.getrefcount", () => {
    Python.withGil((py) => {
      const f = freshFixture(py);
      const base = f.S.refCnt();
      // getrefcount sees the argument tuple's reference too
      assert.equal(sysRefcount(py, f.S), base + 1);
      region(py, (k) => {
        const extra = [k(f.S.clone()), k(f.S.clone())];
        assert.equal(f.S.refCnt(), base + 2);
        assert.equal(sysRefcount(py, f.S), base + 3);
        assert.equal(extra.length, 2);
      });
      assert.equal(f.S.refCnt(), base);
    });
  });
}
