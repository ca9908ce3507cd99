/**
 * SciPy: minimise an objective written in TypeScript. `scipy.optimize.minimize`
 * calls the plain JS function below from Python; its `x`, a NumPy ndarray,
 * arrives converted by `toJs()` (a JS array, as `x.tolist()`), and the number
 * it returns becomes a Python float. Needs `numpy` and `scipy`.
 *
 * Run: `deno task example:scipy`
 *
 * @module
 */

import { Extract, Python } from "../mod.ts";

let calls = 0;

/** The Rosenbrock function, minimum 0 at (1, 1). */
function rosenbrock([a, b]: number[]): number {
  calls++;
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
}

Python.withGil((py) => {
  const minimize = py.import("scipy.optimize").getattr("minimize");
  const result = minimize.call([rosenbrock, [-1.2, 1.0]], {
    method: "Nelder-Mead",
    options: { xatol: 1e-8, fatol: 1e-8 },
  });

  const x = result.getattr("x").callMethod0("tolist").extract(
    Extract.list(Extract.float),
  );
  const fun = result.getattr("fun").extract(Extract.float);
  const success = result.getattr("success").extract(Extract.bool);
  console.log(`success: ${success}, calls from Python into TS: ${calls}`);
  console.log(`x = [${x.map((v) => v.toFixed(6)).join(", ")}]`);
  console.log(`f(x) = ${fun.toExponential(3)}`);
  if (!success || Math.abs(x[0] - 1) > 1e-4 || Math.abs(x[1] - 1) > 1e-4) {
    throw new Error("minimize did not converge to (1, 1)");
  }
});
