/**
 * Memory over a long loop, per ownership model: RSS, V8 heap and Python's
 * `sys.getallocatedblocks()` before and after 1,000,000 iterations that each
 * make a temporary Python object (`PyFloat.new`, then read it back), for
 *
 * - the stable tier without `py.withPool` (every temporary waits for the pool);
 * - the stable tier with `py.withPool` around each iteration;
 * - the experimental tier with `using` (released at once);
 * - the experimental tier without `using` (released when the scope ends);
 * - both tiers with the terminal idiom, `ident.call([x], undefined,
 *   Extract.float)`: no object is made, no `withPool` or `using` written.
 *
 * "after" is measured at the end of the loop, inside the GIL scope, before the
 * scope releases anything: that is the growth a long loop sees. Each variant
 * runs in its own `withGil` scope after a garbage collection, the flat ones
 * first (so a growing one cannot lend them memory it freed).
 *
 * ```sh
 * deno task bench:memory            # all six, 1,000,000 iterations
 * deno task bench:memory 200000     # fewer iterations
 * ```
 *
 * @module
 */

import * as P from "../mod.ts";
import * as O from "../experimental/mod.ts";

const ITERATIONS = Number(Deno.args[0] ?? 1_000_000);
const MB = 1024 * 1024;

/** One measurement. */
export interface MemoryRow {
  variant: string;
  rssMb: number;
  heapMb: number;
  pyBlocks: number;
  ms: number;
  /** Python blocks still allocated after the scope ended (should be ~0). */
  pyBlocksAfterScope: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function blocks(): number {
  return P.Python.withGil((py) => {
    const n = py.import("sys").callMethod0("getallocatedblocks").extract(
      P.Extract.int,
    );
    return n;
  });
}

/** Python blocks counted inside a scope (the count's own temporaries are released with `withPool`). */
function blocksInside(py: P.Python): number {
  return py.withPool(() =>
    py.import("sys").callMethod0("getallocatedblocks").extract(P.Extract.int)
  );
}

function blocksInsideOwned(py: O.Python): number {
  using sys = py.import("sys");
  using n = sys.callMethod0("getallocatedblocks");
  return n.extract(O.Extract.int);
}

interface Snapshot {
  rss: number;
  heap: number;
  blocks: number;
  t: number;
}

function snap(pyBlocks: number): Snapshot {
  gc();
  const m = Deno.memoryUsage();
  return {
    rss: m.rss,
    heap: m.heapUsed,
    blocks: pyBlocks,
    t: performance.now(),
  };
}

function row(
  variant: string,
  before: Snapshot,
  after: Snapshot,
  baseBlocks: number,
): MemoryRow {
  return {
    variant,
    rssMb: (after.rss - before.rss) / MB,
    heapMb: (after.heap - before.heap) / MB,
    pyBlocks: after.blocks - before.blocks,
    ms: after.t - before.t,
    pyBlocksAfterScope: blocks() - baseBlocks,
  };
}

/** Run the six variants. */
export function measureMemory(iterations = ITERATIONS): MemoryRow[] {
  const rows: MemoryRow[] = [];
  // Warm up both tiers (JIT, caches) so the first variant is not charged for it.
  P.Python.withGil((py) => {
    for (let i = 0; i < 20_000; i++) {
      py.withPool(() => P.PyFloat.new(py, i + 0.5).extract(P.Extract.float));
    }
  });
  O.Python.withGil((py) => {
    for (let i = 0; i < 20_000; i++) {
      using f = O.PyFloat.new(py, i + 0.5);
      f.extract(O.Extract.float);
    }
  });
  // The terminal variants' lambda, compiled once here (the code cache keeps
  // it), so neither variant is charged for the cache entry.
  P.Python.withGil((py) => py.eval("lambda x: x"));

  let sum = 0;
  {
    const base = blocks();
    rows.push(
      O.Python.withGil((py) => {
        const before = snap(blocksInsideOwned(py));
        for (let i = 0; i < iterations; i++) {
          using f = O.PyFloat.new(py, i + 0.5);
          sum += f.extract(O.Extract.float);
        }
        const after = snap(blocksInsideOwned(py));
        return () => row("owned, with `using`", before, after, base);
      })(),
    );
  }
  {
    const base = blocks();
    rows.push(
      P.Python.withGil((py) => {
        const before = snap(blocksInside(py));
        for (let i = 0; i < iterations; i++) {
          py.withPool(() => {
            sum += P.PyFloat.new(py, i + 0.5).extract(P.Extract.float);
          });
        }
        const after = snap(blocksInside(py));
        return () => row("pool, with `py.withPool`", before, after, base);
      })(),
    );
  }
  {
    const base = blocks();
    rows.push(
      P.Python.withGil((py) => {
        const before = snap(blocksInside(py));
        for (let i = 0; i < iterations; i++) {
          sum += P.PyFloat.new(py, i + 0.5).extract(P.Extract.float);
        }
        const after = snap(blocksInside(py));
        return () => row("pool, without `withPool`", before, after, base);
      })(),
    );
  }
  {
    const base = blocks();
    rows.push(
      O.Python.withGil((py) => {
        const before = snap(blocksInsideOwned(py));
        for (let i = 0; i < iterations; i++) {
          const f = O.PyFloat.new(py, i + 0.5);
          sum += f.extract(O.Extract.float);
        }
        const after = snap(blocksInsideOwned(py));
        return () => row("owned, without `using`", before, after, base);
      })(),
    );
  }
  // The terminal idiom (README, "Hot loops"): the float goes to Python as an
  // argument and comes back as a number; no object is made for either, so
  // neither `withPool` nor `using` is needed.
  {
    const base = blocks();
    rows.push(
      P.Python.withGil((py) => {
        const ident = py.eval("lambda x: x");
        const before = snap(blocksInside(py));
        for (let i = 0; i < iterations; i++) {
          sum += ident.call([i + 0.5], undefined, P.Extract.float);
        }
        const after = snap(blocksInside(py));
        return () =>
          row(
            "pool, terminal `call(args, kw, Extract.float)`",
            before,
            after,
            base,
          );
      })(),
    );
  }
  {
    const base = blocks();
    rows.push(
      O.Python.withGil((py) => {
        using ident = py.eval("lambda x: x");
        const before = snap(blocksInsideOwned(py));
        for (let i = 0; i < iterations; i++) {
          sum += ident.call([i + 0.5], undefined, O.Extract.float);
        }
        const after = snap(blocksInsideOwned(py));
        return () =>
          row(
            "owned, terminal `call(args, kw, Extract.float)`",
            before,
            after,
            base,
          );
      })(),
    );
  }
  if (sum === 0) throw new Error("unreachable");
  return rows;
}

/** The rows as a markdown table. */
export function memoryTable(
  rows: MemoryRow[],
  iterations = ITERATIONS,
): string {
  const f = (n: number) => (n >= 0 ? "+" : "") + n.toFixed(2);
  const out = [
    `| variant (${
      iterations.toLocaleString("en-US")
    } iterations) | RSS MB | V8 heap MB | Python blocks | Python blocks left after the scope | time ms |`,
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.variant} | ${f(r.rssMb)} | ${f(r.heapMb)} | ${
        r.pyBlocks >= 0 ? "+" : ""
      }${r.pyBlocks} | ${r.pyBlocksAfterScope} | ${r.ms.toFixed(0)} |`,
    );
  }
  return out.join("\n");
}

if (import.meta.main) {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.error(
      "note: run with --v8-flags=--expose-gc for stable heap numbers (deno task bench:memory does)",
    );
  }
  const rows = measureMemory();
  console.log(memoryTable(rows));
  const flat = rows.filter((r) =>
    r.variant === "owned, with `using`" ||
    r.variant === "pool, with `py.withPool`" ||
    r.variant.includes("terminal")
  );
  const ok = flat.every((r) => r.rssMb < 2);
  console.log(
    `\ntarget (owned with using, pool with withPool, terminal in both: RSS grows < 2 MB): ${
      ok ? "met" : "NOT met"
    }`,
  );
}
