// Extract.typedArray / Extract.shapedArray (issue 14, item 3): copies of a
// buffer-protocol object's items, through PyBuffer, in both tiers.

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";
import { liveResources } from "../src/core/gil.ts";
import { throwsLike, type TierModule } from "./shared/suite.ts";

const TIERS: [string, TierModule][] = [
  ["stable", stable],
  ["owned", experimental as unknown as TierModule],
];

for (const [tier, M] of TIERS) {
  const { Python, Extract, PyTypeError } = M;

  Deno.test(`${tier}: Extract.typedArray leaves nothing behind (no pool entry, no reference)`, () => {
    Python.withGil((py) => {
      const a = py.eval("__import__('array').array('d', [1.5, 2.5])");
      // The buffer's marker borrows None: None's count is unchanged by an
      // extraction even in the stable tier, whose pool would keep a marker
      // (and its reference) until the scope ends (immortal from 3.12 on).
      const noneCount = (): number =>
        py.eval("__import__('sys').getrefcount(None)").extract(Extract.int);
      const before = noneCount();
      for (let i = 0; i < 1000; i++) {
        assert.equal(a.extract(Extract.typedArray(Float64Array))[1], 2.5);
        assert.equal(a.extract(Extract.shapedArray(Float64Array)).shape[0], 2);
      }
      assert.ok(Math.abs(noneCount() - before) < 10, `${noneCount() - before}`);
    });
  });

  Deno.test(`${tier}: Extract.typedArray copies array.array and memoryview items`, () => {
    Python.withGil((py) => {
      const a = py.eval("__import__('array').array('d', [1.5, -2.0, 3.25])");
      const before = liveResources();
      const x = a.extract(Extract.typedArray(Float64Array));
      assert.ok(x instanceof Float64Array);
      assert.deepEqual([...x], [1.5, -2, 3.25]);
      assert.equal(liveResources(), before, "the buffer is released at once");
      x[0] = 99; // a copy: Python does not see it
      assert.equal(a.getItem(0).toJs(), 1.5);
      py.eval("lambda a: a.append(4.0)").call1(a); // no export left
      const q = py.eval("__import__('array').array('q', [-(2**63), 5])");
      assert.deepEqual([...q.extract(Extract.typedArray(BigInt64Array))], [
        -(2n ** 63n),
        5n,
      ]);
      const rev = py.eval("memoryview(bytearray(range(6)))[::-2]");
      assert.deepEqual([...rev.extract(Extract.typedArray(Uint8Array))], [
        5,
        3,
        1,
      ]);
      const lists = py.eval(
        "[__import__('array').array('i', [i, i + 1]) for i in range(3)]",
      ).extract(Extract.list(Extract.typedArray(Int32Array)));
      assert.deepEqual(lists.map((v) => [...v]), [[0, 1], [1, 2], [2, 3]]);
    });
  });

  Deno.test(`${tier}: Extract.shapedArray gives { shape, data } in C order`, () => {
    Python.withGil((py) => {
      const m = py.eval(
        "memoryview(bytearray(__import__('struct').pack('6h', 0, 1, 2, 3, 4, 5))).cast('B').cast('h', (3, 2))",
      );
      const { shape, data } = m.extract(Extract.shapedArray(Int16Array));
      assert.deepEqual(shape, [3, 2]);
      assert.ok(data instanceof Int16Array);
      assert.deepEqual([...data], [0, 1, 2, 3, 4, 5]);
    });
  });

  Deno.test(`${tier}: Extract.typedArray errors: wrong item type, no buffer, not a TypedArray class`, () => {
    Python.withGil((py) => {
      const a = py.eval("__import__('array').array('i', [1])");
      throwsLike(
        () => a.extract(Extract.typedArray(Float64Array)),
        PyTypeError,
        /buffer format 'i' \(item size 4\) is viewed as Int32Array, not Float64Array/,
      );
      throwsLike(
        () => py.eval("[1.0, 2.0]").extract(Extract.typedArray(Float64Array)),
        PyTypeError,
        "a bytes-like object is required, not 'list'",
      );
      throwsLike(
        () => Extract.typedArray(Array as unknown as Float64ArrayConstructor),
        PyTypeError,
        /Extract.typedArray: expected a TypedArray class/,
      );
      py.eval("lambda a: a.append(2)").call1(a); // nothing left exported
    });
  });
}
