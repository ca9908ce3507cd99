/**
 * The same loop in both tiers, with its time and RSS growth:
 *
 * 1. stable tier, no `withPool`: every temporary stays alive in the
 *    `withGil` pool until the scope ends, so memory grows with the loop
 *    (PyO3 issue #1056);
 * 2. stable tier, `py.withPool` around the loop body: flat memory;
 * 3. experimental tier, `using`: each object is released at the end of its
 *    iteration, no pool at all.
 *
 * Run: `deno task example:pool_vs_owned` (`N=1000000` for a longer run).
 *
 * @module
 */

import { Extract, PyDict, Python as PoolPython } from "../mod.ts";
import { Python as OwnedPython } from "../experimental/mod.ts";

const N = Number(Deno.env.get("N") ?? 200_000);
const MB = 1024 * 1024;

interface Row {
  name: string;
  ms: number;
  rssGrowthMB: number;
  sum: number;
}

/** Runs `body`; it calls `atEnd()` just before its GIL scope ends. */
/** Collect JS garbage when run with `--v8-flags=--expose-gc` (the task does). */
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function measure(
  name: string,
  body: (n: number, atEnd: () => void) => number,
): Row {
  gc();
  const rss0 = Deno.memoryUsage().rss;
  let rss1 = rss0;
  const t0 = performance.now();
  const sum = body(N, () => {
    gc(); // only garbage goes; what a pool still holds stays
    rss1 = Deno.memoryUsage().rss;
  });
  const ms = performance.now() - t0;
  return { name, ms, rssGrowthMB: (rss1 - rss0) / MB, sum };
}

/** Stable tier, no withPool: temporaries pile up in the scope's pool. */
function poolNoWithPool(n: number, atEnd: () => void): number {
  return PoolPython.withGil((py) => {
    const d = PyDict.fromEntries(py, { n: 3 });
    const len = py.builtins().getattr("len");
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += d.getItem("n")!.extract(Extract.int);
      sum += len.call1(`item ${i}`).extract(Extract.int);
    }
    atEnd();
    return sum;
  });
}

/** Stable tier, the same loop with a nested pool per iteration. */
function poolWithPool(n: number, atEnd: () => void): number {
  return PoolPython.withGil((py) => {
    const d = PyDict.fromEntries(py, { n: 3 });
    const len = py.builtins().getattr("len");
    let sum = 0;
    for (let i = 0; i < n; i++) {
      py.withPool(() => {
        sum += d.getItem("n")!.extract(Extract.int);
        sum += len.call1(`item ${i}`).extract(Extract.int);
      });
    }
    atEnd();
    return sum;
  });
}

/** Experimental tier: owned references released by `using`. */
function owned(n: number, atEnd: () => void): number {
  return OwnedPython.withGil((py) => {
    using d = PyDict.fromEntries(py, { n: 3 });
    using builtins = py.builtins();
    using len = builtins.getattr("len");
    let sum = 0;
    for (let i = 0; i < n; i++) {
      using n = d.getItem("n")!;
      using l = len.call1(`item ${i}`);
      sum += n.extract(Extract.int) + l.extract(Extract.int);
    }
    atEnd();
    return sum;
  });
}

// Warm up every variant (JIT, V8 heap), then run the flat variants first so
// that the growing one cannot hand them memory it has already freed. Printed
// in the order of the list above.
for (const f of [owned, poolWithPool, poolNoWithPool]) f(N, () => {});
const rows = [
  measure("owned, using", owned),
  measure("pool, withPool per iteration", poolWithPool),
  measure("pool, no withPool", poolNoWithPool),
].reverse();

console.log(`${N} iterations, 2 Python calls each\n`);
console.table(
  rows.map((r) => ({
    variant: r.name,
    "time (ms)": Math.round(r.ms),
    "ns/iteration": Math.round((r.ms * 1e6) / N),
    "RSS growth (MB)": Number(r.rssGrowthMB.toFixed(1)),
  })),
);
if (new Set(rows.map((r) => r.sum)).size !== 1) {
  throw new Error("the three variants disagree");
}
