// JS memory handed to Python without a copy (issue 14, item 2), both tiers:
// sharedArray's memoryview has the TypedArray's format and shape, writes are
// seen both ways, the memory outlives the program's array while Python holds
// it (JS gc() included), is let go once Python drops it, and cannot be
// detached under Python. numpy: tests/shared_array_numpy_test.ts.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const gc = (globalThis as { gc?: () => void }).gc;

const CASES: [string, unknown, string, number | bigint][] = [
  ["Float64Array", Float64Array, "d", 1.5],
  ["Float32Array", Float32Array, "f", 2.5],
  ["Int8Array", Int8Array, "b", -3],
  ["Uint8Array", Uint8Array, "B", 200],
  ["Int16Array", Int16Array, "h", -30000],
  ["Uint16Array", Uint16Array, "H", 60000],
  ["Int32Array", Int32Array, "i", -2_000_000_000],
  ["Uint32Array", Uint32Array, "I", 4_000_000_000],
  ["BigInt64Array", BigInt64Array, "q", -(2n ** 62n)],
  ["BigUint64Array", BigUint64Array, "Q", 2n ** 63n],
];

for (const t of TIERS) {
  const { sharedArray, sweepSharedArrays, PyTypeError } = t.api;

  Deno.test(`shared array (${t.name}): every TypedArray class: format, shape, item size, writes both ways`, () => {
    t.withGil((py) => {
      const g = py.eval("{}");
      for (const [name, cls, fmt, v] of CASES) {
        const { array, object } = sharedArray(
          py,
          cls as Float64ArrayConstructor,
          [2, 3],
        );
        g.setItem("m", object);
        assert.deepEqual(
          py.eval(
            "[m.format, list(m.shape), m.itemsize, m.readonly, m.nbytes]",
            g,
          )
            .toJs(),
          [
            fmt,
            [2, 3],
            array.BYTES_PER_ELEMENT,
            false,
            6 * array.BYTES_PER_ELEMENT,
          ],
          name,
        );
        (array as unknown as (number | bigint)[])[4] = v as never;
        assert.equal(
          py.eval("m[1, 1]", g).toJs(),
          v,
          `${name}: JS write seen in Python`,
        );
        py.run("m[0, 2] = m[1, 1]", g);
        assert.equal(array[2], v, `${name}: Python write seen in JS`);
      }
    });
  });

  Deno.test(`shared array (${t.name}): the memory outlives the program's array while Python holds it, and is let go after`, () => {
    const before = t.withGil(() => sweepSharedArrays());
    t.withGil((py) => {
      const { array, object } = sharedArray(py, Float64Array, 1000);
      array.fill(7);
      py.import("__main__").setattr("_sa_keep", object);
    });
    // The program's TypedArray is gone; a JS gc() must not free what Python reads.
    gc?.();
    gc?.();
    t.withGil((py) => {
      assert.equal(sweepSharedArrays(), before + 1, "held for Python");
      assert.equal(py.eval("sum(_sa_keep.tolist())").toJs(), 7000);
      py.run("_sa_keep[0] = 1.0\nv = memoryview(_sa_keep)[::2]\ndel _sa_keep");
      assert.equal(
        sweepSharedArrays(),
        before + 1,
        "a view of it still holds it",
      );
      py.run("del v\nimport gc\ngc.collect()");
      assert.equal(
        sweepSharedArrays(),
        before,
        "let go once Python dropped it",
      );
    });
  });

  Deno.test(`shared array (${t.name}): cannot be detached under Python; bad arguments are clear errors`, () => {
    t.withGil((py) => {
      const { array } = sharedArray(py, Uint8Array, 16);
      assert.throws(
        () => (array.buffer as ArrayBuffer).transfer(),
        (e: unknown) =>
          e instanceof TypeError && /not detachable/.test(String(e)),
      );
      assert.throws(
        () =>
          structuredClone(array.buffer, {
            transfer: [array.buffer as ArrayBuffer],
          }),
      );
      assert.equal(array.length, 16, "still attached");
      assert.throws(
        () => sharedArray(py, Array as unknown as Float64ArrayConstructor, 3),
        (e: unknown) =>
          e instanceof PyTypeError && /TypedArray class/.test(String(e)),
      );
      for (const bad of [-1, 1.5, [2, -3], [], 0, [3, 0]]) {
        assert.throws(
          () => sharedArray(py, Float64Array, bad as number[]),
          RangeError,
          JSON.stringify(bad),
        );
      }
      assert.throws(() => sharedArray(py, Float64Array, 2 ** 30), /4 GiB/);
    });
  });
}
