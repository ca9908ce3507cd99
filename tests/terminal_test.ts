// Terminal typed operations (issue 13): `getattr(name, e)`, `getItem(key, e)`,
// `call(args, kwargs, e)`, `call0(e)`, `callMethod(name, args, kwargs, e)`,
// `callMethod0(name, e)`, `iter(e)` and `PyIterator.nextItem(e)` return the
// extracted JS value and make no object for the intermediate result, in both
// tiers: nothing is left for a pool to hold or a `using` to release. Also the
// keyword-argument and short-string fast paths they run through.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";
import type { PyAny, PythonBase } from "../mod.ts";

function refcount(py: PythonBase, expr: string): number {
  return py.eval(`__import__('sys').getrefcount(${expr})`).toJs() as number;
}

for (const t of TIERS) {
  const { Extract, PyDict, PyIterator, PyKeyError, PyTypeError } = t.api;
  const PyList = t.api.PyList;
  const PyTuple = t.api.PyTuple;

  Deno.test(`terminal (${t.name}): each operation returns the value the chained form extracts`, () => {
    t.withGil((py) => {
      py.run(
        "import math\n" +
          "class C:\n" +
          "    x = 2.5\n" +
          "    def m(self, a, b=10):\n        return a * b\n" +
          "    def n(self):\n        return 'n'\n" +
          "obj = C()\n" +
          "def term_f(a, b, c=0):\n    return a + b + c\n" +
          "def term_g():\n    return 'g'\n",
      );
      const math = py.import("math");
      assert.equal(math.getattr("pi", Extract.float), Math.PI);
      assert.equal(
        math.getattr("pi", Extract.float),
        math.getattr("pi").extract(Extract.float),
      );
      const obj = py.eval("obj");
      assert.equal(obj.getattr(py.eval("'x'"), Extract.float), 2.5);
      const f = py.eval("term_f");
      assert.equal(f.call([1, 2], undefined, Extract.int), 3);
      assert.equal(f.call([1, 2], { c: 4 }, Extract.int), 7);
      assert.equal(f.call([1], new Map([["b", 2], ["c", 3]]), Extract.int), 6);
      assert.equal(py.eval("term_g").call0(Extract.str), "g");
      assert.equal(obj.callMethod("m", [3], undefined, Extract.int), 30);
      assert.equal(obj.callMethod("m", [3], { b: 2 }, Extract.int), 6);
      assert.equal(obj.callMethod0("n", Extract.str), "n");

      const d = py.eval("{1: 10, 'a': 'b', (1, 2): [1.5]}").downcast(PyDict);
      assert.equal(d.getItem(1, Extract.int), 10);
      assert.equal(d.getItem("a", Extract.str), "b");
      assert.deepEqual(
        d.getItem(py.tuple(1, 2), Extract.list(Extract.float)),
        [1.5],
      );
      assert.equal(d.getItem("missing", Extract.int), undefined);

      const l = py.eval("[5, 6, 7]").downcast(PyList);
      assert.equal(l.getItem(0, Extract.int), 5);
      assert.equal(l.getItem(-1, Extract.int), 7); // not an index: PyObject_GetItem
      assert.deepEqual(l.getItem(py.slice(1), Extract.list(Extract.int)), [
        6,
        7,
      ]);
      const tup = py.eval("('x', 'y')").downcast(PyTuple);
      assert.equal(tup.getItem(1, Extract.str), "y");
      assert.equal(py.eval("{'k': 1}").getItem("k", Extract.int), 1); // generic PyAny

      assert.deepEqual([...l.iter(Extract.int)], [5, 6, 7]);
      assert.deepEqual([...py.eval("'abc'").iter(Extract.str)], [
        "a",
        "b",
        "c",
      ]);
      const it = py.eval("iter([1, 2])").downcast(PyIterator);
      assert.equal(it.nextItem(Extract.int), 1);
      assert.equal(it.nextItem(Extract.int), 2);
      assert.equal(it.nextItem(Extract.int), undefined);
    });
  });

  Deno.test(`terminal (${t.name}): Extract.ignore releases an unwanted result at once`, () => {
    t.withGil((py) => {
      py.run(
        "import types\nres = object()\nacc = []\ndef put(x):\n    acc.append(x)\n    return res\n",
      );
      const put = py.eval("put");
      const before = refcount(py, "res");
      for (let i = 0; i < 100; i++) {
        assert.equal(put.call([i], undefined, Extract.ignore), undefined);
      }
      assert.equal(refcount(py, "res"), before); // not even the pool holds it
      assert.equal(py.eval("len(acc)").toJs(), 100);
      const l = py.eval("[]");
      assert.equal(
        l.callMethod("append", [1], undefined, Extract.ignore),
        undefined,
      );
      assert.deepEqual(l.toJs(), [1]);
      assert.equal(py.eval("3").extract(Extract.ignore), undefined);
    });
  });

  Deno.test(`terminal (${t.name}): no reference is kept for the intermediate (pool tier included)`, () => {
    t.withGil((py) => {
      py.run(
        "import types\nvalue = object()\nns = types.SimpleNamespace(v=value)\n" +
          "dd = {'v': value}\nll = [value]\nfv = lambda: value\n",
      );
      const ns = py.eval("ns");
      const dd = py.eval("dd").downcast(PyDict);
      const ll = py.eval("ll").downcast(PyList);
      const fv = py.eval("fv");
      const before = refcount(py, "value");
      const noop = { extract: (_o: PyAny): number => 1 }; // a user extractor
      for (let i = 0; i < 100; i++) {
        ns.getattr("v", noop);
        dd.getItem("v", noop);
        ll.getItem(0, noop);
        fv.call0(noop);
        fv.call([], undefined, noop);
      }
      // A user extractor's object is disposed after it returns in the owned
      // tier; in the pool tier it belongs to the pool like any result.
      const kept = t.name === "pool" ? 500 : 0;
      assert.equal(refcount(py, "value"), before + kept);
      // A built-in extractor never makes an object, in either tier.
      py.run(
        "num = 12345678901\nnd = {'n': num}\nnl = [num]\nnns = types.SimpleNamespace(n=num)",
      );
      const nd = py.eval("nd").downcast(PyDict);
      const nl = py.eval("nl").downcast(PyList);
      const nns = py.eval("nns");
      const b2 = refcount(py, "num");
      for (let i = 0; i < 100; i++) {
        assert.equal(nd.getItem("n", Extract.int), 12345678901);
        assert.equal(nl.getItem(0, Extract.int), 12345678901);
        assert.equal(nns.getattr("n", Extract.int), 12345678901);
        for (const x of nl.iter(Extract.int)) assert.equal(x, 12345678901);
      }
      assert.equal(refcount(py, "num"), b2);
    });
  });

  Deno.test(`terminal (${t.name}): a user extractor gets a PyAny; the owned tier releases it after`, () => {
    t.withGil((py) => {
      let seen: PyAny | undefined;
      const grab = {
        extract: (o: PyAny): string => {
          seen = o;
          return o.repr();
        },
      };
      assert.equal(py.eval("[1, 'a']").getItem(1, grab), "'a'");
      if (t.name === "owned") {
        assert.throws(() => seen!.repr(), /released/);
      } else {
        assert.equal(seen!.repr(), "'a'"); // the pool keeps it to scope end
      }
    });
  });

  Deno.test(`terminal (${t.name}): a wrong extractor is a TypeError before the operation runs`, () => {
    t.withGil((py) => {
      py.run("calls = []\ndef h(*a):\n    calls.append(a)\n    return 1\n");
      const h = py.eval("h");
      for (const bad of [{}, null, 42, { extract: 1 }]) {
        assert.throws(
          () => h.call([1], undefined, bad as never),
          (e: unknown) =>
            e instanceof PyTypeError &&
            /call: expected an extractor/.test(String(e)),
        );
      }
      assert.throws(
        () => h.callMethod("__call__", [], undefined, {} as never),
        PyTypeError,
      );
      assert.throws(() => h.getattr("__name__", {} as never), PyTypeError);
      assert.throws(() => py.eval("[1]").iter({} as never), PyTypeError);
      assert.equal(py.eval("len(calls)").toJs(), 0);
    });
  });

  Deno.test(`terminal (${t.name}): a failing extraction or operation raises Python's error and leaks nothing`, () => {
    t.withGil((py) => {
      py.run(
        "sv = 'not an int ' * 3\nsd = {'s': sv}\nsl = [sv]\ndef fs():\n    return sv\n",
      );
      const before = refcount(py, "sv");
      const sd = py.eval("sd").downcast(PyDict);
      const sl = py.eval("sl").downcast(PyList);
      const fs = py.eval("fs");
      for (let i = 0; i < 50; i++) {
        assert.throws(() => sd.getItem("s", Extract.int), PyTypeError);
        assert.throws(() => sl.getItem(0, Extract.int), PyTypeError);
        assert.throws(() => fs.call0(Extract.int), PyTypeError);
        assert.throws(() => [...sl.iter(Extract.int)], PyTypeError);
      }
      assert.equal(refcount(py, "sv"), before);
      assert.throws(() => py.eval("{}").getItem("k", Extract.int), PyKeyError);
      assert.throws(
        () => sl.getItem(5, Extract.str),
        (e: unknown) => /index out of range/.test(String(e)),
      );
      assert.throws(
        () => py.eval("math").getattr("nope", Extract.int),
        /AttributeError|has no attribute/,
      );
      assert.throws(
        () => py.eval("fs").call([1], undefined, Extract.str),
        PyTypeError,
      );
    });
  });

  Deno.test(`terminal (${t.name}): iter(e) releases the Python iterator at the end, at break and at a throw`, () => {
    t.withGil((py) => {
      py.run(
        "closed = []\n" +
          "class It:\n" +
          "    def __init__(self, n): self.i, self.n = 0, n\n" +
          "    def __iter__(self): return self\n" +
          "    def __next__(self):\n" +
          "        if self.i >= self.n: raise StopIteration\n" +
          "        self.i += 1\n        return self.i\n" +
          "    def __del__(self): closed.append(self.n)\n" +
          "class Src:\n    def __init__(self, n): self.n = n\n" +
          "    def __iter__(self): return It(self.n)\n",
      );
      const closedLen = (): number => py.eval("len(closed)").toJs() as number;
      assert.deepEqual([...py.eval("Src(3)").iter(Extract.int)], [1, 2, 3]);
      for (const x of py.eval("Src(5)").iter(Extract.int)) if (x === 2) break;
      assert.throws(() => {
        for (
          const _ of py.eval("Src(4)").iter(Extract.str)
        ) { /* str of an int */ }
      }, PyTypeError);
      // Owned: each iterator is dropped when its loop ends. Pool: the pool
      // holds each until the scope ends.
      assert.equal(closedLen(), t.name === "owned" ? 3 : 0);
    });
    if (t.name === "pool") {
      t.withGil((py) => assert.equal(py.eval("len(closed)").toJs(), 3));
    }
  });

  Deno.test(`terminal (${t.name}): Python code run by the extraction cannot free the item under it`, () => {
    t.withGil((py) => {
      py.run(
        "class Idx:\n" +
          "    def __init__(self, c): self.c = c\n" +
          "    def __index__(self):\n" +
          "        self.c.clear()\n        return 41\n" +
          "box = {}\nbox['k'] = Idx(box)\nlst = []\nlst.append(Idx(lst))\n",
      );
      assert.equal(
        py.eval("box").downcast(PyDict).getItem("k", Extract.int),
        41,
      );
      assert.equal(py.eval("lst").downcast(PyList).getItem(0, Extract.int), 41);
      assert.equal(py.eval("len(box) + len(lst)").toJs(), 0);
    });
  });

  Deno.test(`terminal (${t.name}): hot loops of terminal operations stay flat without using or withPool`, () => {
    t.withGil((py) => {
      py.run(
        "import math\nbig = {i: i for i in range(1000)}\nbl = list(range(1000))",
      );
      const math = py.import("math");
      const big = py.eval("big").downcast(PyDict);
      const bl = py.eval("bl").downcast(PyList);
      const blocks = (): number =>
        py.import("sys").callMethod0("getallocatedblocks", Extract.int);
      const before = blocks();
      let s = 0;
      for (let i = 0; i < 100_000; i++) {
        s += big.getItem(i % 1000, Extract.int)! +
          math.getattr("pi", Extract.float) +
          bl.getItem(i % 1000, Extract.int);
      }
      assert.ok(s > 0);
      // blocks() and py.import above leave a few wrappers in the pool tier.
      const mid = blocks();
      assert.ok(mid - before < 20, `${mid - before} new blocks`);
      for (let r = 0; r < 100; r++) {
        for (const x of bl.iter(Extract.int)) s += x;
      }
      // One Python iterator per loop: the pool tier keeps each to scope end.
      const grown = blocks() - mid;
      if (t.name === "owned") assert.ok(grown < 20, `${grown} new blocks`);
      else assert.ok(grown >= 100 && grown < 130, `${grown} new blocks`);
    });
  });

  Deno.test(`kwargs (${t.name}): plain objects and Maps become exact dicts with interned names; other forms keep Python's rules`, () => {
    t.withGil((py) => {
      py.run(
        "def kw(**k):\n    return sorted((type(a).__name__, a, b) for a, b in k.items())\n",
      );
      const kw = py.eval("kw");
      assert.deepEqual(kw.call([], { b: 2, a: "x" }).toJs(), [
        ["str", "a", "x"],
        ["str", "b", 2],
      ]);
      assert.deepEqual(kw.call([], new Map([["m", 1]])).toJs(), [[
        "str",
        "m",
        1,
      ]]);
      assert.deepEqual(
        kw.call([], Object.assign(Object.create(null), { n: 1 })).toJs(),
        [["str", "n", 1]],
      );
      // Names a C string cannot carry stay exact.
      assert.deepEqual(kw.call([], { "a\0b": 1, "\ud800": 2 }).toJs(), [[
        "str",
        "a\0b",
        1,
      ], ["str", "\ud800", 2]]);
      assert.throws(
        () => kw.call([], new Map([[1, 2]]) as never),
        (e: unknown) =>
          e instanceof PyTypeError &&
          /keywords must be strings/.test(String(e)),
      );
      // [toPyObject] returning a non-mapping: Python's own `**` error, no crash.
      const toPyObject = t.api.toPyObject;
      assert.throws(
        () => kw.call([], { [toPyObject]: () => [1, 2] } as never),
        (e: unknown) =>
          e instanceof PyTypeError && /must be a mapping/.test(String(e)),
      );
      assert.deepEqual(
        kw.call([], { [toPyObject]: () => new Map([["z", 0]]) } as never)
          .toJs(),
        [["str", "z", 0]],
      );
      // A getter that calls back into a keyword call while the dict is built.
      const nested = {
        get outer(): number {
          return kw.call([], { inner: 1 }).len();
        },
      };
      assert.deepEqual(kw.call([], nested).toJs(), [["str", "outer", 1]]);
      // A Python mapping that is not a dict is unpacked as `**` does.
      py.run("import collections\nchain = collections.ChainMap({'q': 1})");
      assert.deepEqual(kw.call([], py.eval("chain")).toJs(), [["str", "q", 1]]);
      assert.throws(
        () => kw.call([], py.eval("[1]") as never),
        /must be a mapping/,
      );
    });
  });

  Deno.test(`strings (${t.name}): short-string fast paths round-trip every edge`, () => {
    t.withGil((py) => {
      const cases = [
        "",
        "a",
        "ascii words",
        "a\0b",
        "\0",
        "x".repeat(255),
        "x".repeat(256),
        "x".repeat(257),
        "é",
        "aé",
        "x".repeat(255) + "é",
        "\u{1F600}",
        "\ud800",
        "\ufeffa",
        "\x7f\x80",
      ];
      py.run("def ident(s):\n    return s\n");
      const ident = py.eval("ident");
      for (const s of cases) {
        assert.equal(
          ident.call([s], undefined, Extract.str),
          s,
          JSON.stringify(s),
        );
        assert.equal(
          py.eval("len").call([s], undefined, Extract.int),
          [...s].length,
        );
      }
      // Python-made strings with a NUL or non-ASCII text within the short range.
      assert.equal(py.eval("'ab\\x00cd'").toJs(), "ab\0cd");
      assert.equal(py.eval("'caf\\xe9'").toJs(), "café");
      assert.equal(py.eval("'\\x00' * 300").toJs(), "\0".repeat(300));
    });
  });
}
