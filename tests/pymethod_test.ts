// pymethod (issue 15, item 1 in part): a TypeScript function that binds as a
// method when stored on a Python class, both tiers: self, keyword and default
// arguments, calls through the class and directly, a Python subclass
// overriding it with super(), argument errors, and release with its class.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const CLASS = `
class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
`;

for (const t of TIERS) {
  const { Extract, PyTypeError } = t.api;

  Deno.test(`pymethod (${t.name}): binds self like a def: instance, class and direct calls, defaults and keywords`, () => {
    t.withGil((py) => {
      const g = py.eval("{}");
      py.run(CLASS, g);
      const seen: unknown[] = [];
      const m = t.api.pymethod(
        py,
        "norm1(self, scale=1, *, offset=0)",
        ({ self, scale, offset }) => {
          seen.push(self.getType().getattr("__name__").toJs());
          return (Math.abs(self.getattr("x").extract(Extract.float)) +
                Math.abs(self.getattr("y").extract(Extract.float))) *
              scale.extract(Extract.float) + offset.extract(Extract.float);
        },
      );
      py.eval("Point", g).setattr("norm1", m);
      assert.equal(py.eval("Point(3, -4).norm1()", g).toJs(), 7);
      assert.equal(py.eval("Point(3, -4).norm1(2, offset=1)", g).toJs(), 15);
      assert.equal(py.eval("Point.norm1(Point(1, 1), scale=3)", g).toJs(), 6);
      assert.equal(
        py.eval("Point.__dict__['norm1'](Point(1, 2))", g).toJs(),
        3,
      );
      assert.deepEqual(seen, ["Point", "Point", "Point", "Point"]);
      assert.match(
        py.eval("repr(Point(1, 2).norm1)", g).toJs() as string,
        /^<bound method norm1 of <Point object at /,
      );
      assert.throws(
        () => py.eval("Point(1, 1).norm1(1, 2)", g),
        (e: unknown) =>
          e instanceof PyTypeError &&
          e.message ===
            "norm1() takes from 1 to 2 positional arguments but 3 were given",
      );
      assert.throws(
        () => py.eval("Point.norm1()", g),
        (e: unknown) =>
          e instanceof PyTypeError &&
          e.message ===
            "norm1() missing 1 required positional argument: 'self'",
      );
    });
  });

  Deno.test(`pymethod (${t.name}): a Python subclass overrides it and calls it through super()`, () => {
    t.withGil((py) => {
      const g = py.eval("{}");
      py.run(CLASS, g);
      py.eval("Point", g).setattr(
        "describe",
        t.api.pymethod(
          py,
          "describe(self)",
          ({ self }) => `P(${self.getattr("x").toJs()})`,
        ),
      );
      py.run(
        "class Sub(Point):\n    def describe(self):\n        return 'Sub:' + super().describe()",
        g,
      );
      assert.equal(py.eval("Sub(5, 0).describe()", g).toJs(), "Sub:P(5)");
      assert.equal(py.eval("Point(6, 0).describe()", g).toJs(), "P(6)");
      assert.ok(py.eval("isinstance(Sub(1, 1), Point)", g).toJs());
    });
  });

  Deno.test(`pymethod (${t.name}): released with its class (no TypeScript function left behind)`, () => {
    const base = t.withGil((py) => {
      py.run("import gc; gc.collect()");
      return t.api.pyfunctionTableSize();
    });
    t.withGil((py) => {
      const g = py.eval("{}");
      py.run(CLASS, g);
      py.eval("Point", g).setattr("m", t.api.pymethod(py, "m(self)", () => 1));
      assert.equal(py.eval("Point(0, 0).m()", g).toJs(), 1);
      assert.equal(t.api.pyfunctionTableSize(), base + 1);
      py.run("del Point\nimport gc\ngc.collect()", g);
    });
    t.withGil((py) => {
      py.run("import gc; gc.collect()");
      assert.equal(t.api.pyfunctionTableSize(), base);
    });
  });
}
