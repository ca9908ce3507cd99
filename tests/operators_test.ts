// Operators as methods, indexing with several keys and slices, and the tuple
// helper (issue 15, item 3 in part), both tiers: each result is the one
// Python's own operator gives for the same operands.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const BINARY = [
  "+",
  "-",
  "*",
  "/",
  "//",
  "%",
  "**",
  "&",
  "|",
  "^",
  "<<",
  ">>",
] as const;

for (const t of TIERS) {
  const { PyTypeError, PyValueError, PyZeroDivisionError } = t.api;

  Deno.test(`operators (${t.name}): op(symbol) equals Python's operator for ints, floats, and the named forms agree`, () => {
    t.withGil((py) => {
      for (const [x, y] of [[7, 3], [-7, 2], [12, 5]]) {
        const a = py.eval(String(x));
        for (const sym of BINARY) {
          const expected = py.eval(`(${x}) ${sym} (${y})`).toJs();
          assert.deepEqual(a.op(sym, y).toJs(), expected, `${x} ${sym} ${y}`);
        }
        assert.equal(a.plus(y).toJs(), x + y);
        assert.equal(a.minus(y).toJs(), x - y);
        assert.equal(a.times(y).toJs(), x * y);
        assert.equal(a.div(y).toJs(), x / y);
        assert.equal(a.floorDiv(y).toJs(), py.eval(`(${x}) // ${y}`).toJs());
        assert.equal(a.mod(y).toJs(), py.eval(`(${x}) % ${y}`).toJs());
        assert.equal(a.pow(y).toJs(), py.eval(`(${x}) ** ${y}`).toJs());
        assert.equal(a.pow(y, 5).toJs(), py.eval(`pow(${x}, ${y}, 5)`).toJs());
        assert.equal(a.neg().toJs(), -x);
        assert.equal(a.pos().toJs(), x);
        assert.equal(a.abs().toJs(), Math.abs(x));
        assert.equal(a.invert().toJs(), ~x);
      }
      assert.equal(py.eval("2.5").times(2).toJs(), 5);
      assert.deepEqual(py.eval("[1]").plus([2, 3]).toJs(), [1, 2, 3]);
      assert.deepEqual(
        py.eval("{1, 2}").op("&", py.eval("{2, 3}")).toJs(),
        new Set([2]),
      );
      assert.equal(py.eval("'ab'").times(2).toJs(), "abab");
    });
  });

  Deno.test(`operators (${t.name}): the named bitwise forms and/or/xor/lshift/rshift are Python's`, () => {
    t.withGil((py) => {
      for (const [x, y] of [[12, 10], [-7, 3], [1, 40]]) {
        const a = py.eval(String(x));
        const want = (s: string) => py.eval(`(${x}) ${s} (${y})`).toJs();
        assert.equal(a.and(y).toJs(), want("&"));
        assert.equal(a.or(y).toJs(), want("|"));
        assert.equal(a.xor(y).toJs(), want("^"));
        assert.equal(a.lshift(y).toJs(), want("<<"));
        assert.equal(a.rshift(y).toJs(), want(">>"));
      }
      assert.equal(py.eval("1").lshift(70).toJs(), 2n ** 70n);
      const s = py.eval("{1, 2, 3}");
      assert.deepEqual(s.and(py.eval("{2, 9}")).toJs(), new Set([2]));
      assert.deepEqual(s.or(py.eval("{9}")).toJs(), new Set([1, 2, 3, 9]));
      assert.deepEqual(s.xor(py.eval("{3, 4}")).toJs(), new Set([1, 2, 4]));
      assert.throws(() => py.eval("1.5").and(1), PyTypeError);
      assert.throws(() => py.eval("1").rshift(-1), PyValueError);
    });
  });

  Deno.test(`operators (${t.name}): augmented forms mutate a mutable object and return it; errors are Python's`, () => {
    t.withGil((py) => {
      const l = py.eval("[1, 2]");
      const r = l.op("+=", [3]);
      assert.ok(r.is(l), "list += returns the list itself");
      assert.deepEqual(l.toJs(), [1, 2, 3]);
      const s = py.eval("{1, 2}");
      assert.ok(s.op("|=", py.eval("{5}")).is(s));
      assert.deepEqual(s.toJs(), new Set([1, 2, 5]));
      const n = py.eval("10");
      const m = n.op("-=", 4);
      assert.equal(m.toJs(), 6);
      assert.equal(n.toJs(), 10, "an int is immutable: a new object");
      assert.throws(
        () => n.plus("x"),
        (e: unknown) =>
          e instanceof PyTypeError &&
          (e as Error).message ===
            "unsupported operand type(s) for +: 'int' and 'str'",
      );
      assert.throws(() => n.div(0), PyZeroDivisionError);
      assert.throws(
        () => n.op("??" as "+", 1),
        (e: unknown) =>
          e instanceof PyValueError &&
          /unknown operator "\?\?"/.test((e as Error).message),
      );
    });
  });

  Deno.test(`indexing (${t.name}): at(k0, k1) is self[k0, k1]; py.slice and py.tuple`, () => {
    t.withGil((py) => {
      const l = py.eval("list(range(10))");
      assert.deepEqual(l.at(py.slice(1, null, 3)).toJs(), [1, 4, 7]);
      assert.deepEqual(l.at(py.slice(null, null, -4)).toJs(), [9, 5, 1]);
      assert.equal(l.at(-1).toJs(), 9);
      const d = py.eval("{(1, 2): 'pair', 'k': 'key'}");
      assert.equal(d.at(1, 2).toJs(), "pair");
      assert.equal(d.at("k").toJs(), "key");
      const { array, object } = t.api.sharedArray(py, Int32Array, [2, 3]);
      array.set([0, 1, 2, 3, 4, 5]);
      assert.equal(object.at(1, 2).toJs(), 5);
      assert.equal(object.at(0, -1).toJs(), 2);
      assert.equal(py.tuple(1, "a", null).repr(), "(1, 'a', None)");
      assert.equal(py.tuple().repr(), "()");
      assert.equal(d.at(py.tuple(1, 2)).toJs(), "pair");
    });
  });
}
