// toJs({ depth }) with numpy (issue 15, item 5): an ndarray is one level of
// containers, as the list its tolist() gives; deeper ones stay PyAny.

import assert from "node:assert/strict";
import type * as stable from "../mod.ts";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

for (const t of TIERS) {
  Deno.test(`toJs options numpy (${t.name}): an ndarray counts as one level; a pyproxy view reads like numpy`, () => {
    t.withGil((py) => {
      const np = py.import("numpy");
      const a = np.callMethod1("arange", 6).callMethod1("reshape", 2, 3);
      assert.deepEqual(a.toJs(), [[0, 1, 2], [3, 4, 5]]);
      const d1 = a.toJs({ depth: 1 }) as stable.PyAny[];
      assert.equal(d1.length, 2);
      assert.ok(d1[0] instanceof t.api.PyAny && d1[0].repr() === "[0, 1, 2]");
      assert.deepEqual(a.toJs({ depth: 2 }), a.toJs());
      const wrapped = py.eval("{'m': __import__('numpy').zeros((1, 2))}");
      const w = wrapped.toJs({ dict: "object", depth: 1 }) as Record<
        string,
        stable.PyAny
      >;
      assert.ok(
        w.m instanceof t.api.PyAny && w.m.getattr("shape").repr() === "(1, 2)",
      );
      const { pyproxy, unproxy, kw } = t.api;
      const npv = pyproxy(np);
      const n = npv.linalg.norm(npv.array([[3, 4], [6, 8]]), kw({ axis: 1 }));
      assert.deepEqual(unproxy(n).toJs(), [5, 10]);
      assert.equal(+npv.array([[1, 2]]).shape[1], 2);
    });
  });
}
