// toJs() of numpy arrays and scalars (issue 14, item 3), both tiers: an
// ndarray becomes nested arrays as its tolist() (typed arrays: PyBuffer),
// a scalar converts by its kind. Ignored where numpy is missing; excluded
// from test:core by its name.

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";
import { throwsLike, type TierModule } from "./shared/suite.ts";

const TIERS: [string, TierModule][] = [
  ["stable", stable],
  ["owned", experimental as unknown as TierModule],
];

const hasNumpy = stable.Python.withGil((py) =>
  py.eval("__import__('importlib.util').util.find_spec('numpy') is not None")
    .isTruthy()
);

for (const [tier, M] of TIERS) {
  const { Python, PyTypeError } = M;
  const test = (name: string, fn: () => void) =>
    Deno.test({ name: `${tier}: toJs ${name}`, ignore: !hasNumpy, fn });
  const ev = (py: stable.Python, code: string): unknown =>
    py.eval(`(lambda np: ${code})(__import__('numpy'))`).toJs();

  test("of ndarrays: nested arrays like tolist(), any shape, order, dtype", () => {
    Python.withGil((py) => {
      assert.deepEqual(ev(py, "np.arange(6).reshape(2, 3)"), [[0, 1, 2], [
        3,
        4,
        5,
      ]]);
      assert.deepEqual(ev(py, "np.arange(6.0).reshape(2, 3).T"), [[0, 3], [
        1,
        4,
      ], [2, 5]]);
      assert.deepEqual(ev(py, "np.array([True, False])"), [true, false]);
      assert.deepEqual(ev(py, "np.array([1.5, -2], dtype='>f4')"), [1.5, -2]);
      assert.deepEqual(ev(py, "np.array([2**63], dtype=np.uint64)"), [
        2n ** 63n,
      ]);
      assert.deepEqual(ev(py, "np.zeros((2, 0))"), [[], []]);
      assert.equal(ev(py, "np.array(3.5)"), 3.5); // 0-d: the scalar
      assert.deepEqual(ev(py, "[np.arange(3), {'k': np.ones(2)}]"), [
        [0, 1, 2],
        new Map([["k", [1, 1]]]),
      ]);
      assert.deepEqual(
        ev(py, "type('Sub', (np.ndarray,), {})((2,), dtype=np.int8) * 0"),
        [0, 0],
      );
    });
  });

  test("of numpy scalars: by kind (np.bool_ is a boolean, not 1)", () => {
    Python.withGil((py) => {
      assert.equal(ev(py, "np.bool_(True)"), true);
      assert.equal(ev(py, "np.bool_(False)"), false);
      assert.equal(ev(py, "np.int8(-5)"), -5);
      assert.equal(ev(py, "np.uint32(4000000000)"), 4000000000);
      assert.equal(ev(py, "np.int64(2**62)"), 2n ** 62n);
      assert.equal(ev(py, "np.uint64(2**64 - 1)"), 2n ** 64n - 1n);
      assert.equal(ev(py, "np.float16(0.5)"), 0.5);
      assert.equal(ev(py, "np.float32(1.25)"), 1.25);
      assert.equal(ev(py, "np.float64(-0.0)"), -0);
      assert.equal(ev(py, "np.str_('hi')"), "hi");
      assert.deepEqual(ev(py, "np.bytes_(b'ab')"), new Uint8Array([97, 98]));
      // complex has no JS equivalent: the error names it
      throwsLike(
        () => ev(py, "np.complex128(1j)"),
        PyTypeError,
        /'complex' object has no JS equivalent/,
      );
      throwsLike(
        () => ev(py, "np.array([1j])"),
        PyTypeError,
        /'complex' object has no JS equivalent/,
      );
    });
  });
}

for (const [tier, M] of TIERS) {
  const { Python, Extract } = M;
  Deno.test({
    name:
      `${tier}: Extract.typedArray/shapedArray of numpy arrays (any order, strides)`,
    ignore: !hasNumpy,
    fn() {
      Python.withGil((py) => {
        const np = (c: string) =>
          py.eval(`(lambda np: ${c})(__import__('numpy'))`);
        const t = np("np.arange(6.0).reshape(2, 3).T");
        assert.deepEqual([...t.extract(Extract.typedArray(Float64Array))], [
          0,
          3,
          1,
          4,
          2,
          5,
        ]);
        const s = np("np.arange(12, dtype=np.int32).reshape(3, 4)[::2, 1::2]")
          .extract(Extract.shapedArray(Int32Array));
        assert.deepEqual(s.shape, [2, 2]);
        assert.deepEqual([...s.data], [1, 3, 9, 11]);
        const h = np("np.array([0.5, 2], dtype=np.float16)").extract(
          Extract.typedArray(Float16Array),
        );
        assert.deepEqual([...h], [0.5, 2]);
      });
    },
  });
}
