/**
 * Zero-copy both ways with numpy: a 10M-element Float64Array built in TS is
 * handed to numpy without a copy (`sharedArray`), numpy computes a 2-D
 * result, and TS reads it back through a view of numpy's own memory
 * (`PyBuffer`), again without a copy.
 *
 * Run: deno task example:numpy_shared
 *
 * @module
 */

import { PyBuffer, Python, sharedArray } from "../mod.ts";

const N = 10_000_000;

Python.withGil((py) => {
  const g = py.eval("{}");
  py.run("import numpy as np", g);

  // 1. 10M floats, written in TS, in memory numpy will use as is.
  const t0 = performance.now();
  const { array, object } = sharedArray(py, Float64Array, N);
  for (let i = 0; i < N; i++) array[i] = Math.sin(i / 1000);
  g.setItem("samples", object);
  py.run("x = np.asarray(samples)", g); // no copy: numpy's data is `array`
  const same = py.eval(
    "x.__array_interface__['data'][0]",
    g,
  ).toJs() === Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(array)));
  console.log(`numpy sees the TS memory itself: ${same}`);

  // 2. numpy computes: a 2-D histogram of (x[i], x[i+1]) pairs, 4 x 4 bins.
  // (histogram2d returns a strided slice: a view needs contiguous memory.)
  py.run(
    "h, _, _ = np.histogram2d(x[:-1], x[1:], bins=4, range=[[-1, 1], [-1, 1]])\n" +
      "h = np.ascontiguousarray(h)",
    g,
  );

  // 3. TS reads the 2-D result through a view of numpy's memory.
  using buf = PyBuffer.get(py.eval("h", g));
  const view = buf.view() as Float64Array;
  const [rows, cols] = buf.shape;
  console.log(
    `result: ${rows} x ${cols} ${buf.format} (strides ${buf.strides})`,
  );
  for (let r = 0; r < rows; r++) {
    const row = Array.from(view.subarray(r * cols, (r + 1) * cols));
    console.log(row.map((v) => String(v).padStart(8)).join(""));
  }
  const total = view.reduce((a, b) => a + b, 0);
  console.log(`pairs counted: ${total} of ${N - 1}`);

  // Writes are shared too: numpy sees a change made in TS.
  array[0] = 42;
  console.log(`x[0] in numpy after a TS write: ${py.eval("x[0]", g).toJs()}`);
  console.log(`done in ${(performance.now() - t0).toFixed(0)} ms`);
});
