// The natural-syntax view (issue 15, item 3): pyproxy(obj) in both tiers,
// through the public API. Each result is compared with what Python itself
// gives; reference counts are checked across scopes (and disposals in the
// owned tier); misuse (released objects, no scope, JS protocols probing the
// view) throws clear errors and never crashes.

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const CODE = `
import sys
class Sentinel:
    pass
S = Sentinel()
def add(a, b=0, *, scale=1):
    return (a + b) * scale
def kwnames(*a, **k):
    return (list(a), sorted(k.items()))
def ident(x):
    return x
def getS(*a, **k):
    return S
class Point:
    def __init__(self, x, y=0):
        self.x = x
        self.y = y
    def norm2(self):
        return self.x * self.x + self.y * self.y
class Node:
    def __init__(self):
        self.child = Point(3, 4)
        self.s = S
then = 'python then'
lst = [10, 20, 30]
d = {'k': 'v', 1: 'one'}
big = list(range(3))
`;

function rc(py: stable.PythonBase, m: stable.PyAny, name: string): number {
  return py.eval(`sys.getrefcount(${name})`, m.getattr("__dict__")).extract(
    stable.Extract.int,
  );
}

for (const t of TIERS) {
  const { pyproxy, unproxy, kw, isPyProxy, Extract, PyModule } = t.api;
  const { PyAttributeError, PyIndexError, PyTypeError, PyKeyError, PyAny } =
    t.api;
  const mod = (py: stable.PythonBase) =>
    PyModule.fromCode(py, CODE, "proxy_fixture.py", "proxy_fixture");

  Deno.test(`pyproxy (${t.name}): attributes, calls, kw({...}), items, new and chaining are Python's`, () => {
    t.withGil((py) => {
      const m = pyproxy(mod(py));
      assert.equal(unproxy(m.add(1, 2)).extract(Extract.int), 3);
      assert.equal(unproxy(m.add(1, 2, kw({ scale: 10 }))).toJs(), 30);
      assert.equal(unproxy(m.add(1, kw({ b: 5 }))).toJs(), 6);
      // kw takes a Map or a Python dict too; a plain object positional
      // argument stays one dict argument.
      assert.deepEqual(
        unproxy(m.kwnames(1, { a: 1 }, kw(new Map([["z", 2]])))).toJs(),
        [[1, new Map([["a", 1]])], [["z", 2]]],
      );
      assert.deepEqual(
        unproxy(m.kwnames(kw(py.eval("{'q': None}")))).toJs(),
        [[], [["q", null]]],
      );
      const p = new m.Point(3, kw({ y: 4 }));
      assert.equal(unproxy(p.norm2()).toJs(), 25);
      assert.equal(unproxy(p.x).toJs(), 3);
      assert.equal(unproxy(m.Point(1).norm2()).toJs(), 1, "call works as new");
      assert.equal(unproxy(m.Node().child.norm2()).toJs(), 25, "chained");
      assert.equal(unproxy(m.lst[0]).toJs(), 10);
      assert.equal(unproxy(m.lst["-1"]).toJs(), 30);
      assert.equal(unproxy(m.d[1]).toJs(), "one", "an integer key of a dict");
      assert.equal(unproxy(m.d.__getitem__("k")).toJs(), "v");
      assert.equal(unproxy(m.d.get("nope", "dflt")).toJs(), "dflt");
      assert.throws(() => m.lst[7], PyIndexError);
      assert.throws(() => m.d[2], PyKeyError);
      assert.throws(
        () => m.nope,
        (e: unknown) =>
          e instanceof PyAttributeError &&
          /has no attribute 'nope'/.test((e as Error).message),
      );
      assert.throws(
        () => m.lst(1),
        (e: unknown) =>
          e instanceof PyTypeError &&
          (e as Error).message === "'list' object is not callable",
      );
      // A view passes wherever a Python object does, as that object.
      const s = m.S;
      assert.ok(unproxy(m.ident(s)).is(unproxy(s)));
      const dict = t.api.PyDict.new(py);
      dict.setItem("s", s);
      assert.ok(dict.getItem("s")!.is(unproxy(s)));
      const kwv = unproxy(m.kwnames(kw({ v: s }))).getItem(1).getItem(0);
      assert.ok(kwv.getItem(1).is(unproxy(s)), "a view as a kwargs value");
      // pyproxy of a view is the view; unproxy gives the same PyAny back.
      assert.equal(pyproxy(m), m);
      const any = py.eval("[1]");
      assert.equal(unproxy(pyproxy(any)), any);
      assert.ok(isPyProxy(m) && !isPyProxy(any) && !isPyProxy(() => 1));
    });
  });

  Deno.test(`pyproxy (${t.name}): assignment is setattr/setitem, delete is delattr/delitem, in is hasattr`, () => {
    t.withGil((py) => {
      const m = pyproxy(mod(py));
      const p = m.Point(1, 2);
      p.x = m.lst[1];
      assert.equal(unproxy(p.norm2()).toJs(), 404);
      assert.ok(Reflect.set(p, "y", 0));
      assert.equal(unproxy(p.norm2()).toJs(), 400);
      assert.ok(Reflect.set(m.lst, "0", "first"));
      assert.equal(py.eval("lst[0]", unproxy(m.__dict__)).toJs(), "first");
      assert.ok(delete m.lst["-1"]);
      assert.equal(unproxy(m.lst).len(), 2);
      assert.ok("x" in p && !("z" in p));
      assert.ok(delete p.x);
      assert.ok(!("x" in p));
      assert.ok(0 in m.lst && !(5 in m.lst));
      assert.throws(() => delete p.x, PyAttributeError);
      assert.throws(
        () => Object.defineProperty(p, "x", { value: 1 }),
        TypeError,
      );
    });
  });

  Deno.test(`pyproxy (${t.name}): JS protocols: never thenable, JSON, String/+, inspect, iteration, keys`, async () => {
    const kept = t.withGil((py) => {
      const m = pyproxy(mod(py));
      // `then` is the JS protocol name, never Python's attribute.
      assert.equal(m.then, undefined);
      assert.equal(
        unproxy(m).getattr("then").toJs(),
        "python then",
        "reachable through the PyAny",
      );
      assert.equal(
        JSON.stringify({ l: m.lst, d: m.Node().child.__dict__ }),
        '{"l":[10,20,30],"d":{"x":3,"y":4}}',
      );
      assert.throws(() => JSON.stringify(m.S), PyTypeError);
      assert.equal(String(m.lst), "[10, 20, 30]");
      assert.equal(`${m.add(1, 1)}`, "2");
      assert.equal(+m.add(1, 1), 2);
      assert.equal(+m.Point(1.5).x, 1.5);
      assert.throws(() => +m.lst, /has no number value/);
      assert.equal(Deno.inspect(m.lst), "[10, 20, 30]");
      assert.equal(Deno.inspect({ a: m.d }), "{ a: {'k': 'v', 1: 'one'} }");
      const items: number[] = [];
      for (const x of m.big) items.push(unproxy(x).extract(Extract.int));
      assert.deepEqual(items, [0, 1, 2]);
      assert.deepEqual([...m.lst].map((x) => String(x)), ["10", "20", "30"]);
      // A view as a JS key: by identity in a Map, by str() as a property.
      const s = m.lst;
      const map = new Map([[s, 1]]);
      assert.equal(map.get(s), 1);
      const o: Record<string, number> = {};
      o[s as unknown as string] = 1;
      assert.deepEqual(Object.keys(o), ["[10, 20, 30]"]);
      assert.equal(typeof m, "function");
      assert.equal(Object.prototype.toString.call(m), "[object PyProxy]");
      return m.lst;
    });
    // `await` probes `then`: a view resolves to itself, outside its scope too.
    assert.equal(await kept, kept);
    assert.equal(await Promise.resolve(kept), kept);
  });

  Deno.test(`pyproxy (${t.name}): misuse throws clear errors, never crashes`, () => {
    const kept = t.withGil((py) => {
      const m = pyproxy(mod(py));
      assert.throws(
        () => m.add(1, kw({ b: 1 }), 2),
        (e: unknown) =>
          e instanceof PyTypeError && /must be\s+its last argument/.test(
            (e as Error).message.replace(/\n/g, " "),
          ),
      );
      assert.throws(
        () => unproxy(m.add).call1(1, kw({ b: 1 })),
        /marks the keyword arguments of a call through a PyProxy/,
      );
      assert.throws(
        () => pyproxy({} as never),
        /pyproxy\(obj\): pass a Python object/,
      );
      assert.throws(() => unproxy((() => 1) as never), /not a PyProxy/);
      assert.throws(() => kw({}).constructor.call(null), TypeError);
      return m.lst;
    });
    // Outside its scope: every Python operation throws; the JS protocols do not.
    assert.throws(() => kept[0], /outside|released/);
    assert.throws(() => kept.append(1), /outside|released/);
    assert.throws(() => kept(), /outside|released/);
    assert.match(String(kept), /^<PyAny: /);
    assert.match(Deno.inspect(kept), /^<PyAny: /);
    assert.throws(() => JSON.stringify(kept), /outside|released/);
    assert.throws(() => [...kept], /outside|released/);
    assert.throws(() => pyproxy(unproxy(kept)), /outside|released/);
    t.withGil(() => {
      // A view of an old scope in a new one: still released.
      assert.throws(() => kept.append(1), /released/);
    });
  });

  Deno.test(`pyproxy (${t.name}): references: every intermediate is released with its owner`, () => {
    const base = t.withGil((py) => rc(py, mod(py), "S"));
    t.withGil((py) => {
      const m = pyproxy(mod(py));
      for (let i = 0; i < 50; i++) {
        void m.S;
        void m.getS(1, kw({ a: m.S }));
        void new m.Node().s;
        for (const _ of m.big) void m.S;
      }
      assert.ok(rc(py, unproxy(m), "S") > base + 100);
    });
    t.withGil((py) => assert.equal(rc(py, mod(py), "S"), base));
    // Released early: a pool per iteration (stable), or disposal (owned).
    t.withGil((py) => {
      const m = pyproxy(mod(py));
      const getS = m.getS;
      for (let i = 0; i < 100; i++) {
        if (t.name === "pool") {
          (py as stable.Python).withPool(() => void getS(i, kw({ a: i })));
        } else {
          using _s = getS(i, kw({ a: i }));
        }
      }
      assert.equal(rc(py, unproxy(m), "S"), base);
      if (t.name === "owned") {
        const s = m.S;
        s[Symbol.dispose]();
        assert.throws(() => s.__class__, /released/);
        assert.match(String(s), /released/);
        assert.equal(rc(py, unproxy(m), "S"), base);
      }
    });
  });

  Deno.test(`pyproxy (${t.name}): a pool-owned or disposed view throws 'released' after its owner ends`, () => {
    t.withGil((py) => {
      const m = pyproxy(mod(py));
      let inner: stable.PyProxy | undefined;
      if (t.name === "pool") {
        (py as stable.Python).withPool(() => {
          inner = m.lst;
        });
      } else {
        inner = m.lst;
        inner[Symbol.dispose]();
      }
      assert.throws(() => inner![0], /released/);
      assert.ok(unproxy(inner!) instanceof PyAny);
    });
  });
}
