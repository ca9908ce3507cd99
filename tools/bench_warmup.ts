/**
 * Warm-up cliff and flatness for issue 13's workloads (`bench/_workloads.ts`):
 *
 * - for each workload's raw floor (V8's own warm-up: the FFI fast path exists
 *   only in TurboFan code) and its pool, owned (`using`), owned-use (`x.use(f)`,
 *   where the workload makes objects per operation) and owned-dispose idiom, in a
 *   fresh process each (so the first operations really are the first): the
 *   time per operation of the first 100,000 operations against the steady
 *   state (the median of 100,000-operation batches 6 to 10); target: at most
 *   1.5x;
 * - for the temporaries workload (a new int and a new str per operation),
 *   1,000,000 operations in one GIL scope per idiom: RSS growth and Python's
 *   `sys.getallocatedblocks()` growth, measured inside the scope before it
 *   releases anything; target: < 2 MB RSS and 0 Python blocks.
 *
 * Each measurement runs in a child process (killed after a timeout), one
 * after the other; the machine is shared, so the ratios are the result, not
 * the absolute times.
 *
 * ```sh
 * deno task bench:warmup                       # every workload, all idioms
 * deno task bench:warmup --only dict_build_read,call_noargs
 * ```
 *
 * @module
 */

import { runCommand } from "../tests/fixtures/child.ts";
import { BENCH_PERMISSIONS, denoExe } from "./bench_report.ts";

/** Operations in the first batch, and in each steady-state batch. */
export const BATCH = 100_000;
/** Batches run per idiom; the steady state is the median of the second half. */
export const BATCHES = 10;
/** Operations of the memory check. */
export const MEMORY_OPS = 1_000_000;

/** The idioms measured per workload (the members of `bench/_workloads.ts`). */
export const IDIOMS = [
  "raw",
  "pool",
  "owned",
  "owned-use",
  "owned-dispose",
] as const;
/** One idiom. */
export type Idiom = typeof IDIOMS[number];

/** One warm-up measurement. */
export interface WarmupRow {
  workload: string;
  idiom: Idiom;
  /** ns per operation over the first {@linkcode BATCH} operations. */
  firstNs: number;
  /** ns per operation, median of the later batches. */
  steadyNs: number;
  /** Every batch, ns per operation. */
  batchesNs: number[];
}

/** One memory measurement. */
export interface MemoryRow {
  idiom: Idiom;
  ops: number;
  rssMb: number;
  pyBlocks: number;
  ms: number;
}

/** Median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Child: time `BATCHES` batches of `BATCH` operations of one idiom. */
async function childWarmup(name: string, idiom: Idiom): Promise<WarmupRow> {
  const { O, P } = await import("../bench/_common.ts");
  const { WORKLOADS } = await import("../bench/_workloads.ts");
  const w = WORKLOADS.find((x) => x.name === name);
  if (w === undefined) throw new Error(`no workload ${name}`);
  const per = Math.max(1, Math.round(BATCH / w.n)); // iterations per batch
  const run: () => unknown = idiom === "raw"
    ? () => P.Python.withGil(w.raw)
    : idiom === "pool"
    ? () => P.Python.withGil(w.pool)
    : idiom === "owned"
    ? () => O.Python.withGil(w.owned)
    : idiom === "owned-use"
    ? () => O.Python.withGil(w.ownedUse ?? w.owned)
    : () => O.Python.withGil(w.ownedDispose ?? w.owned);
  const batchesNs: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now();
    for (let k = 0; k < per; k++) run();
    batchesNs.push(((performance.now() - t0) * 1e6) / (per * w.n));
  }
  return {
    workload: name,
    idiom,
    firstNs: batchesNs[0],
    steadyNs: median(batchesNs.slice(BATCHES / 2)),
    batchesNs,
  };
}

/** Child: RSS and Python blocks over `MEMORY_OPS` temporaries in one scope. */
async function childMemory(idiom: Idiom): Promise<MemoryRow> {
  const { O, P, sym } = await import("../bench/_common.ts");
  const { WORKLOADS } = await import("../bench/_workloads.ts");
  const w = WORKLOADS.find((x) => x.name === "temporaries_int_str")!;
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const sysMod = P.Python.withGil((py) => P.Py.from(py.import("sys")));
  const blocksFn = P.Python.withGil((py) =>
    P.Py.from(sysMod.bind(py).getattr("getallocatedblocks"))
  );
  // Counted with raw calls: the count itself leaves nothing in a pool.
  const blocks = (): number => {
    const r = sym.PyObject_CallObject(blocksFn.unsafePtr, null)!;
    const n = sym.PyLong_AsDouble(r);
    sym.Py_DecRef(r);
    return n;
  };
  const iterations = Math.round(MEMORY_OPS / w.n);
  const measure = (body: () => void) => {
    gc();
    const rss0 = Deno.memoryUsage().rss, b0 = blocks(), t0 = performance.now();
    body();
    const ms = performance.now() - t0;
    const b1 = blocks();
    gc();
    const rss1 = Deno.memoryUsage().rss;
    return {
      idiom,
      ops: iterations * w.n,
      rssMb: (rss1 - rss0) / (1024 * 1024),
      pyBlocks: b1 - b0,
      ms,
    };
  };
  // One warm-up iteration (JIT, caches), then the measured scope.
  if (idiom === "pool") {
    P.Python.withGil(w.pool);
    return P.Python.withGil((py) =>
      measure(() => {
        for (let k = 0; k < iterations; k++) w.pool(py);
      })
    );
  }
  const body = idiom === "owned"
    ? w.owned
    : idiom === "owned-use"
    ? w.ownedUse ?? w.owned
    : w.ownedDispose ?? w.owned;
  O.Python.withGil(body);
  return O.Python.withGil((py) =>
    measure(() => {
      for (let k = 0; k < iterations; k++) body(py);
    })
  );
}

/** Parent: run one child mode and parse its JSON line. */
async function child<T>(args: string[]): Promise<T> {
  const out = await runCommand(denoExe(), [
    "run",
    "--v8-flags=--expose-gc",
    ...BENCH_PERMISSIONS,
    new URL(import.meta.url).pathname,
    ...args,
  ], { timeoutMs: 300_000 });
  if (out.timedOut) {
    throw new Error(`bench_warmup ${args.join(" ")}: timed out`);
  }
  const line = out.stdout.trim().split("\n").pop() ?? "";
  if (out.code !== 0 || !line.startsWith("{")) {
    throw new Error(
      `bench_warmup ${args.join(" ")} failed (${out.code}):\n${out.stderr}`,
    );
  }
  return JSON.parse(line) as T;
}

/** The warm-up and memory tables, as markdown. */
export function warmupTable(rows: WarmupRow[], memory: MemoryRow[]): string {
  const r2 = (x: number) => x.toFixed(2);
  const ns = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const out = [
    `| workload | idiom | first ${
      BATCH.toLocaleString("en-US")
    } ops, ns/op | steady state, ns/op | first/steady | <= 1.5 | ops until within 1.2x of steady |`,
    "|---|---|---:|---:|---:|---|---:|",
  ];
  for (const r of rows) {
    const x = r.firstNs / r.steadyNs;
    const settled = r.batchesNs.findIndex((b) => b <= 1.2 * r.steadyNs);
    out.push(
      `| ${r.workload} | ${r.idiom} | ${ns(r.firstNs)} | ${ns(r.steadyNs)} | ${
        r2(x)
      } | ${x <= 1.5 ? "met" : "**not met**"} | ${
        (settled * BATCH).toLocaleString("en-US")
      } |`,
    );
  }
  if (memory.length > 0) {
    out.push(
      "",
      `| temporaries (int + str), ${
        memory[0].ops.toLocaleString("en-US")
      } ops in one scope | RSS MB | Python blocks | time ms | flat (< 2 MB, 0 blocks) |`,
      "|---|---:|---:|---:|---|",
    );
    for (const m of memory) {
      const flat = m.rssMb < 2 && m.pyBlocks <= 0;
      out.push(
        `| ${m.idiom} | ${m.rssMb >= 0 ? "+" : ""}${m.rssMb.toFixed(2)} | ${
          m.pyBlocks >= 0 ? "+" : ""
        }${m.pyBlocks} | ${m.ms.toFixed(0)} | ${
          flat ? "met" : "**not met**"
        } |`,
      );
    }
  }
  return out.join("\n");
}

if (import.meta.main) {
  const args = Deno.args;
  if (args[0] === "--child-warmup") {
    console.log(
      JSON.stringify(await childWarmup(args[1], args[2] as Idiom)),
    );
  } else if (args[0] === "--child-memory") {
    console.log(JSON.stringify(await childMemory(args[1] as Idiom)));
  } else {
    const { WORKLOAD_TITLES } = await import("../bench/_workload_info.ts");
    const i = args.indexOf("--only");
    const only = i >= 0 ? new Set(args[i + 1]?.split(",")) : null;
    const rows: WarmupRow[] = [];
    for (const name of Object.keys(WORKLOAD_TITLES)) {
      if (only !== null && !only.has(name)) continue;
      for (const idiom of IDIOMS) {
        if (idiom === "owned-dispose" && name === "py_calls_ts_map") continue;
        // Only the workloads that make objects per operation have a `use`
        // form; elsewhere it is the `owned` code.
        if (
          idiom === "owned-use" && name !== "str_roundtrip_32" &&
          name !== "temporaries_int_str"
        ) continue;
        console.error(`warm-up: ${name} ${idiom}`);
        rows.push(
          await child<WarmupRow>(["--child-warmup", name, idiom]),
        );
      }
    }
    const memory: MemoryRow[] = [];
    if (only === null || only.has("temporaries_int_str")) {
      for (const idiom of IDIOMS) {
        if (idiom === "raw") continue; // the floor makes no wrapper to keep
        console.error(`memory: ${idiom}`);
        memory.push(await child<MemoryRow>(["--child-memory", idiom]));
      }
    }
    console.log(warmupTable(rows, memory));
  }
}
