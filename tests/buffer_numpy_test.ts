// PyBuffer (issue 14, item 1) over numpy arrays: C/F order, slices,
// transposes, every numeric dtype, writes both ways, release after the
// array is gone. Both tiers. Ignored (reported as such) where the loaded
// interpreter has no numpy; excluded from test:core by its name.

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";
import { throwsLike, type TierModule } from "./shared/suite.ts";

const TIERS: [string, TierModule][] = [
  ["stable", stable],
  ["owned", experimental as unknown as TierModule],
];

type Token = stable.Python;
type Any = stable.PyAny;

const hasNumpy = stable.Python.withGil((py) =>
  py.eval("__import__('importlib.util').util.find_spec('numpy') is not None")
    .isTruthy()
);

/** `lambda np, *a: <body>` called with numpy and `args`. */
function np(py: Token, body: string, ...args: unknown[]): Any {
  return py.eval(`lambda np, *a: ${body}`).call1(py.import("numpy"), ...args);
}

function refs(py: Token, o: Any): number {
  return py.import("sys").callMethod1("getrefcount", o).extract(
    stable.Extract.int,
  );
}

/** Python's flat list of `a` in `order` ("C" or "F"), as JS values. */
function flat(py: Token, a: Any, order: "C" | "F" = "C"): unknown[] {
  return np(py, "a[0].ravel(order=a[1]).tolist()", a, order)
    .toJs() as unknown[];
}

// [dtype, TypedArray class name, format]
const DTYPES: [string, string, string][] = [
  ["int8", "Int8Array", "b"],
  ["uint8", "Uint8Array", "B"],
  ["int16", "Int16Array", "h"],
  ["uint16", "Uint16Array", "H"],
  ["int32", "Int32Array", "i"],
  ["uint32", "Uint32Array", "I"],
  ["int64", "BigInt64Array", "l"],
  ["uint64", "BigUint64Array", "L"],
  ["longlong", "BigInt64Array", "q"],
  ["ulonglong", "BigUint64Array", "Q"],
  ["float16", "Float16Array", "e"],
  ["float32", "Float32Array", "f"],
  ["float64", "Float64Array", "d"],
  ["bool", "Uint8Array", "?"],
];

for (const [tier, M] of TIERS) {
  const { Python, PyBuffer } = M;
  const test = (name: string, fn: () => void) =>
    Deno.test({ name: `${tier}: numpy ${name}`, ignore: !hasNumpy, fn });

  test("C- and F-ordered 2-D arrays: shape, strides, contiguity, memory-order view", () => {
    Python.withGil((py) => {
      const c = np(py, "np.arange(12.0).reshape(3, 4)");
      using cb = PyBuffer.get(c);
      assert.deepEqual(cb.shape, [3, 4]);
      assert.deepEqual(cb.strides, [32, 8]);
      assert.equal(cb.format, "d");
      assert.ok(cb.isCContiguous() && !cb.isFContiguous());
      assert.deepEqual([...cb.view(Float64Array)], flat(py, c));

      const f = np(py, "np.asfortranarray(np.arange(12.0).reshape(3, 4))");
      using fb = PyBuffer.get(f);
      assert.deepEqual(fb.shape, [3, 4]);
      assert.deepEqual(fb.strides, [8, 24]);
      assert.ok(!fb.isCContiguous() && fb.isFContiguous());
      assert.deepEqual([...fb.view()], flat(py, f, "F")); // memory order
      assert.deepEqual([...fb.toTypedArray()], flat(py, f, "C"));
      assert.deepEqual([...fb.toTypedArray("F")], flat(py, f, "F"));
    });
  });

  test("sliced, transposed and reversed arrays: strides, no view, copies in C or F order", () => {
    Python.withGil((py) => {
      const cases = [
        "np.arange(60, dtype=np.int32).reshape(6, 10)[::2, 3:8]",
        "np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1)",
        "np.arange(10, dtype=np.int16)[::-1]",
        "np.arange(30, dtype=np.uint8).reshape(5, 6)[::-2, ::3]",
      ];
      for (const code of cases) {
        const a = np(py, code);
        using b = PyBuffer.get(a);
        const strides = np(py, "list(a[0].strides)", a).toJs();
        const shape = np(py, "list(a[0].shape)", a).toJs();
        assert.deepEqual(b.strides, strides, code);
        assert.deepEqual(b.shape, shape, code);
        assert.equal(
          b.isCContiguous(),
          np(py, "a[0].flags.c_contiguous", a).isTruthy(),
          code,
        );
        assert.equal(
          b.isFContiguous(),
          np(py, "a[0].flags.f_contiguous", a).isTruthy(),
          code,
        );
        if (!b.isCContiguous() && !b.isFContiguous()) {
          assert.throws(() => b.view(), /not contiguous/, code);
        }
        assert.deepEqual([...b.toTypedArray()], flat(py, a, "C"), code);
        assert.deepEqual([...b.toTypedArray("F")], flat(py, a, "F"), code);
      }
    });
  });

  test("every numeric dtype: format, TypedArray class, values (float16 as Float16Array)", () => {
    Python.withGil((py) => {
      for (const [dtype, cls, format] of DTYPES) {
        const a = np(
          py,
          "np.array([0, 1, 100, 127], dtype=a[0]) if a[0] != 'bool' else np.array([True, False, True], dtype=a[0])",
          dtype,
        );
        using b = PyBuffer.get(a);
        assert.equal(b.format, format, dtype);
        assert.equal(b.arrayType?.name, cls, dtype);
        const v = b.view();
        assert.equal(v.constructor.name, cls, dtype);
        const expected =
          (np(py, "a[0].astype(int).tolist()", a).toJs() as number[])
            .map((x) => cls.startsWith("Big") ? BigInt(x) : x);
        assert.deepEqual([...v], expected, dtype);
        assert.deepEqual([...b.toTypedArray()], expected, dtype);
      }
      // float16 rounding is numpy's: 0.1 in half precision
      using h = PyBuffer.get(
        np(py, "np.array([0.1, 65504, -np.inf], dtype=np.float16)"),
      );
      assert.deepEqual(
        [...h.view(Float16Array)],
        np(
          py,
          "a[0].astype(float).tolist()",
          np(py, "np.array([0.1, 65504, -np.inf], dtype=np.float16)"),
        )
          .toJs(),
      );
      // complex: two elements (real, imaginary) per item
      for (
        const [dtype, cls, size] of [["complex64", Float32Array, 8], [
          "complex128",
          Float64Array,
          16,
        ]] as const
      ) {
        using z = PyBuffer.get(
          np(py, "np.array([1+2j, -3.5-4j], dtype=a[0])", dtype),
        );
        assert.equal(z.itemSize, size);
        assert.equal(z.format, size === 8 ? "Zf" : "Zd");
        assert.deepEqual([...z.view(cls as Float64ArrayConstructor)], [
          1,
          2,
          -3.5,
          -4,
        ]);
        assert.deepEqual([...z.toTypedArray()], [1, 2, -3.5, -4]);
      }
      // long double has no TypedArray: a clear error naming the format
      using g = PyBuffer.get(np(py, "np.zeros(2, dtype=np.longdouble)"));
      assert.equal(g.arrayType, null);
      assert.throws(
        () => g.view(),
        /buffer format 'g' \(long double, item size 16\) has no TypedArray/,
      );
      assert.throws(() => g.toTypedArray(), /format 'g'/);
      // datetime64 refuses the buffer protocol itself
      throwsLike(
        () => PyBuffer.get(np(py, "np.zeros(2, dtype='datetime64[s]')")),
        PyValueError(M),
        /cannot include dtype 'M' in a buffer/,
      );
      // a 0-d array: ndim 0, one item
      using s = PyBuffer.get(np(py, "np.array(2.5)"));
      assert.equal(s.ndim, 0);
      assert.deepEqual(s.shape, []);
      assert.deepEqual([...s.view(Float64Array)], [2.5]);
      // an empty array
      using e = PyBuffer.get(np(py, "np.zeros((0, 3))"));
      assert.deepEqual([...e.view(Float64Array)], []);
      assert.deepEqual([...e.toTypedArray()], []);
    });
  });

  test("non-native byte order: no view, the copy converts", () => {
    Python.withGil((py) => {
      const a = np(py, "np.array([1, -2, 70000], dtype='>i4')");
      using b = PyBuffer.get(a);
      assert.equal(b.format, ">i");
      assert.throws(() => b.view(), /not in this machine's byte order/);
      assert.deepEqual([...b.toTypedArray(Int32Array)], [1, -2, 70000]);
      const d = np(py, "np.array([[1.5, 2.5], [3.5, 4.5]], dtype='>f8').T");
      using db = PyBuffer.get(d);
      assert.deepEqual([...db.toTypedArray()], [1.5, 3.5, 2.5, 4.5]);
    });
  });

  test("writes are seen both ways; read-only arrays refuse a writable request", () => {
    Python.withGil((py) => {
      const a = np(py, "np.zeros((2, 3))");
      using b = PyBuffer.get(a, { writable: true });
      const v = b.view(Float64Array);
      v[4] = 7.5;
      assert.equal(np(py, "float(a[0][1, 1])", a).toJs(), 7.5);
      np(py, "a[0].__setitem__((0, 2), -1.25)", a);
      assert.equal(v[2], -1.25);
      np(py, "a[0].__imul__(2)", a);
      assert.deepEqual([...v], [0, 0, -2.5, 0, 15, 0]);

      const ro = np(
        py,
        "(lambda x: (x.setflags(write=False), x)[1])(np.ones(3))",
      );
      throwsLike(
        () => PyBuffer.get(ro, { writable: true }),
        PyValueError(M),
        /read-only/,
      );
      using rb = PyBuffer.get(ro);
      assert.equal(rb.readonly, true);
      // a strided view into a writable base, through the view's buffer
      const sl = np(py, "a[0][:, ::2]", a);
      using sb = PyBuffer.get(sl, { writable: true });
      assert.deepEqual([...sb.toTypedArray()], [0, -2.5, 0, 0]);
    });
  });

  test("use after release throws and never crashes, also after the array is deleted and collected", () => {
    let escaped: Float64Array | null = null;
    Python.withGil((py) => {
      const n = 1_000_000;
      let weak: Any | null = null;
      const buf = ((): stable.PyBuffer => {
        const a = np(py, "np.arange(a[0], dtype=np.float64)", n);
        weak = py.import("weakref").callMethod1("ref", a);
        const b = PyBuffer.get(a);
        // owned: our last reference besides the buffer's goes now; stable: at scope end
        (a as { [Symbol.dispose](): void })[Symbol.dispose]();
        return b;
      })();
      np(py, "__import__('gc').collect()");
      const gone = () => np(py, "a[0]() is None", weak).isTruthy();
      assert.equal(gone(), false, "the buffer keeps the array");
      const v = buf.view(Float64Array);
      assert.equal(v.length, n);
      assert.equal(v[n - 1], n - 1); // the exporter is alive through the buffer
      buf.release();
      np(
        py,
        "[np.ones(a[0]) for _ in range(4)] and __import__('gc').collect()",
        n,
      );
      assert.equal(v.length, 0);
      assert.equal(v[n - 1], undefined);
      if (tier === "owned") {
        assert.equal(gone(), true, "the array was freed");
      }
      assert.throws(() => buf.view(), /released/);
      assert.throws(() => buf.toTypedArray(), /released/);
      // an array whose memory is freed at scope end: its view is detached first
      escaped = PyBuffer.get(np(py, "np.ones(a[0])", n)).view(Float64Array);
    });
    assert.equal(escaped!.length, 0);
    assert.equal(escaped![0], undefined);
    Python.withGil((py) => np(py, "__import__('gc').collect()"));
    assert.equal(escaped![0], undefined);
  });

  test("refcounts of the exporter return to what they were, in a loop too", () => {
    Python.withGil((py) => {
      const a = np(py, "np.zeros(4)");
      const before = refs(py, a);
      const b1 = PyBuffer.get(a);
      const b2 = PyBuffer.get(a, { writable: true });
      assert.equal(refs(py, a), before + 2);
      b1.release();
      assert.equal(refs(py, a), before + 1);
      b2[Symbol.dispose]();
      assert.equal(refs(py, a), before);
      for (let i = 0; i < 1000; i++) {
        using b = PyBuffer.get(a);
        b.view();
      }
      assert.equal(refs(py, a), before);
    });
  });
}

/** The tier's PyValueError class. */
function PyValueError(M: TierModule): typeof stable.PyValueError {
  return M.PyValueError;
}
