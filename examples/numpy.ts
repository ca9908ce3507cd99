/**
 * NumPy: build an array from TypeScript data, compute with it, and read the
 * result back. Needs `numpy` importable by the embedded interpreter.
 *
 * Run: `deno task example:numpy`
 *
 * @module
 */

import { Extract, Python } from "../mod.ts";

const samples = [2.5, 3.1, 4.7, 1.2, 5.9, 3.3];
const matrix = [[1, 2], [3, 4]];

Python.withGil((py) => {
  const np = py.import("numpy");

  // TS array -> Python list -> ndarray (keyword argument `dtype`).
  const a = np.getattr("array").call([samples], { dtype: "float64" });
  console.log("array:", a.str());

  // Compute: methods and numpy functions; results come back as numpy scalars.
  const mean = a.callMethod0("mean").extract(Extract.float);
  const std = np.callMethod1("std", a).extract(Extract.float);
  console.log(`mean = ${mean.toFixed(4)}, std = ${std.toFixed(4)}`);

  // Element-wise arithmetic through the operator dunders.
  const scaled = a.callMethod1("__mul__", 10).callMethod1("__add__", 1);
  // ndarray.tolist() converts to plain Python floats, then toJs() to JS.
  console.log("a * 10 + 1 =", scaled.callMethod0("tolist").toJs());

  // Linear algebra: solve M x = b, read x back with a typed extractor.
  const m = np.getattr("array").call1(matrix);
  const x = np.getattr("linalg").callMethod1("solve", m, [5, 6]);
  const solution = x.callMethod0("tolist").extract(Extract.list(Extract.float));
  console.log("solve([[1, 2], [3, 4]], [5, 6]) =", solution);
  console.log("shape:", m.getattr("shape").toJs());

  // Raw bytes: ndarray.tobytes() arrives as a Uint8Array; view it as f64.
  const bytes = a.callMethod0("tobytes").extract(Extract.bytes);
  const view = new Float64Array(bytes.slice().buffer); // copy: 8-byte aligned
  console.log("tobytes() as Float64Array:", Array.from(view));
});
