// The concrete types: part of the behavioural suite both tiers run (tests/shared/suite.ts
// explains the `region` abstraction; tests/stable_test.ts and tests/owned_test.ts
// register it).

import assert from "node:assert/strict";
import { pyLiteral, type SuiteContext, throwsLike } from "./suite.ts";

/** Registers the "The concrete types" tests for one tier. */
export function defineTypeTests(ctx: SuiteContext): void {
  const { name, test, region } = ctx;
  const {
    Python,
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
    PyModule,
    Extract,
    PyKeyError,
    PyIndexError,
    PyTypeError,
    PyAttributeError,
    PySyntaxError,
    PyModuleNotFoundError,
  } = ctx.tier;

  // ==================================================================================
  // Concrete types
  // ==================================================================================

  test("PyDict: new, fromEntries (Map, object, pairs, iterable), getItem -> undefined", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const d = k(PyDict.new(py));
        assert.equal(d.len(), 0);
        assert.equal(d.repr(), "{}");
        const fromMap = k(
          PyDict.fromEntries(
            py,
            new Map<unknown, unknown>([[1, "a"], ["b", [2]]]),
          ),
        );
        assert.equal(fromMap.repr(), "{1: 'a', 'b': [2]}");
        const fromObj = k(PyDict.fromEntries(py, { x: 1, y: { z: null } }));
        assert.equal(fromObj.repr(), "{'x': 1, 'y': {'z': None}}");
        const fromPairs = k(
          PyDict.fromEntries(py, [["p", 1], [2n ** 70n, true]]),
        );
        assert.equal(
          fromPairs.repr(),
          "{'p': 1, 1180591620717411303424: True}",
        );
        function* gen(): Generator<[string, number]> {
          yield ["g", 1];
          yield ["h", 2];
        }
        assert.equal(
          k(PyDict.fromEntries(py, gen())).repr(),
          "{'g': 1, 'h': 2}",
        );
        assert.equal(
          k(PyDict.fromEntries(
            py,
            Object.create(null) as Record<string, unknown>,
          )).len(),
          0,
        );
        // getItem: undefined for a missing key, a PyAny otherwise
        assert.equal(fromObj.getItem("missing"), undefined);
        assert.equal(k(fromObj.getItem("x")!).toJs(), 1);
        assert.equal(k(fromMap.getItem(1)!).toJs(), "a");
        assert.equal(
          k(fromMap.getItem(1.0)!).toJs(),
          "a",
          "1 and 1.0 are the same key",
        );
        throwsLike(
          () => fromMap.getItem([1]),
          PyTypeError,
          "unhashable type: 'list'",
        );
        // the same dict viewed as PyAny raises KeyError
        const asAny = k(
          py.eval("d", k(PyDict.fromEntries(py, { d: fromObj }))),
        );
        throwsLike(() => asAny.getItem("missing"), PyKeyError, "'missing'");
        throwsLike(
          () => PyDict.fromEntries(py, [["k", Symbol("s")]]),
          PyTypeError,
          /symbol/,
        );
      })
    );
  });

  test("PyDict: setItem, contains, delItem, len, keys/values/items/entries, copy, update, clear", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const d = k(PyDict.new(py));
        d.setItem("a", 1);
        d.setItem(2, [3]);
        d.setItem(k(PyString.new(py, "c")), k(py.eval("None")));
        assert.equal(d.len(), 3);
        assert.ok(
          d.contains("a") && d.contains(2) && d.contains(2.0) &&
            !d.contains("zz"),
        );
        throwsLike(
          () => d.contains([]),
          PyTypeError,
          "unhashable type: 'list'",
        );
        throwsLike(
          () => d.setItem([], 1),
          PyTypeError,
          "unhashable type: 'list'",
        );
        assert.deepEqual(k(d.keys()).toJs(), ["a", 2, "c"]);
        assert.ok(k(d.keys()) instanceof PyList);
        assert.deepEqual(k(d.values()).toJs(), [1, [3], null]);
        assert.deepEqual(k(d.items()).toJs(), [["a", 1], [2, [3]], [
          "c",
          null,
        ]]);
        const ents: unknown[] = [];
        for (const [kk, vv] of d.entries()) {
          ents.push([k(kk).toJs(), k(vv).toJs()]);
        }
        assert.deepEqual(ents, [["a", 1], [2, [3]], ["c", null]]);
        const c = k(d.copy());
        assert.ok(c instanceof PyDict && !c.is(d));
        c.setItem("new", 1);
        assert.ok(!d.contains("new"), "copy is independent");
        assert.ok(k(c.getItem(2)!).is(k(d.getItem(2)!)), "copy is shallow");
        d.update(new Map([["a", 10]]));
        d.update({ b: 20 });
        d.update(c); // c was copied before: its 'a' is 1
        assert.deepEqual(
          d.toJs(),
          new Map<unknown, unknown>([
            ["a", 1],
            [2, [3]],
            ["c", null],
            ["b", 20],
            ["new", 1],
          ]),
        );
        throwsLike(() => d.update(k(py.eval("[1]"))), PyAttributeError);
        d.delItem("a");
        assert.ok(!d.contains("a"));
        throwsLike(() => d.delItem("a"), PyKeyError, "'a'");
        d.clear();
        assert.equal(d.len(), 0);
        assert.deepEqual(d.toJs(), new Map());
      })
    );
  });

  test("PyList: new, getItem, setItem, append, insert, sort, reverse, toTuple, getSlice", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const l = k(PyList.new(py, [3, 1, 2]));
        assert.equal(l.len(), 3);
        assert.equal(k(PyList.new(py)).len(), 0);
        assert.deepEqual(k(PyList.new(py, new Set(["a", "b"]))).toJs(), [
          "a",
          "b",
        ]);
        assert.equal(k(l.getItem(0)).toJs(), 3);
        assert.equal(k(l.getItem(-1)).toJs(), 2);
        throwsLike(() => l.getItem(3), PyIndexError, "list index out of range");
        throwsLike(
          () => l.getItem(-4),
          PyIndexError,
          "list index out of range",
        );
        l.append("x");
        l.insert(0, null);
        assert.deepEqual(l.toJs(), [null, 3, 1, 2, "x"]);
        l.delItem(0);
        l.delItem(-1);
        l.sort();
        assert.deepEqual(l.toJs(), [1, 2, 3]);
        l.reverse();
        assert.deepEqual(l.toJs(), [3, 2, 1]);
        l.setItem(0, 30);
        assert.deepEqual(l.toJs(), [30, 2, 1]);
        const t = k(l.toTuple());
        assert.ok(t instanceof PyTuple);
        assert.equal(t.repr(), "(30, 2, 1)");
        assert.deepEqual(k(l.getSlice(1, 3)).toJs(), [2, 1]);
        assert.deepEqual(k(l.getSlice(2, 100)).toJs(), [1]);
        assert.deepEqual(
          k(l.getItem(k(PySlice.new(py, null, null, -1)))).toJs(),
          [1, 2, 30],
        );
        const mixed = k(PyList.new(py, [1, "a"]));
        throwsLike(
          () => mixed.sort(),
          PyTypeError,
          "'<' not supported between instances of 'str' and 'int'",
        );
      })
    );
  });

  test("PyTuple: new, empty, getItem, len, toList, getSlice, immutability", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const t = k(PyTuple.new(py, [1, "two", 3.0]));
        assert.equal(
          t.repr(),
          "(1, 'two', 3)",
          "3.0 is a safe integer: it converts to int",
        );
        assert.equal(k(PyTuple.new(py, [1])).repr(), "(1,)");
        assert.equal(k(PyTuple.new(py, new Set([5]))).repr(), "(5,)");
        const e = k(PyTuple.empty(py));
        assert.equal(e.len(), 0);
        assert.equal(e.repr(), "()");
        assert.equal(k(PyTuple.new(py)).repr(), "()");
        assert.equal(t.len(), 3);
        assert.equal(k(t.getItem(1)).toJs(), "two");
        assert.equal(k(t.getItem(-1)).toJs(), 3);
        throwsLike(
          () => t.getItem(3),
          PyIndexError,
          "tuple index out of range",
        );
        const l = k(t.toList());
        assert.ok(l instanceof PyList);
        assert.deepEqual(l.toJs(), [1, "two", 3]);
        assert.equal(k(t.getSlice(0, 2)).repr(), "(1, 'two')");
        throwsLike(
          () => t.setItem(0, 1),
          PyTypeError,
          "'tuple' object does not support item assignment",
        );
        assert.ok(
          t.eq([1, "two", 3]) === false,
          "a tuple is not equal to a list",
        );
        assert.ok(t.eq(k(PyTuple.new(py, [1, "two", 3]))));
      })
    );
  });

  test("PyString: new, intern, toStr, NUL, astral and lone surrogates, leading U+FEFF", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const samples = [
          "",
          "héllo",
          "a\0b",
          "\u{1F600}x",
          "\ud800",
          "x\udfffy",
          "\udc00\ud800",
          "\ud83d\ude00",
          // U+FEFF at the start is text; a default TextDecoder would drop it.
          "\ufeff",
          "\ufeffab\ufeff",
        ];
        for (const s of samples) {
          const p = k(PyString.new(py, s));
          assert.equal(p.toStr(), s, JSON.stringify(s));
          assert.equal(p.toJs(), s);
          assert.equal(p.extract(Extract.str), s);
          assert.equal(p.len(), [...s].length, `len of ${JSON.stringify(s)}`);
          assert.equal(p.repr(), k(py.eval(pyLiteral(s))).repr());
        }
        const a = k(PyString.intern(py, "pyembed_interned_name"));
        const b = k(PyString.intern(py, "pyembed_interned_name"));
        assert.ok(a.is(b), "interned strings are the same object");
        assert.equal(a.toStr(), "pyembed_interned_name");
        assert.ok(k(PyString.new(py, "abc")).eq("abc"));
        assert.ok(k(PyString.new(py, "x")).isInstanceOf(PyString));
      })
    );
  });

  test("PyBytes and PyByteArray", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const data = new Uint8Array([0, 1, 255, 0, 65]);
        const b = k(PyBytes.new(py, data));
        assert.deepEqual(b.asBytes(), data);
        assert.equal(b.len(), 5);
        assert.equal(b.repr(), "b'\\x00\\x01\\xff\\x00A'");
        assert.deepEqual(b.toJs(), data);
        assert.deepEqual(b.extract(Extract.bytes), data);
        assert.equal(k(PyBytes.new(py, new Uint8Array())).repr(), "b''");
        const big = new Uint8Array(1 << 20).map((_, i) => i * 7);
        assert.deepEqual(k(PyBytes.new(py, big)).asBytes(), big);
        // a subarray view converts only its own bytes
        assert.equal(
          k(PyBytes.new(py, data.subarray(1, 3))).repr(),
          "b'\\x01\\xff'",
        );
        const ba = k(PyByteArray.new(py, new Uint8Array([1, 2])));
        ba.callMethod1("append", 3);
        assert.deepEqual(ba.toBytes(), new Uint8Array([1, 2, 3]));
        assert.deepEqual(ba.toJs(), new Uint8Array([1, 2, 3]));
        assert.equal(ba.repr(), "bytearray(b'\\x01\\x02\\x03')");
        assert.ok(!ba.isInstanceOf(PyBytes) && !b.isInstanceOf(PyByteArray));
        assert.deepEqual(
          k(PyByteArray.new(py, new Uint8Array())).toBytes(),
          new Uint8Array(),
        );
        throwsLike(
          () => ba.extract(Extract.bytes),
          PyTypeError,
          "'bytearray' object cannot be converted to 'PyBytes'",
        );
      })
    );
  });

  test("PyInt, PyFloat, PyBool", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        assert.equal(k(PyInt.new(py, 5)).value(), 5);
        assert.equal(k(PyInt.new(py, -5n)).value(), -5);
        assert.equal(k(PyInt.new(py, 2n ** 100n)).value(), 2n ** 100n);
        assert.equal(
          k(PyInt.new(py, 2n ** 100n)).repr(),
          "1267650600228229401496703205376",
        );
        assert.equal(
          k(PyInt.new(py, 2 ** 60)).repr(),
          String(2n ** 60n),
          "an integral number beyond 2^53 is exact",
        );
        assert.equal(k(PyInt.new(py, -0)).repr(), "0");
        throwsLike(() => PyInt.new(py, 1.5), PyTypeError, /not an integer/);
        throwsLike(() => PyInt.new(py, NaN), PyTypeError, /not an integer/);
        const f = k(PyFloat.new(py, 2));
        assert.equal(f.repr(), "2.0");
        assert.equal(f.value(), 2);
        assert.ok(f.isInstanceOf(PyFloat) && !f.isInstanceOf(PyInt));
        assert.equal(k(PyFloat.new(py, -0)).repr(), "-0.0");
        assert.ok(Object.is(k(PyFloat.new(py, -0)).value(), -0));
        assert.ok(Number.isNaN(k(PyFloat.new(py, NaN)).value()));
        assert.equal(k(PyFloat.new(py, -Infinity)).repr(), "-inf");
        assert.equal(k(PyFloat.new(py, 0.1)).repr(), "0.1");
        const t = k(PyBool.new(py, true));
        const fa = k(PyBool.new(py, false));
        assert.ok(t.isTrue() && !fa.isTrue());
        assert.ok(t.is(k(py.eval("True"))) && fa.is(k(py.eval("False"))));
        assert.ok(t.isInstanceOf(PyInt), "bool is an int");
        assert.ok(!k(py.eval("1")).isInstanceOf(PyBool));
        assert.equal(t.toJs(), true);
        assert.equal(t.repr(), "True");
      })
    );
  });

  test("PySet and PyFrozenSet", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const s = k(PySet.new(py, [1, 2]));
        assert.equal(s.len(), 2);
        s.add(3);
        s.add(3);
        assert.equal(s.len(), 3);
        assert.ok(s.contains(3) && !s.contains(4));
        assert.equal(s.discard(1), true);
        assert.equal(s.discard(1), false);
        assert.deepEqual(s.toJs(), new Set([2, 3]));
        throwsLike(() => s.add([]), PyTypeError, "unhashable type: 'list'");
        throwsLike(
          () => s.contains([]),
          PyTypeError,
          "unhashable type: 'list'",
        );
        const popped = [k(s.pop()).toJs(), k(s.pop()).toJs()].sort();
        assert.deepEqual(popped, [2, 3]);
        throwsLike(() => s.pop(), PyKeyError, "'pop from an empty set'");
        assert.equal(k(PySet.new(py)).repr(), "set()");
        assert.deepEqual(
          k(PySet.new(py, new Set(["a"]))).toJs(),
          new Set(["a"]),
        );
        const fs = k(PyFrozenSet.new(py, ["a", "b", "a"]));
        assert.equal(fs.len(), 2);
        assert.ok(fs.contains("a") && !fs.contains("c"));
        assert.equal(fs.hash(), k(py.eval("frozenset(['a', 'b'])")).hash());
        assert.deepEqual(fs.toJs(), new Set(["a", "b"]));
        assert.ok(!fs.isInstanceOf(PySet) && !s.isInstanceOf(PyFrozenSet));
        throwsLike(() => fs.callMethod1("add", "c"), PyAttributeError);
        assert.equal(k(PyFrozenSet.new(py)).repr(), "frozenset()");
        throwsLike(
          () => PySet.new(py, [[1]]),
          PyTypeError,
          "unhashable type: 'list'",
        );
      })
    );
  });

  test("PySlice and PyIterator", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const sl = k(PySlice.new(py, 2, 8, 2));
        assert.equal(sl.repr(), "slice(2, 8, 2)");
        assert.equal(k(PySlice.new(py)).repr(), "slice(None, None, None)");
        assert.equal(
          k(PySlice.new(py, null, 3)).repr(),
          "slice(None, 3, None)",
        );
        assert.equal(
          k(PySlice.new(py, 2n ** 70n)).repr(),
          `slice(${2n ** 70n}, None, None)`,
        );
        const r = k(py.eval("list(range(10))"));
        assert.deepEqual(k(r.getItem(sl)).toJs(), [2, 4, 6]);
        r.setItem(k(PySlice.new(py, 0, 2)), ["a"]);
        assert.deepEqual(r.toJs(), ["a", 2, 3, 4, 5, 6, 7, 8, 9]);
        r.delItem(k(PySlice.new(py, 1, null)));
        assert.deepEqual(r.toJs(), ["a"]);
        // iterators
        const it = k(k(py.eval("iter([10, 20])")).downcast(PyIterator));
        assert.equal(k(it.nextItem()!).toJs(), 10);
        assert.equal(k(it.nextItem()!).toJs(), 20);
        assert.equal(it.nextItem(), undefined);
        assert.equal(it.nextItem(), undefined);
        const gen = k(k(py.eval("(c for c in 'ab')")).downcast(PyIterator));
        assert.deepEqual([...gen].map((x) => k(x).toJs()), ["a", "b"]);
        throwsLike(
          () => k(py.eval("[1]")).downcast(PyIterator),
          PyTypeError,
          "'list' object cannot be converted to 'PyIterator'",
        );
        const g = k(PyDict.new(py));
        py.run("def gen():\n    yield 1\n    raise IndexError('x')\n", g);
        const bad = k(k(py.eval("gen()", g)).downcast(PyIterator));
        assert.equal(k(bad.nextItem()!).toJs(), 1);
        throwsLike(() => bad.nextItem(), PyIndexError, "x");
      })
    );
  });

  test("PyModule: import, new, fromCode, dict, name, add, register", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const modName = `pyembed_suite_fromcode_${name}`;
        const m = k(
          PyModule.fromCode(
            py,
            "def double(x):\n    return 2 * x\nVALUE = 7\n",
            `${modName}.py`,
            modName,
          ),
        );
        assert.equal(m.name(), modName);
        assert.equal(k(k(m.getattr("double")).call1(21)).toJs(), 42);
        assert.equal(k(m.getattr("__file__")).toJs(), `${modName}.py`);
        const again = k(py.import(modName));
        assert.ok(again.is(m), "fromCode registers the module in sys.modules");
        assert.equal(k(PyModule.import(py, modName)).name(), modName);
        const d = k(m.dict());
        assert.ok(d instanceof PyDict);
        assert.equal(k(d.getItem("VALUE")!).toJs(), 7);
        m.add("added", [1, 2]);
        assert.deepEqual(k(m.getattr("added")).toJs(), [1, 2]);
        throwsLike(
          () => PyModule.fromCode(py, "def (:", "bad.py", `${modName}_bad`),
          PySyntaxError,
        );
        throwsLike(() =>
          PyModule.fromCode(
            py,
            "raise KeyError('at import')",
            "raise.py",
            `${modName}_raise`,
          ), PyKeyError);
        const newName = `pyembed_suite_new_${name}`;
        const nm = k(PyModule.new(py, newName));
        assert.equal(nm.name(), newName);
        throwsLike(() => py.import(newName), PyModuleNotFoundError);
        nm.add("answer", 42);
        nm.register();
        assert.equal(k(k(py.import(newName)).getattr("answer")).toJs(), 42);
      })
    );
  });
}
