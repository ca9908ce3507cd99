/**
 * `PyBuffer` (issue 14): the cost of a zero-copy view, and reading numpy
 * data through it against the copy paths and numpy itself.
 *
 * - `buffer view`: `withGil` + `PyBuffer.get` + `view()` + release, for a
 *   1K and a 10M element float64 array, in both tiers: O(1) in the size.
 * - `sum 10M float64`: summing in TypeScript over a plain `Float64Array`
 *   (baseline), over the view (acquired and released in the iteration),
 *   over `toTypedArray()` (a copy), over today's `tolist()` + `toJs()` copy,
 *   and numpy's own `arr.sum()` called from TypeScript.
 *
 * Needs numpy for the loaded interpreter; without it every case is ignored.
 *
 * @module
 */

import { O, P } from "./_common.ts";

const hasNumpy = P.Python.withGil((py) =>
  py.eval("__import__('importlib.util').util.find_spec('numpy') is not None")
    .isTruthy()
);

const BIG = 10_000_000;
const SMALL = 1_000;

/** The arrays, made once and kept as GIL-independent references. */
const arrays = new Map<string, P.Py>();
if (hasNumpy) {
  P.Python.withGil((py) => {
    const np = py.import("numpy");
    for (const [name, n] of [["small", SMALL], ["big", BIG]] as const) {
      const a = np.callMethod("arange", [n], { dtype: np.getattr("float64") });
      arrays.set(name, P.Py.from(a));
    }
  });
}
/** The array called `name`, bound to `py` (owned by its tier). */
function arr(py: P.Python | O.Python, name: string): P.PyAny {
  return arrays.get(name)!.bind(py);
}

/** A JS-allocated Float64Array with the same contents. */
const plain = new Float64Array(BIG);
for (let i = 0; i < BIG; i++) plain[i] = i;

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function sumArray(a: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

const EXPECTED = (BIG - 1) * BIG / 2;
let sink = 0;
function check(s: number): void {
  if (s !== EXPECTED) throw new Error(`wrong sum ${s}, expected ${EXPECTED}`);
  sink += s;
}

for (const [label, name] of [["1K", "small"], ["10M", "big"]]) {
  Deno.bench({
    name: `view ${label}/pool`,
    group: "buffer view (get + view + release)",
    baseline: label === "1K",
    ignore: !hasNumpy,
    fn: () => {
      P.Python.withGil((py) => {
        using b = P.PyBuffer.get(arr(py, name));
        sink += b.view(Float64Array).length;
      });
    },
  });
  Deno.bench({
    name: `view ${label}/owned`,
    group: "buffer view (get + view + release)",
    ignore: !hasNumpy,
    fn: () => {
      O.Python.withGil((py) => {
        using a = arr(py, name);
        using b = O.PyBuffer.get(a);
        sink += b.view(Float64Array).length;
      });
    },
  });
}

const SUM = "sum 10M float64";

Deno.bench({
  name: "plain Float64Array (JS memory)",
  group: SUM,
  baseline: true,
  ignore: !hasNumpy,
  fn: () => check(sum(plain)),
});

Deno.bench({
  name: "PyBuffer view (get + sum + release)",
  group: SUM,
  ignore: !hasNumpy,
  fn: () => {
    P.Python.withGil((py) => {
      using b = P.PyBuffer.get(arr(py, "big"));
      check(sum(b.view(Float64Array)));
    });
  },
});

Deno.bench({
  name: "numpy arr.sum() from TS",
  group: SUM,
  ignore: !hasNumpy,
  fn: () => {
    P.Python.withGil((py) => {
      check(arr(py, "big").callMethod0("sum").extract(P.Extract.float));
    });
  },
});

Deno.bench({
  name: "PyBuffer toTypedArray() copy + sum",
  group: SUM,
  ignore: !hasNumpy,
  n: 5,
  warmup: 1,
  fn: () => {
    P.Python.withGil((py) => {
      using b = P.PyBuffer.get(arr(py, "big"));
      check(sum(b.toTypedArray(Float64Array)));
    });
  },
});

Deno.bench({
  name: "tolist() + toJs() copy + sum (before buffers)",
  group: SUM,
  ignore: !hasNumpy,
  n: 3,
  warmup: 1,
  fn: () => {
    P.Python.withGil((py) => {
      const l = arr(py, "big").callMethod0("tolist");
      check(sumArray(l.toJs() as number[]));
    });
  },
});

// --- TS -> numpy hand-off (issue 14, item 2) ----------------------------------------
//
// `numpy.asarray` of a `sharedArray`'s memoryview, 1K and 10M float64 (O(1):
// numpy uses the JS memory as is), against handing a filled 10M Float64Array
// over today's way (converted to a Python list, which numpy then copies);
// and the allocation itself (a WebAssembly.Memory of the size), 1K and 10M.
const npAsarray = hasNumpy
  ? P.Python.withGil((py) => P.Py.from(py.import("numpy").getattr("asarray")))
  : null;
const shared = new Map<number, P.Py>();
if (hasNumpy) {
  P.Python.withGil((py) => {
    for (const n of [SMALL, BIG]) {
      const { array, object } = P.sharedArray(py, Float64Array, n);
      array.fill(1);
      shared.set(n, P.Py.from(object));
    }
  });
}
for (const [name, n] of [["1K", SMALL], ["10M", BIG]] as const) {
  Deno.bench({
    name: `np.asarray(sharedArray memoryview), ${name} float64`,
    group: "TS -> numpy hand-off",
    baseline: n === SMALL,
    ignore: !hasNumpy,
    fn() {
      P.Python.withGil((py) => {
        sink += npAsarray!.bind(py).call1(shared.get(n)!.bind(py)).len();
      });
    },
  });
}
Deno.bench({
  name: "np.asarray(Float64Array), 10M: list conversion + copy",
  group: "TS -> numpy hand-off",
  ignore: !hasNumpy,
  n: 3,
  fn() {
    P.Python.withGil((py) => {
      sink += npAsarray!.bind(py).call1(plain).len();
    });
  },
});
for (const [name, n] of [["1K", SMALL], ["10M", BIG]] as const) {
  Deno.bench({
    name: `sharedArray allocation, ${name} float64`,
    group: "sharedArray allocation",
    baseline: n === SMALL,
    fn() {
      P.Python.withGil((py) => {
        sink += P.sharedArray(py, Float64Array, n).array.length;
      });
    },
  });
}
