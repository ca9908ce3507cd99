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

function measure(name: string, body: () => number): Row {
  const rss0 = Deno.memoryUsage().rss;
  const t0 = performance.now();
  // RSS is sampled at the end of the GIL scope, before the pool is released.
  let rss1 = 0;
  const sum = body.call({ sample: () => (rss1 = Deno.memoryUsage().rss) });
  const ms = performance.now() - t0;
  return { name, ms, rssGrowthMB: (rss1 - rss0) / MB, sum };
}

function sample(this: unknown): void {
  (this as { sample(): void }).sample();
}

// Stable tier, without withPool: temporaries pile up in the scope's pool.
function poolNoWithPool(this: unknown): number {
  return PoolPython.withGil((py) => {
    const d = PyDict.fromEntries(py, { n: 3 });
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const key = py.eval !== undefined ? `k${i % 10}` : "";
      sum += d.getItem("n")!.extract(Extract.int) + key.length * 0;
      sum += py.builtins().getattr("len").call1(`item ${i}`).extract(
        Extract.int,
      );
    }
    sample.call(this);
    return sum;
  });
}

// Stable tier, with a nested pool per iteration.
function poolWithPool(this: unknown): number {
  return PoolPython.withGil((py) => {
    const d = PyDict.fromEntries(py, { n: 3 });
    const len = py.builtins().getattr("len");
    let sum = 0;
    for (let i = 0; i < N; i++) {
      py.withPool(() => {
        sum += d.getItem("n")!.extract(Extract.int);
        sum += len.call1(`item ${i}`).extract(Extract.int);
      });
    }
    sample.call(this);
    return sum;
  });
}

// Experimental tier: owned references released by `using`.
function owned(this: unknown): number {
  return OwnedPython.withGil((py) => {
    using d = PyDict.fromEntries(py, { n: 3 });
    using builtins = py.builtins();
    using len = builtins.getattr("len");
    let sum = 0;
    for (let i = 0; i < N; i++) {
      using n = d.getItem("n")!;
      using l = len.call1(`item ${i}`);
      sum += n.extract(Extract.int) + l.extract(Extract.int);
    }
    sample.call(this);
    return sum;
  });
}

// Warm up both tiers, then run the flat variants first so the growing one
// does not hand them its freed memory.
PoolPython.withGil((py) => py.eval("1"));
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
