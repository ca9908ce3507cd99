// py.run / py.eval namespaces (issue 15, item 5), both tiers: globals may be
// any PyAny holding a dict (no downcast), locals any mapping, as for
// Python's own eval/exec; a non-dict globals is CPython's TypeError.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

for (const t of TIERS) {
  const { PyTypeError } = t.api;

  Deno.test(`namespaces (${t.name}): a PyAny dict is accepted as globals without a downcast; locals may be any mapping`, () => {
    t.withGil((py) => {
      const g = py.eval("{'x': 20}"); // typed PyAny
      py.run("y = x + 1", g);
      assert.equal(py.eval("x + y", g).toJs(), 41);
      py.run(
        "import collections.abc\nclass M(collections.abc.Mapping):\n" +
          "    def __getitem__(self, k):\n        if k == 'z': return 100\n        raise KeyError(k)\n" +
          "    def __iter__(self): return iter(['z'])\n    def __len__(self): return 1\nm = M()",
        g,
      );
      assert.equal(py.eval("z + x", g, py.eval("m", g)).toJs(), 120);
      assert.throws(
        () => py.run("pass", py.eval("[1]")),
        (e: unknown) =>
          e instanceof PyTypeError &&
          e.message === "globals must be a dict, not list",
      );
    });
  });
}
