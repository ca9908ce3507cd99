// toJs({ dict, depth }) (issue 15, item 5), both tiers: dicts as plain
// objects (str keys only), and a depth limit beyond which containers stay
// Python objects owned like any other result of the tier.

import assert from "node:assert/strict";
import type * as stable from "../mod.ts";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

for (const t of TIERS) {
  const { PyAny, PyTypeError, PyValueError } = t.api;

  Deno.test(`toJs options (${t.name}): dict "object" makes plain objects at every level; non-str keys are a TypeError`, () => {
    t.withGil((py) => {
      const v = py.eval("{'a': [1, {'b': (2, {'c': None})}], 'n': 1.5}");
      const o = v.toJs({ dict: "object" }) as Record<string, unknown>;
      assert.deepEqual(o, { a: [1, { b: [2, { c: null }] }], n: 1.5 });
      assert.equal(Object.getPrototypeOf(o), Object.prototype);
      assert.deepEqual(v.toJs({ dict: "map" }), v.toJs());
      assert.ok(v.toJs() instanceof Map, "the default stays a Map");
      // "__proto__" is an ordinary own property, not the prototype.
      const p = py.eval("{'__proto__': {'x': 1}}").toJs({ dict: "object" }) as
        & Record<string, unknown>
        & object;
      assert.equal(Object.getPrototypeOf(p), Object.prototype);
      assert.deepEqual(Object.keys(p), ["__proto__"]);
      assert.deepEqual(Object.getOwnPropertyDescriptor(p, "__proto__")?.value, {
        x: 1,
      });
      for (
        const [code, shown] of [["{1: 'a'}", "1"], [
          "{'ok': {(1, 2): 0}}",
          "(1, 2)",
        ]]
      ) {
        assert.throws(
          () => py.eval(code).toJs({ dict: "object" }),
          (e: unknown) =>
            e instanceof PyTypeError &&
            (e as Error).message.includes(
              `the dict key ${shown} is not a str`,
            ) &&
            (e as Error).message.includes('toJs({ dict: "map" })'),
        );
      }
      // A str subclass key is a str.
      py.run("class K(str): pass");
      assert.deepEqual(py.eval("{K('k'): 1}").toJs({ dict: "object" }), {
        k: 1,
      });
    });
  });

  Deno.test(`toJs options (${t.name}): depth leaves deeper containers as Python objects; scalars always convert`, () => {
    t.withGil((py) => {
      const v = py.eval(
        "[1, 'a', [2, [3]], (4,), {5}, {'k': [6]}, b'x', None]",
      );
      const d1 = v.toJs({ depth: 1 }) as unknown[];
      assert.deepEqual(d1.slice(0, 2), [1, "a"]);
      assert.deepEqual(d1[6], new Uint8Array([120]));
      assert.equal(d1[7], null);
      for (const i of [2, 3, 4, 5]) {
        assert.ok(d1[i] instanceof PyAny, `item ${i} stays a PyAny`);
        assert.ok((d1[i] as stable.PyAny).is(v.getItem(i)), "the same object");
      }
      const d2 = v.toJs({ depth: 2 }) as unknown[];
      assert.equal((d2[2] as unknown[])[0], 2);
      assert.ok((d2[2] as unknown[])[1] instanceof PyAny);
      assert.deepEqual(
        (d2[5] as Map<string, unknown>).get("k") instanceof PyAny,
        true,
      );
      assert.deepEqual(d2[4], new Set([5]));
      assert.deepEqual(v.toJs({ depth: Infinity }), v.toJs());
      assert.deepEqual(
        v.toJs({ depth: 3 }),
        v.toJs(),
        "deep enough: all converted",
      );
      const top = v.toJs({ depth: 0 });
      assert.ok(
        top instanceof PyAny && top.is(v),
        "depth 0: the container itself",
      );
      assert.equal(py.eval("7").toJs({ depth: 0 }), 7);
      // dict keys count as items of the dict's level.
      const k = py.eval("{(1, 2): 'pair'}").toJs({ depth: 1 }) as Map<
        unknown,
        unknown
      >;
      const [key] = k.keys();
      assert.ok(key instanceof PyAny && key.repr() === "(1, 2)");
      // Both options together.
      assert.deepEqual(
        Object.keys(
          py.eval("{'a': {'b': 1}}").toJs({
            dict: "object",
            depth: 1,
          }) as object,
        ),
        ["a"],
      );
    });
  });

  Deno.test(`toJs options (${t.name}): a depth limit converts a self-referencing list; invalid options throw`, () => {
    t.withGil((py) => {
      py.run("loop = []\nloop.append(loop)");
      const l = py.eval("loop");
      assert.throws(() => l.toJs(), PyValueError);
      const r = l.toJs({ depth: 3 }) as unknown[][][];
      assert.ok(
        r[0][0][0] instanceof PyAny && (r[0][0][0] as stable.PyAny).is(l),
      );
      for (const bad of [-1, 1.5, NaN, "2"]) {
        assert.throws(
          () => l.toJs({ depth: bad as number }),
          /depth must be a non-negative integer or Infinity/,
        );
      }
      assert.throws(
        () => l.toJs({ dict: "json" as "map" }),
        /dict must be "map" or "object", not "json"/,
      );
    });
  });

  Deno.test(`toJs options (${t.name}): the Python objects a depth limit leaves are owned by the tier`, () => {
    const count = (py: stable.PythonBase) =>
      py.eval("sys.getrefcount(inner)").toJs() as number;
    const base = t.withGil((py) => {
      py.run("import sys\ninner = [1]\nouter = [inner, inner]");
      return count(py);
    });
    t.withGil((py) => {
      const outer = py.eval("outer");
      const r = outer.toJs({ depth: 1 }) as stable.PyAny[];
      assert.deepEqual(r[0].toJs(), [1]);
      assert.ok(r[0].is(r[1]));
      assert.ok(count(py) >= base + 2);
      if (t.name === "owned") {
        r[0][Symbol.dispose]();
        r[1][Symbol.dispose]();
        assert.equal(count(py), base, "disposed at once");
        assert.throws(() => r[0].len(), /released/);
      } else {
        (py as stable.Python).withPool(() => outer.toJs({ depth: 1 }));
        assert.ok(count(py) === base + 2, "a nested pool releases its own");
      }
    });
    t.withGil((py) => assert.equal(count(py), base, "released at scope end"));
  });
}
