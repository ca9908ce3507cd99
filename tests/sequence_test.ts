import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as owned from "../experimental/mod.ts";

for (const [name, tier] of [["stable", stable], ["owned", owned]] as const) {
  Deno.test(`[${name}] PyList/PyTuple getItem and getSlice follow Python's index rules`, () => {
    tier.Python.withGil((py) => {
      const l = tier.PyList.new(py, [0, 1, 2, 3, 4]);
      const t = tier.PyTuple.new(py, ["a", "b", "c"]);
      assert.deepEqual(l.getSlice(1, -1).toJs(), [1, 2, 3]);
      assert.deepEqual(l.getSlice(-2, 99).toJs(), [3, 4]);
      assert.deepEqual(t.getSlice(-2, 3).toJs(), ["b", "c"]);
      assert.ok(t.getSlice(0, 2) instanceof tier.PyTuple);
      assert.ok(l.getSlice(0, 2) instanceof tier.PyList);
      // non-negative integers take the borrowed-item path, anything else self[key]
      assert.equal(l.getItem(4).toJs(), 4);
      assert.equal(l.getItem(-1).toJs(), 4);
      assert.equal(t.getItem(-3).toJs(), "a");
      assert.deepEqual(l.getItem(tier.PySlice.new(py, null, null, 2)).toJs(), [
        0,
        2,
        4,
      ]);
      assert.throws(
        () => l.getItem(5),
        (e) =>
          e instanceof tier.PyIndexError &&
          /list index out of range/.test(e.message),
      );
      assert.throws(
        () => t.getItem(3),
        (e) =>
          e instanceof tier.PyIndexError &&
          /tuple index out of range/.test(e.message),
      );
      assert.throws(() => t.getItem(1.5), (e) => e instanceof tier.PyTypeError);
    });
  });
}
