// TypeScript functions called from Python outside the scope that made them:
// a later withGil scope, and a __del__ run by a Py released outside withGil.
import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as owned from "../experimental/mod.ts";

for (const [name, tier] of [["stable", stable], ["owned", owned]] as const) {
  Deno.test(`[${name}] a TS function stored in Python works in later scopes and from __del__`, () => {
    const seen: unknown[] = [];
    const attr = `_cb_ctx_${name}`;
    tier.Python.withGil((py) => {
      const f = tier.pyfunction(py, "cb(x=1)", ({ x }) => {
        seen.push(x.toJs());
        return x.toJs();
      });
      py.builtins().setattr(attr, f);
      py.run(
        `class _Del_${name}:\n    def __del__(self):\n        ${attr}(7)\n`,
      );
    });
    // A later, unrelated scope: the per-call scope gives the handler a live token.
    const r = tier.Python.withGil((py) => py.eval(`${attr}(5)`).toJs());
    assert.equal(r, 5);
    // __del__ runs when the Py is disposed outside any withGil (Py takes the GIL).
    const p = tier.Python.withGil((py) =>
      tier.Py.from(py.eval(`_Del_${name}()`))
    );
    assert.deepEqual(seen, [5]);
    p[Symbol.dispose]();
    assert.deepEqual(seen, [5, 7]);
    tier.Python.withGil((py) => py.builtins().delattr(attr));
  });
}

Deno.test("objects of both tiers mix in one scope, each keeping its own ownership", () => {
  stable.Python.withGil((py) => {
    const d = stable.PyDict.new(py);
    owned.Python.withGil((xpy) => {
      using e = owned.PyDict.new(xpy);
      e.setItem("d", d);
      assert.equal(e.len(), 1);
    });
    // the owned dict was disposed; the pool-owned one is untouched
    assert.equal(d.repr(), "{}");
    assert.equal(d.refCnt(), 1);
  });
});
