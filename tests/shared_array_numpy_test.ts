// sharedArray with numpy (issue 14, item 2), both tiers: numpy.asarray and
// numpy.frombuffer share the JS memory (writes both ways), with the dtype and
// shape of the TypedArray; a 10M-element hand-off is O(1) (no copy made).

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const hasNumpy = TIERS[0].withGil((py) => {
  try {
    py.import("numpy");
    return true;
  } catch {
    return false;
  }
});

for (const t of TIERS) {
  const { sharedArray } = t.api;

  Deno.test({
    name:
      `shared array (${t.name}): numpy.asarray/frombuffer share the memory, dtype and shape follow the TypedArray`,
    ignore: !hasNumpy,
    fn() {
      t.withGil((py) => {
        const g = py.eval("{}");
        py.run("import numpy as np", g);
        const { array, object } = sharedArray(py, Int32Array, [3, 4]);
        g.setItem("m", object);
        py.run("a = np.asarray(m)\nb = np.frombuffer(m, dtype=np.int32)", g);
        assert.deepEqual(
          py.eval(
            "[a.dtype.str, list(a.shape), bool(np.shares_memory(a, b)), a.flags.writeable]",
            g,
          )
            .toJs(),
          ["<i4", [3, 4], true, true],
        );
        array.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert.equal(
          py.eval("int(a[2, 3])", g).toJs(),
          12,
          "JS writes seen by numpy",
        );
        py.run("a[:, 0] = -1", g);
        assert.deepEqual(
          [array[0], array[4], array[8]],
          [-1, -1, -1],
          "numpy writes seen by JS",
        );
      });
    },
  });

  Deno.test({
    name:
      `shared array (${t.name}): 10M float64 handed to numpy without a copy`,
    ignore: !hasNumpy,
    fn() {
      t.withGil((py) => {
        const g = py.eval("{}");
        const { array, object } = sharedArray(py, Float64Array, 10_000_000);
        array.fill(0.5);
        g.setItem("m", object);
        py.run("import numpy as np\na = np.asarray(m)", g);
        assert.equal(py.eval("float(a.sum())", g).toJs(), 5_000_000);
        assert.equal(
          py.eval("a.__array_interface__['data'][0]", g).toJs(),
          Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(array))),
          "numpy's data pointer is the TypedArray's",
        );
      });
    },
  });
}
