// PyBuffer (issue 14, item 1) on the exporters every CPython has: bytes,
// bytearray, memoryview, array.array. Both tiers, through the public API.
// numpy cases are in buffer_numpy_test.ts (excluded from test:core).

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";
import { liveResources } from "../src/core/gil.ts";
import { throwsLike, type TierModule } from "./shared/suite.ts";

const TIERS: [string, TierModule][] = [
  ["stable", stable],
  ["owned", experimental as unknown as TierModule],
];

type Token = stable.Python;
type Any = stable.PyAny;

/** `sys.getrefcount(o)` (the same call before and after, so its own temporaries cancel out). */
function refs(py: Token, o: Any): number {
  return py.import("sys").callMethod1("getrefcount", o).extract(
    stable.Extract.int,
  );
}

/** A Python function from a lambda expression. */
function fn(py: Token, lambda: string): Any {
  return py.eval(lambda);
}

const ARRAY_CODES: [string, unknown[], string][] = [
  ["b", [-128, 0, 127], "Int8Array"],
  ["B", [0, 1, 255], "Uint8Array"],
  ["h", [-32768, 7, 32767], "Int16Array"],
  ["H", [0, 7, 65535], "Uint16Array"],
  ["i", [-(2 ** 31), 7, 2 ** 31 - 1], "Int32Array"],
  ["I", [0, 7, 2 ** 32 - 1], "Uint32Array"],
  ["q", [-(2n ** 63n), 7n, 2n ** 63n - 1n], "BigInt64Array"],
  ["Q", [0n, 7n, 2n ** 64n - 1n], "BigUint64Array"],
  ["f", [-1.5, 0, 2.25], "Float32Array"],
  ["d", [-1.5, 1e300, Math.PI], "Float64Array"],
];

for (const [tier, M] of TIERS) {
  const { Python, PyBuffer, PyBufferError, PyTypeError } = M;

  Deno.test(`${tier}: PyBuffer of bytes is read-only, zero-copy, format B`, () => {
    Python.withGil((py) => {
      const b = py.eval("b'hello'");
      const before = refs(py, b);
      const buf = PyBuffer.get(b);
      assert.equal(refs(py, b), before + 1); // Py_buffer.obj
      assert.equal(buf.readonly, true);
      assert.equal(buf.format, "B");
      assert.equal(buf.itemSize, 1);
      assert.equal(buf.ndim, 1);
      assert.deepEqual(buf.shape, [5]);
      assert.deepEqual(buf.strides, [1]);
      assert.equal(buf.byteLength, 5);
      assert.equal(buf.itemCount, 5);
      assert.ok(buf.isCContiguous() && buf.isFContiguous());
      assert.equal(buf.arrayType, Uint8Array);
      const v = buf.view(Uint8Array);
      assert.equal(new TextDecoder().decode(v), "hello");
      assert.equal(buf.view(), v, "view() returns the same TypedArray");
      // zero-copy: the view starts at the bytes object's own storage
      const addr = fn(
        py,
        "lambda b: __import__('ctypes').cast(b, __import__('ctypes').c_void_p).value",
      )
        .call1(b).extract(stable.Extract.int);
      assert.equal(
        Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(v))),
        addr,
      );
      buf.release();
      assert.equal(refs(py, b), before);
      assert.equal(v.length, 0);
      throwsLike(
        () => PyBuffer.get(b, { writable: true }),
        PyBufferError,
        /not writable/,
      );
      assert.equal(refs(py, b), before);
    });
  });

  Deno.test(`${tier}: PyBuffer of bytearray: writes are seen both ways; resizing is refused while exported`, () => {
    Python.withGil((py) => {
      const ba = py.eval("bytearray(b'abc')");
      const buf = PyBuffer.get(ba, { writable: true });
      assert.equal(buf.readonly, false);
      const v = buf.view(Uint8Array);
      v[0] = 0x41;
      assert.deepEqual(ba.toJs(), new TextEncoder().encode("Abc"));
      fn(py, "lambda b: b.__setitem__(2, 0x5a)").call1(ba);
      assert.equal(v[2], 0x5a);
      throwsLike(
        () => fn(py, "lambda b: b.extend(b'123')").call1(ba),
        PyBufferError,
        /cannot be re-sized/,
      );
      // the caught error's traceback holds the lambda's frame, which holds ba
      const held = refs(py, ba);
      buf[Symbol.dispose]();
      assert.equal(refs(py, ba), held - 1);
      buf[Symbol.dispose](); // idempotent
      assert.equal(v.length, 0);
      assert.equal(v[0], undefined);
      fn(py, "lambda b: b.extend(b'123')").call1(ba); // no export left
      assert.equal(ba.len(), 6);
    });
  });

  Deno.test(`${tier}: PyBuffer of memoryviews: cast shapes, strided slices copy`, () => {
    Python.withGil((py) => {
      const m = py.eval(
        "memoryview(bytearray(__import__('struct').pack('6i', 0, 1, 2, 3, 4, 5))).cast('B').cast('i', (2, 3))",
      );
      using buf = PyBuffer.get(m);
      assert.equal(buf.format, "i");
      assert.deepEqual(buf.shape, [2, 3]);
      assert.deepEqual(buf.strides, [12, 4]);
      assert.ok(buf.isCContiguous() && !buf.isFContiguous());
      assert.deepEqual([...buf.view(Int32Array)], [0, 1, 2, 3, 4, 5]);
      assert.deepEqual([...buf.toTypedArray("F")], [0, 3, 1, 4, 2, 5]);

      const s = py.eval("memoryview(bytearray(range(10)))[::-3]");
      using sb = PyBuffer.get(s);
      assert.deepEqual(sb.strides, [-3]);
      assert.ok(!sb.isCContiguous() && !sb.isFContiguous());
      assert.throws(
        () => sb.view(),
        /not contiguous .*strides \[-3\].*toTypedArray/,
      );
      assert.deepEqual([...sb.toTypedArray()], [9, 6, 3, 0]);
      assert.deepEqual(
        [...sb.toTypedArray()],
        s.callMethod0("tolist").toJs(),
      );
    });
  });

  Deno.test(`${tier}: PyBuffer of array.array for every typecode`, () => {
    Python.withGil((py) => {
      for (const [code, values, cls] of ARRAY_CODES) {
        const a = fn(py, "lambda t, v: __import__('array').array(t, v)").call1(
          code,
          values,
        );
        using buf = PyBuffer.get(a, { writable: true });
        assert.equal(buf.format, code);
        assert.equal(buf.arrayType?.name, cls, code);
        const v = buf.view();
        assert.equal(v.constructor.name, cls);
        assert.deepEqual([...v], values, code);
        assert.deepEqual([...buf.toTypedArray()], values, code);
        v[1] = typeof values[1] === "bigint" ? 42n : 42;
        assert.equal(String(a.getItem(1).toJs()), "42", code);
        throwsLike(
          () => a.callMethod1("append", values[0]),
          PyBufferError,
          "cannot resize an array that is exporting buffers",
        );
      }
      // 'l'/'L' are C longs: 8 bytes on LP64, so BigInt64Array/BigUint64Array
      using l = PyBuffer.get(py.eval("__import__('array').array('l', [-5])"));
      assert.equal(l.itemSize, 8);
      assert.deepEqual([...l.view(BigInt64Array)], [-5n]);
    });
  });

  Deno.test(`${tier}: PyBuffer errors: no buffer protocol, wrong view class, unaligned, unsupported format`, () => {
    Python.withGil((py) => {
      throwsLike(
        () => PyBuffer.get(py.eval("42")),
        PyTypeError,
        "a bytes-like object is required, not 'int'",
      );
      using d = PyBuffer.get(py.eval("__import__('array').array('d', [1.0])"));
      throwsLike(
        () => d.view(Int32Array),
        PyTypeError,
        "PyBuffer.view: buffer format 'd' (item size 8) is viewed as Float64Array, not Int32Array",
      );
      // 16 bytes starting one byte into a bytearray: not 8-aligned
      const u = py.eval(
        "(lambda b: (__import__('struct').pack_into('<2d', b, 1, 1.5, -2.5), memoryview(b)[1:].cast('d'))[1])(bytearray(17))",
      );
      using ub = PyBuffer.get(u);
      assert.throws(() => ub.view(), /not aligned to 8 bytes/);
      assert.deepEqual([...ub.toTypedArray(Float64Array)], [1.5, -2.5]);
      // a structured format has no TypedArray; the error names the format
      const st = py.eval(
        "(lambda c: memoryview((type('S', (c.Structure,), {'_fields_': [('a', c.c_int), ('b', c.c_double)]}) * 2)()))(__import__('ctypes'))",
      );
      using sb = PyBuffer.get(st);
      assert.equal(sb.arrayType, null);
      assert.match(sb.format, /^T\{/);
      assert.throws(
        () => sb.view(),
        new RegExp(
          `buffer format '${
            sb.format.replace(/[{}]/g, "\\$&")
          }' .*no TypedArray`,
        ),
      );
      assert.throws(() => sb.toTypedArray(), /no TypedArray/);
      assert.throws(
        () => d.toTypedArray("X" as "C"),
        /order must be "C" or "F"/,
      );
    });
  });

  Deno.test(`${tier}: PyBuffer is released at scope end; every view is detached; refcounts return`, () => {
    let view: Uint8Array | null = null;
    let kept: stable.PyBuffer | null = null;
    const base = liveResources();
    Python.withGil((py) => {
      const ba = py.eval("bytearray(b'xyz')");
      py.import("__main__").setattr("_buf_keep", ba);
      kept = PyBuffer.get(ba);
      view = kept.view() as Uint8Array;
      assert.equal(view.length, 3);
      assert.equal(kept.released, false);
    });
    assert.equal(liveResources(), base);
    assert.equal(kept!.released, true);
    assert.equal(view!.length, 0);
    assert.equal(view![0], undefined);
    assert.throws(
      () => kept!.view(),
      /released \(its Python.withGil scope ended|released \(the pool it was acquired in ended/,
    );
    assert.throws(() => kept!.toTypedArray(), /released/);
    assert.deepEqual(kept!.shape, [3]); // metadata stays readable
    kept![Symbol.dispose](); // no GIL needed once released
    Python.withGil((py) => {
      const ba = py.import("__main__").getattr("_buf_keep");
      // sys.getrefcount: __main__ attribute + the argument + this wrapper's ref
      const n = fn(
        py,
        "lambda: __import__('sys').getrefcount(__import__('__main__')._buf_keep)",
      ).call0()
        .extract(stable.Extract.int);
      assert.equal(n, 3);
      fn(py, "lambda b: b.extend(b'!')").call1(ba); // export released
      py.import("__main__").delattr("_buf_keep");
    });
  });

  Deno.test(`${tier}: PyBuffer of an object Python has dropped stays valid until release, then detaches`, () => {
    Python.withGil((py) => {
      const mk = fn(py, "lambda: bytearray(b'live data')");
      const buf = ((): stable.PyBuffer => {
        const tmp = mk.call0();
        const b = PyBuffer.get(tmp);
        (tmp as { [Symbol.dispose](): void })[Symbol.dispose](); // owned: dropped now; stable: pool keeps it
        return b;
      })();
      py.import("gc").callMethod0("collect");
      const v = buf.view(Uint8Array);
      assert.equal(new TextDecoder().decode(v), "live data");
      buf.release();
      assert.equal(v.length, 0);
      py.import("gc").callMethod0("collect");
      assert.equal(v[0], undefined);
      assert.throws(() => buf.view(), /released \(release\(\)/);
    });
  });

  Deno.test(`${tier}: PyBuffer release needs the GIL and says so; the buffer stays usable`, () => {
    Python.withGil((py) => {
      const buf = PyBuffer.get(py.eval("b'abc'"));
      const v = buf.view();
      assert.throws(
        () => py.allowThreads(() => buf.release()),
        /without the GIL/,
      );
      assert.equal(v.length, 3);
      buf.release();
      assert.equal(v.length, 0);
    });
  });

  Deno.test(`${tier}: a PyBuffer whose ArrayBuffer the user transferred away is never released (memory stays valid)`, () => {
    Python.withGil((py) => {
      const ba = py.eval("bytearray(b'keep')");
      const before = refs(py, ba);
      const buf = PyBuffer.get(ba);
      const moved = buf.view().buffer.transfer(); // same memory, out of our reach
      buf.release();
      assert.equal(new TextDecoder().decode(new Uint8Array(moved)), "keep");
      assert.equal(refs(py, ba), before + 1, "the export is kept for good");
      throwsLike(
        () => fn(py, "lambda b: b.extend(b'!')").call1(ba),
        PyBufferError,
        /cannot be re-sized/,
      );
    });
  });

  Deno.test(`${tier}: a PyBuffer made inside a Python callback is released when the callback returns`, () => {
    Python.withGil((py) => {
      let inner: Uint8Array | null = null;
      const f = stable.pyfunction(py, "f(x)", ({ x }) => {
        inner = PyBuffer.get(x).view() as Uint8Array;
        return inner.length;
      });
      const ba = py.eval("bytearray(8)");
      assert.equal(fn(py, "lambda f, b: f(b)").call1(f, ba).toJs(), 8);
      assert.equal(inner!.length, 0);
      fn(py, "lambda b: b.extend(b'!')").call1(ba);
    });
  });
}

Deno.test("stable: a PyBuffer is released when its withPool ends; a loop stays flat", () => {
  stable.Python.withGil((py) => {
    const ba = py.eval("bytearray(64)");
    const base = liveResources();
    let v: Uint8Array | null = null;
    py.withPool(() => {
      v = stable.PyBuffer.get(ba).view() as Uint8Array;
      assert.equal(liveResources(), base + 1);
    });
    assert.equal(v!.length, 0);
    assert.equal(liveResources(), base);
    for (let i = 0; i < 20_000; i++) {
      py.withPool(() => stable.PyBuffer.get(ba).view()[0]);
    }
    assert.equal(liveResources(), base);
    fn(py, "lambda b: b.extend(b'!')").call1(ba);
  });
});

Deno.test("owned: `using` PyBuffer in a loop releases at once: flat, no export left", () => {
  experimental.Python.withGil((py) => {
    const ba = py.eval("bytearray(64)");
    const before = refs(py as unknown as Token, ba as unknown as Any);
    const base = liveResources();
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      using b = experimental.PyBuffer.get(ba, { writable: true });
      const v = b.view(Uint8Array);
      v[0] = i & 0xff;
      sum += v[0];
      assert.equal(liveResources(), base + 1);
    }
    assert.ok(sum > 0);
    assert.equal(liveResources(), base);
    assert.equal(refs(py as unknown as Token, ba as unknown as Any), before);
    ba.callMethod1("extend", new Uint8Array([1]));
  });
});

for (const [tier, M] of TIERS) {
  Deno.test(`${tier}: 3,000 fresh 1 MiB exporters, each viewed and released: RSS stays flat`, () => {
    M.Python.withGil((py) => {
      const make = py.eval("lambda: bytearray(1 << 20)");
      const once = (): number => {
        // pool: a withPool per iteration; owned: dispose both at once
        const run = (): number => {
          const ba = make.call0();
          const b = M.PyBuffer.get(ba, { writable: true });
          const v = b.view(Uint8Array);
          v[v.length - 1] = 1;
          const n = v.length;
          b.release();
          ba[Symbol.dispose]();
          return n;
        };
        return py.withPool ? py.withPool(run) : run();
      };
      for (let i = 0; i < 300; i++) once(); // warm up the allocators
      const rss0 = Deno.memoryUsage().rss;
      let total = 0;
      for (let i = 0; i < 3000; i++) total += once();
      const grown = (Deno.memoryUsage().rss - rss0) / 2 ** 20;
      assert.equal(total, 3000 * 2 ** 20);
      // a leaked export would keep every 1 MiB bytearray: ~3,000 MiB
      assert.ok(grown < 64, `RSS grew by ${grown.toFixed(1)} MiB`);
    });
  });
}
