// pyclass (issue 15, item 1): TypeScript classes as Python types, both
// tiers, by the topics of PyO3's tests/test_class_*.rs: construction,
// methods, getters/setters, inheritance both ways, special methods,
// identity across the boundary, pickling refused, GC and lifetime.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";
import type * as Stable from "../mod.ts";

class Counter {
  n: number;
  step: number;
  constructor(start = 0, opts: { step?: number } = {}) {
    this.n = start;
    this.step = opts.step ?? 1;
  }
  incr(by?: number): number {
    return (this.n += by ?? this.step);
  }
  me(): this {
    return this;
  }
  get double(): number {
    return this.n * 2;
  }
  get value(): number {
    return this.n;
  }
  set value(v: number) {
    this.n = v;
  }
  __len__(): number {
    return this.n;
  }
  __repr__(): string {
    return `Counter(${this.n})`;
  }
  __eq__(o: unknown): boolean {
    return o instanceof Counter && o.n === this.n;
  }
  __hash__(): number {
    return this.n;
  }
  __add__(o: number): Counter {
    return new Counter(this.n + o);
  }
  __call__(x: number): number {
    return this.n * x;
  }
  __iter__(): number[] {
    return [this.n, this.n + 1];
  }
  static zero(): number {
    return 0;
  }
}

class BigCounter extends Counter {
  override __repr__(): string {
    return `BigCounter(${this.n})`;
  }
}

for (const t of TIERS) {
  const { pyclass, sweepPyclassInstances, PyTypeError } = t.api;

  const withClass = (
    f: (py: Stable.PythonBase, g: Stable.PyAny) => void,
  ): void => {
    t.withGil((py) => {
      const g = py.eval("{}");
      g.setItem(
        "Counter",
        pyclass(py, Counter, {
          init: "(start=0, *, step=1)",
          methods: { incr: "(by=None)" },
        }),
      );
      f(py, g);
    });
  };

  Deno.test(`pyclass (${t.name}): construction and methods with CPython's argument rules`, () => {
    withClass((py, g) => {
      assert.deepEqual(
        py.eval(
          "(lambda c: [c.incr(), c.incr(5), c.incr(by=2)])(Counter(10, step=3))",
          g,
        ).toJs(),
        [13, 18, 20],
      );
      assert.equal(
        py.eval("Counter().n if hasattr(Counter(), 'n') else 'no n'", g).toJs(),
        "no n",
      );
      assert.throws(
        () => py.eval("Counter(1, 2)", g),
        (e: unknown) =>
          e instanceof PyTypeError &&
          /takes from 1 to 2 positional arguments but 3 were given/.test(
            (e as Error).message,
          ),
      );
      assert.throws(
        () => py.eval("Counter(1).incr(1, 2)", g),
        (e: unknown) =>
          e instanceof PyTypeError &&
          /incr\(\) takes from 1 to 2 positional arguments but 3 were given/
            .test((e as Error).message),
      );
      assert.throws(
        () => py.eval("Counter(stop=1)", g),
        (e: unknown) =>
          e instanceof PyTypeError &&
          /unexpected keyword argument 'stop'/.test((e as Error).message),
      );
      assert.equal(py.eval("Counter.zero()", g).toJs(), 0, "a static method");
      assert.deepEqual(
        py.eval("[Counter.__name__, Counter.__module__]", g).toJs(),
        ["Counter", "__main__"],
      );
    });
  });

  Deno.test(`pyclass (${t.name}): getters and setters are properties`, () => {
    withClass((py, g) => {
      py.run("c = Counter(4)\nc.value = 21", g);
      assert.deepEqual(py.eval("[c.value, c.double]", g).toJs(), [21, 42]);
      assert.throws(
        () => py.run("c.double = 1", g),
        (e: unknown) =>
          e instanceof t.api.PyErr &&
          /AttributeError/.test((e as { typeName: string }).typeName),
      );
    });
  });

  Deno.test(`pyclass (${t.name}): special methods from dunder-named JS methods`, () => {
    withClass((py, g) => {
      assert.deepEqual(
        py.eval(
          "(lambda c: [len(c), repr(c), c == Counter(3), c == Counter(4), hash(c), c(5), list(c), repr(c + 2)])(Counter(3))",
          g,
        )
          .toJs(),
        [3, "Counter(3)", true, false, 3, 15, [3, 4], "Counter(5)"],
      );
      assert.equal(
        py.eval("len({Counter(1), Counter(1), Counter(2)})", g).toJs(),
        2,
      );
    });
  });

  Deno.test(`pyclass (${t.name}): inheritance both ways, isinstance, super()`, () => {
    withClass((py, g) => {
      py.run(
        "class Sub(Counter):\n    def incr(self, by=None):\n        return super().incr(100)\n    extra = 'py'\ns = Sub(1)",
        g,
      );
      assert.deepEqual(
        py.eval("[s.incr(), isinstance(s, Counter), s.extra, s.double]", g)
          .toJs(),
        [101, true, "py", 202],
      );
      // A JS subclass's object crossing into Python takes the nearest registered type.
      g.setItem("big", new BigCounter(7));
      assert.deepEqual(
        py.eval("[type(big).__name__, repr(big), big.incr(1)]", g).toJs(),
        ["Counter", "BigCounter(7)", 8],
      );
    });
  });

  Deno.test(`pyclass (${t.name}): an instance crossing back is the same JS object, and the same Python object`, () => {
    withClass((py, g) => {
      py.run("c = Counter(5)", g);
      const js = py.eval("c", g).toJs();
      assert.ok(js instanceof Counter);
      assert.equal((js as Counter).n, 5);
      assert.equal(py.eval("c", g).toJs(), js, "the same JS object each time");
      const seen: unknown[] = [];
      g.setItem("take", (x: unknown) => seen.push(x));
      py.run("take(c)", g);
      assert.equal(seen[0], js, "a plain JS function's argument");
      assert.ok(
        py.eval("c.me() is c", g).toJs(),
        "a method returning this gives the same instance",
      );
      const mine = new Counter(9);
      g.setItem("mine", mine);
      assert.ok(
        py.eval("isinstance(mine, Counter) and mine.me() is mine", g).toJs(),
      );
      assert.equal(py.eval("mine", g).toJs(), mine);
    });
  });

  Deno.test(`pyclass (${t.name}): pickling is refused with a clear TypeError`, () => {
    withClass((py, g) => {
      assert.throws(
        () => py.run("import pickle\npickle.dumps(Counter(1))", g),
        (e: unknown) =>
          e instanceof PyTypeError &&
          /cannot pickle 'Counter' object: it wraps a JavaScript object/.test(
            (e as Error).message,
          ),
      );
    });
  });

  Deno.test(`pyclass (${t.name}): the JS object lives exactly as long as the Python instance (100,000 made and dropped)`, () => {
    const before = t.withGil((py) => {
      py.run("import gc; gc.collect()");
      return sweepPyclassInstances();
    });
    withClass((py, g) => {
      py.run(
        "keep = Counter(1)\nfor i in range(100_000):\n    Counter(i)\nimport gc\ngc.collect()",
        g,
      );
      assert.ok(
        sweepPyclassInstances() <= before + 2,
        `${sweepPyclassInstances()} held`,
      );
      assert.equal(
        py.eval("keep.incr(1)", g).toJs(),
        2,
        "a live instance keeps its JS object",
      );
      py.run("del keep\ngc.collect()", g);
      assert.equal(sweepPyclassInstances(), before);
    });
  });
}
