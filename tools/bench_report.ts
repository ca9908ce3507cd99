/**
 * Runs the tier benchmarks (`deno bench --json`), computes per case the
 * ratios tier/raw and owned/pool and their geometric means, runs the FFI
 * fast-path check, and writes both tables into README.md between
 * `<!-- bench:start -->` and `<!-- bench:end -->` (the markers are appended
 * at the end of README.md when missing; nothing outside them is touched).
 *
 * ```sh
 * deno task bench:report                    # run everything, write README.md
 * deno task bench:report --no-write         # print only
 * deno task bench:report --runs 3          # 3 runs, each benchmark's best average kept
 * deno task bench:report --input a.json,b.json   # reuse saved `deno bench --json` outputs
 * deno task bench:report --save run.json    # keep the (merged) JSON
 * deno task bench:report --v8-flags=--no-maglev --no-write   # compare without V8's mid tier
 * ```
 *
 * Times are each benchmark's average per iteration (garbage collection
 * included: the pool's cost is partly there). Ratios are only comparable
 * within one run: the machine is shared and noisy.
 *
 * @module
 */

import { fastpathTable, measureFastpath, SLOW_NS } from "../bench/_fastpath.ts";
import {
  CALLBACK_TITLES,
  WORKLOAD_TITLES,
  WORKLOADS_FILE,
} from "../bench/_workload_info.ts";
import { Extract, Python } from "../mod.ts";

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";
const README = new URL("../README.md", import.meta.url);
const BENCH_DIR = new URL("../bench/", import.meta.url);

/** Permissions the benchmarks need (the narrowest that let discovery work). */
export const BENCH_PERMISSIONS = [
  "--allow-ffi",
  "--allow-env=PYTHON_LIBRARY,VIRTUAL_ENV,PYEMBED_DEBUG",
  "--allow-read=/usr/lib,/usr/lib64,/usr/local/lib,/opt/homebrew/lib",
  "--allow-run=python3",
];

interface BenchResult {
  origin: string;
  group: string | null;
  name: string;
  baseline: boolean;
  results: { ok?: { avg: number; min: number; p75: number; n: number } }[];
}

/** One case: a group with its members' average times (ns per iteration). */
export interface CaseRow {
  file: string;
  group: string;
  raw: number;
  pool: number;
  owned: number;
  ownedDispose?: number;
}

/**
 * Bench files the report leaves out: the fast-path check (run on its own),
 * `coroutine_bench.ts`, whose asyncio thread lives as long as the process
 * and would put every later TypeScript-function case in threaded mode
 * (`deno bench bench/` runs all files in one process), and
 * `signal_bench.ts`, whose Ctrl-C handling is active only on CPython's main
 * thread, which a later file of a multi-file run is not on (`deno task
 * bench:signal` runs it alone), and `v8_costs_bench.ts`, plain JS (`deno
 * task bench:v8`), and `overhead_bench.ts`, whose members are the steps from
 * raw to the API (`deno task bench:overhead`). None of them has
 * raw/pool/owned members.
 */
const LEFT_OUT = new Set([
  "ffi_fastpath_bench.ts",
  "coroutine_bench.ts",
  "signal_bench.ts",
  "v8_costs_bench.ts",
  "overhead_bench.ts",
]);

/** The bench files the report runs: every `*_bench.ts` but {@linkcode LEFT_OUT}. */
async function benchFiles(): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(BENCH_DIR)) {
    if (
      e.isFile && e.name.endsWith("_bench.ts") && !LEFT_OUT.has(e.name)
    ) {
      files.push(new URL(e.name, BENCH_DIR).pathname);
    }
  }
  return files.sort();
}

/** The running binary when allowed (--allow-run), else `deno` on PATH (--allow-run=deno). */
export function denoExe(): string {
  const self =
    Deno.permissions.querySync({ name: "run", command: Deno.execPath() })
      .state === "granted";
  return self ? Deno.execPath() : "deno";
}

/**
 * Format the generated markdown as `deno fmt` would (line width, aligned
 * tables), so `deno fmt --check` stays clean; only the generated text is
 * formatted, never the rest of README.md. Unformatted when `deno fmt` fails.
 */
async function formatMarkdown(md: string): Promise<string> {
  try {
    const child = new Deno.Command(denoExe(), {
      args: ["fmt", "--ext=md", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(md));
    await writer.close();
    const out = await child.output();
    return out.success ? new TextDecoder().decode(out.stdout) : md;
  } catch {
    return md;
  }
}

async function runBenches(v8Flags: string | undefined): Promise<string> {
  const args = [
    "bench",
    "--json",
    ...(v8Flags ? [`--v8-flags=${v8Flags}`] : []),
    ...BENCH_PERMISSIONS,
    ...(await benchFiles()),
  ];
  console.error(`running: deno ${args.join(" ")}`);
  const exe = denoExe();
  const out = await new Deno.Command(exe, {
    args,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`deno bench failed with exit code ${out.code}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * Merge several `deno bench --json` outputs: each benchmark keeps the run
 * with the lowest average (the run least disturbed by other work on the
 * machine); a benchmark only some outputs have (runs of different files,
 * `--input part1.json,part2.json`) is added as it is.
 */
export function mergeRuns(jsons: string[]): string {
  const first = JSON.parse(jsons[0]) as { benches: BenchResult[] };
  for (const other of jsons.slice(1)) {
    const data = JSON.parse(other) as { benches: BenchResult[] };
    for (const b of data.benches) {
      const mine = first.benches.find((x) =>
        x.origin === b.origin && x.name === b.name
      );
      const a = mine?.results[0]?.ok?.avg, c = b.results[0]?.ok?.avg;
      if (mine === undefined) first.benches.push(b);
      else if (a === undefined || (c !== undefined && c < a)) {
        mine.results = b.results;
      }
    }
  }
  return JSON.stringify(first);
}

/** Parse `deno bench --json` output into the pyo3-benches cases (the workloads file left out). */
export function parseCases(json: string): CaseRow[] {
  const data = JSON.parse(json) as { benches: BenchResult[] };
  const groups = new Map<string, CaseRow>();
  for (const b of data.benches) {
    const avg = b.results[0]?.ok?.avg;
    if (avg === undefined || b.group === null) continue;
    if (b.origin.endsWith(`/${WORKLOADS_FILE}`)) continue;
    const member = b.name.slice(b.name.lastIndexOf("/") + 1);
    const file = b.origin.slice(b.origin.lastIndexOf("/") + 1).replace(
      /_bench\.ts$/,
      "",
    );
    let row = groups.get(b.group);
    if (row === undefined) {
      row = { file, group: b.group, raw: NaN, pool: NaN, owned: NaN };
      groups.set(b.group, row);
    }
    if (member === "raw") row.raw = avg;
    else if (member === "pool") row.pool = avg;
    else if (member === "owned") row.owned = avg;
    else if (member === "owned-dispose") row.ownedDispose = avg;
  }
  return [...groups.values()].filter((r) =>
    !isNaN(r.raw) && !isNaN(r.pool) && !isNaN(r.owned)
  );
}

/** One issue-13 workload (or callback-floor group): ns per operation of each member. */
export interface WorkloadRow {
  /** Group name without ` xN`. */
  name: string;
  title: string;
  /** Operations per iteration. */
  n: number;
  raw: number;
  pool: number;
  owned: number;
  ownedDispose?: number;
  /** `owned-use`: `x.use(f)` per temporary (where the workload makes them). */
  ownedUse?: number;
  python?: number;
}

/**
 * Parse the workloads file's groups (`bench/workloads_bench.ts`) from
 * `deno bench --json` output: each member's average per iteration divided by
 * the group's `xN`, i.e. ns per operation. Returns the workloads and the
 * callback-floor groups, each in table order.
 */
export function parseWorkloads(
  json: string,
): { workloads: WorkloadRow[]; callbacks: WorkloadRow[] } {
  const data = JSON.parse(json) as { benches: BenchResult[] };
  const rows = new Map<string, WorkloadRow>();
  for (const b of data.benches) {
    const avg = b.results[0]?.ok?.avg;
    if (avg === undefined || b.group === null) continue;
    if (!b.origin.endsWith(`/${WORKLOADS_FILE}`)) continue;
    const m = /^(\S+) x(\d+)$/.exec(b.group);
    const name = m ? m[1] : b.group;
    const n = m ? Number(m[2]) : 1;
    let row = rows.get(name);
    if (row === undefined) {
      const title = WORKLOAD_TITLES[name] ?? CALLBACK_TITLES[name] ?? name;
      row = { name, title, n, raw: NaN, pool: NaN, owned: NaN };
      rows.set(name, row);
    }
    const member = b.name.slice(b.name.lastIndexOf("/") + 1);
    const perOp = avg / n;
    if (member === "raw") row.raw = perOp;
    else if (member === "pool") row.pool = perOp;
    else if (member === "owned") row.owned = perOp;
    else if (member === "owned-dispose") row.ownedDispose = perOp;
    else if (member === "owned-use") row.ownedUse = perOp;
    else if (member === "python") row.python = perOp;
  }
  const pick = (names: string[]) =>
    names.map((k) => rows.get(k)).filter((r): r is WorkloadRow =>
      r !== undefined && !isNaN(r.raw) && !isNaN(r.pool) && !isNaN(r.owned)
    );
  return {
    workloads: pick(Object.keys(WORKLOAD_TITLES)),
    callbacks: pick(Object.keys(CALLBACK_TITLES)),
  };
}

/** Issue 13's targets (ratios measured in one run). */
export const TARGETS = {
  /** Each tier's idiom: geomean tier/raw at most this. */
  geomeanRaw: 1.5,
  /** Each tier's idiom: tier/raw at most this on every workload. */
  maxRaw: 2,
  /** Owned idiom: geomean owned/pool at most this. */
  geomeanOwnedPool: 0.9,
  /** Owned idiom: owned/pool at most this on every workload. */
  maxOwnedPool: 1.05,
  /** A TS function called from Python: at most this times the raw callback. */
  callbackRaw: 2,
  /** String round trip: tier/raw at most this. */
  stringRaw: 1.5,
} as const;

function fmtNs(ns: number | undefined): string {
  if (ns === undefined) return "";
  return ns >= 100 ? ns.toFixed(0) : ns.toFixed(1);
}

/** The workloads table, the callback-floor table and issue 13's target check, as markdown. */
export function workloadsTable(
  workloads: WorkloadRow[],
  callbacks: WorkloadRow[],
): string {
  const r2 = (x: number) => x.toFixed(2);
  const od = (r: WorkloadRow) => r.ownedDispose ?? r.owned;
  // `owned-use` where the workload has per-operation temporaries; elsewhere
  // the owned idiom makes none, and `use` is the `owned` code itself.
  const ou = (r: WorkloadRow) => r.ownedUse ?? r.owned;
  const out = [
    "| workload | ops/iter | raw | pool | owned | owned-use | owned-dispose | python | pool/raw | owned/raw | owned/pool | owned-use/raw | owned-use/pool | owned-dispose/raw | owned-dispose/pool | python/raw |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of workloads) {
    const d = r.ownedDispose;
    out.push(
      `| ${r.title} | ${r.n.toLocaleString("en-US")} | ${fmtNs(r.raw)} | ${
        fmtNs(r.pool)
      } | ${fmtNs(r.owned)} | ${fmtNs(r.ownedUse)} | ${fmtNs(d)} | ${
        fmtNs(r.python)
      } | ${r2(r.pool / r.raw)} | ${r2(r.owned / r.raw)} | ${
        r2(r.owned / r.pool)
      } | ${r2(ou(r) / r.raw)} | ${r2(ou(r) / r.pool)} | ${
        d === undefined ? "" : r2(d / r.raw)
      } | ${d === undefined ? "" : r2(d / r.pool)} | ${
        r.python === undefined ? "" : r2(r.python / r.raw)
      } |`,
    );
  }
  const gm = (f: (r: WorkloadRow) => number) => geomean(workloads.map(f));
  const withPy = workloads.filter((r) => r.python !== undefined);
  out.push(
    `| **geometric mean** (${workloads.length} workloads) | | | | | | | | **${
      r2(gm((r) => r.pool / r.raw))
    }** | **${r2(gm((r) => r.owned / r.raw))}** | **${
      r2(gm((r) => r.owned / r.pool))
    }** | **${r2(gm((r) => ou(r) / r.raw))}** | **${
      r2(gm((r) => ou(r) / r.pool))
    }** | **${r2(gm((r) => od(r) / r.raw))}** | **${
      r2(gm((r) => od(r) / r.pool))
    }** | ${
      withPy.length
        ? `**${r2(geomean(withPy.map((r) => r.python! / r.raw)))}**`
        : ""
    } |`,
  );

  out.push(
    "",
    "| callback floor (from a Python loop) | calls/iter | raw `UnsafeCallback` | pool `pyfunction` | owned `pyfunction` | Python `def` | pool/raw | owned/raw |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of callbacks) {
    out.push(
      `| ${r.title} | ${r.n.toLocaleString("en-US")} | ${fmtNs(r.raw)} | ${
        fmtNs(r.pool)
      } | ${fmtNs(r.owned)} | ${fmtNs(r.python)} | ${r2(r.pool / r.raw)} | ${
        r2(r.owned / r.raw)
      } |`,
    );
  }

  // Target check, per tier idiom: pool, owned (`using`), owned (`use`),
  // owned-dispose.
  const yes = (b: boolean) => (b ? "met" : "**not met**");
  const T = TARGETS;
  const idioms: [string, (r: WorkloadRow) => number][] = [
    ["pool", (r) => r.pool],
    ["owned (`using`)", (r) => r.owned],
    ["owned (`use`)", ou],
    ["owned-dispose", od],
  ];
  const worst = (f: (r: WorkloadRow) => number) =>
    workloads.reduce((a, b) => (f(b) > f(a) ? b : a));
  const over = (f: (r: WorkloadRow) => number, limit: number) =>
    workloads.filter((r) => f(r) > limit).map((r) => r.name);
  const cell = (ok: boolean, detail: string) => `${yes(ok)} (${detail})`;
  out.push(
    "",
    "| issue 13 target | " + idioms.map(([n]) => n).join(" | ") + " |",
    "|---|" + idioms.map(() => "---").join("|") + "|",
  );
  out.push(
    `| geomean tier/raw <= ${T.geomeanRaw} | ` +
      idioms.map(([, f]) => {
        const g = gm((r) => f(r) / r.raw);
        return cell(g <= T.geomeanRaw, r2(g));
      }).join(" | ") + " |",
  );
  out.push(
    `| tier/raw <= ${T.maxRaw} on every workload | ` +
      idioms.map(([, f]) => {
        const ratio = (r: WorkloadRow) => f(r) / r.raw;
        const w = worst(ratio);
        const bad = over(ratio, T.maxRaw);
        return cell(
          bad.length === 0,
          `max ${r2(ratio(w))}, ${w.name}` +
            (bad.length ? `; above: ${bad.join(", ")}` : ""),
        );
      }).join(" | ") + " |",
  );
  const ownedRows = idioms.slice(1);
  out.push(
    `| geomean owned/pool <= ${T.geomeanOwnedPool} | n/a | ` +
      ownedRows.map(([, f]) => {
        const g = gm((r) => f(r) / r.pool);
        return cell(g <= T.geomeanOwnedPool, r2(g));
      }).join(" | ") + " |",
  );
  out.push(
    `| owned/pool <= ${T.maxOwnedPool} on every workload | n/a | ` +
      ownedRows.map(([, f]) => {
        const ratio = (r: WorkloadRow) => f(r) / r.pool;
        const w = worst(ratio);
        const bad = over(ratio, T.maxOwnedPool);
        return cell(
          bad.length === 0,
          `max ${r2(ratio(w))}, ${w.name}` +
            (bad.length ? `; above: ${bad.join(", ")}` : ""),
        );
      }).join(" | ") + " |",
  );
  const str = workloads.find((r) => r.name === "str_roundtrip_32");
  if (str !== undefined) {
    out.push(
      `| string round trip <= ${T.stringRaw}x raw | ` +
        idioms.map(([, f]) => {
          const x = f(str) / str.raw;
          return cell(x <= T.stringRaw, r2(x));
        }).join(" | ") + " |",
    );
  }
  if (callbacks.length > 0) {
    const cb = (f: (r: WorkloadRow) => number) => {
      const w = callbacks.reduce((
        a,
        b,
      ) => (f(b) / b.raw > f(a) / a.raw ? b : a));
      const x = f(w) / w.raw;
      return cell(
        x <= T.callbackRaw,
        callbacks.map((r) => `${r.name} ${r2(f(r) / r.raw)}`).join(", "),
      );
    };
    // `use` changes nothing in a handler: the owned-use cell is the owned one.
    const owned = cb((r) => r.owned);
    out.push(
      `| TS function from Python <= ${T.callbackRaw}x raw callback (0 and 3 args) | ${
        cb((r) => r.pool)
      } | ${owned} | ${owned} | (no dispose in a handler) |`,
    );
  }
  return out.join("\n");
}

/** Geometric mean. */
export function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

function fmtTime(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** Noise allowance for "owned never slower than pool". */
export const NOISE = 1.05;

/** The results table and the targets, as markdown. */
export function casesTable(rows: CaseRow[]): string {
  const r2 = (x: number) => x.toFixed(2);
  const out = [
    "| file | case | raw | pool/raw | owned/raw | owned/pool | owned-dispose/raw | owned-dispose/pool |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const op = r.owned / r.pool;
    const od = r.ownedDispose;
    out.push(
      `| ${r.file} | ${r.group} | ${fmtTime(r.raw)} | ${r2(r.pool / r.raw)} | ${
        r2(r.owned / r.raw)
      } | ${op > NOISE ? `**${r2(op)}**` : r2(op)} | ${
        od === undefined ? "" : r2(od / r.raw)
      } | ${od === undefined ? "" : r2(od / r.pool)} |`,
    );
  }
  const poolRaw = geomean(rows.map((r) => r.pool / r.raw));
  const ownedRaw = geomean(rows.map((r) => r.owned / r.raw));
  const ownedPool = geomean(rows.map((r) => r.owned / r.pool));
  // "owned-dispose" where the case has it, "owned" elsewhere (no per-item `using` there).
  const od = (r: CaseRow) => r.ownedDispose ?? r.owned;
  const odRaw = geomean(rows.map((r) => od(r) / r.raw));
  const odPool = geomean(rows.map((r) => od(r) / r.pool));
  out.push(
    `| | **geometric mean** (${rows.length} cases) | | **${r2(poolRaw)}** | **${
      r2(ownedRaw)
    }** | **${r2(ownedPool)}** | **${r2(odRaw)}** | **${r2(odPool)}** |`,
  );
  const worst = (f: (r: CaseRow) => number) =>
    rows.reduce((a, b) => (f(b) > f(a) ? b : a));
  const wp = worst((r) => r.pool / r.raw),
    wo = worst((r) => r.owned / r.raw),
    wd = worst((r) => od(r) / r.raw);
  const slower = rows.filter((r) => r.owned / r.pool > NOISE).map((r) =>
    r.group
  );
  const slowerD = rows.filter((r) => od(r) / r.pool > NOISE).map((r) =>
    r.group
  );
  const yes = (b: boolean) => (b ? "met" : "**not met**");
  out.push(
    "",
    "| target | owned (with `using`) | owned-dispose |",
    "|---|---|---|",
    `| owned/pool <= 1.0 on every case (noise: ${NOISE}) | ${
      yes(slower.length === 0)
    }${slower.length ? `: slower on ${slower.join(", ")}` : ""} | ${
      yes(slowerD.length === 0)
    }${slowerD.length ? `: slower on ${slowerD.join(", ")}` : ""} |`,
    `| geomean owned/pool <= 0.85 | ${yes(ownedPool <= 0.85)} (${
      r2(ownedPool)
    }) | ${yes(odPool <= 0.85)} (${r2(odPool)}) |`,
    `| geomean tier/raw <= 1.5 | pool ${yes(poolRaw <= 1.5)} (${
      r2(poolRaw)
    }); owned ${yes(ownedRaw <= 1.5)} (${r2(ownedRaw)}) | ${
      yes(odRaw <= 1.5)
    } (${r2(odRaw)}) |`,
    `| no case above 3x raw | pool ${yes(wp.pool / wp.raw <= 3)} (max ${
      r2(wp.pool / wp.raw)
    }, ${wp.group}); owned ${yes(wo.owned / wo.raw <= 3)} (max ${
      r2(wo.owned / wo.raw)
    }, ${wo.group}) | ${yes(od(wd) / wd.raw <= 3)} (max ${
      r2(od(wd) / wd.raw)
    }, ${wd.group}) |`,
  );
  return out.join("\n");
}

/**
 * CPU model and cores. Deno needs `--allow-all` to read `/proc/cpuinfo`, so
 * the embedded interpreter reads it (its file access is outside Deno's
 * sandbox, as the README says of FFI).
 */
function machine(): string {
  const cpu = Python.withGil((py) =>
    py.eval(
      "next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), None) " +
        "if __import__('os').path.exists('/proc/cpuinfo') else __import__('platform').processor() or None",
    ).extract(Extract.optional(Extract.str))
  ) ?? "unknown CPU";
  return `${cpu}, ${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}`;
}

/** The whole README section (without the markers). */
export function section(
  rows: CaseRow[],
  fastpath: string,
  v8Flags?: string,
  work?: { workloads: WorkloadRow[]; callbacks: WorkloadRow[] },
  runs = 1,
): string {
  const date = new Date().toISOString().slice(0, 10);
  return [
    "",
    "### Results",
    "",
    `Generated by \`deno task bench:report\` on ${date}: Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), ` +
    `Python ${Python.version.major}.${Python.version.minor}.${Python.version.micro}, ${machine()}` +
    (v8Flags ? `, V8 flags \`${v8Flags}\`` : "") +
    (runs > 1
      ? `; ${runs} runs of \`deno bench\`, each benchmark's best average kept (\`--runs ${runs}\`).`
      : "; one run of `deno bench`."),
    "",
    "Each case mirrors one of PyO3's `pyo3-benches` (sizes as there: 50,000 to 100,000 items, or 1,000 calls " +
    "per iteration). `raw` is the same operation written directly on the raw symbol table (the floor); `pool` " +
    "is the stable tier (`mod.ts`), `owned` the experimental tier (`experimental/mod.ts`) releasing each temporary " +
    "with `using`; `owned-dispose` is the same code with an explicit `x[Symbol.dispose]()` in place of `using`, " +
    "shown where a case disposes a temporary per item, because a `using` scope itself costs 100-235 ns in V8 " +
    "(Deno 2.9, `deno task bench:v8`): more than a whole FFI round trip. Times are averages per iteration, garbage collection included; " +
    "the ratios compare runs of one session on a shared, noisy machine. Deno's FFI fast path exists only in " +
    "TurboFan code (about 7 ns a call, against 64 ns from Maglev code), so code that V8 keeps in its mid tier " +
    "after a deoptimization pays several times more per call; `--v8-flags=--no-maglev` shows the table " +
    "without that effect. See bench/README.md.",
    "",
    casesTable(rows),
    "",
    ...(work && work.workloads.length > 0
      ? [
        "### Workloads (issue 13)",
        "",
        "`bench/workloads_bench.ts`, in the same run: eight workloads a user of any Python bridge runs, in ns per " +
        "operation (each member's average per iteration divided by the operations per iteration). `raw` is the " +
        "floor (the raw symbol table); `pool` the stable tier's idiom as the README and docs/migration.md teach it " +
        "(terminal operations, `getItem(key, Extract.int)`, `getattr(name, Extract.float)`, `call(args, kwargs, " +
        "Extract.int)`, `call0(Extract.ignore)`, `iter(Extract.int)`, which make no object; one `py.withPool` per " +
        "100 operations where new objects are made); `owned` the experimental tier's idiom, the same terminal " +
        "operations and every object made per operation released with `using`; `owned-use` the same with " +
        "`x.use(f)` in place of each `using` block (the string round trip and the temporaries, the workloads that " +
        "make objects per operation; elsewhere it is the `owned` code), the form the README teaches for hot " +
        "loops; `owned-dispose` the chained, " +
        "non-terminal form (`d.getItem(i)!.extract(...)`) with an explicit `x[Symbol.dispose]()` per temporary; " +
        "`python` the same workload in pure Python (one call into a Python loop), a " +
        "reference. In the callback floor, every member is one Python loop calling its own callee: `raw` is a " +
        "`PyCFunction` on a raw `Deno.UnsafeCallback` (METH_O for `map`, METH_FASTCALL for the floor rows) " +
        "doing what the TypeScript function does. The machine is shared: compare ratios within this run only.",
        "",
        workloadsTable(work.workloads, work.callbacks),
        "",
      ]
      : []),
    "### FFI fast path",
    "",
    "Per-call cost of the hot symbols (`deno task bench:fastpath`): `call` is the real call on cheap arguments, " +
    "`signature-only` the same declared signature bound to a function that does nothing, i.e. the FFI cost " +
    `alone. At or above ${SLOW_NS} ns the call has left V8's fast path (the reference rows show what that looks like).`,
    "",
    fastpath,
    "",
  ].join("\n");
}

/** Replace the region between the markers (appending them when missing). */
export function spliceReadme(readme: string, body: string): string {
  const s = readme.indexOf(START);
  const e = readme.indexOf(END);
  if (s >= 0 && e > s) {
    return readme.slice(0, s + START.length) + "\n" + body + "\n" +
      readme.slice(e);
  }
  const sep = readme.length === 0 || readme.endsWith("\n") ? "" : "\n";
  return `${readme}${sep}\n${START}\n${body}\n${END}\n`;
}

if (import.meta.main) {
  const args = [...Deno.args];
  const flag = (name: string) => {
    const eq = args.find((a) => a.startsWith(`${name}=`));
    if (eq !== undefined) return eq.slice(name.length + 1);
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    return args[i + 1] ?? "";
  };
  const input = flag("--input");
  const save = flag("--save");
  const write = !args.includes("--no-write");
  const v8Flags = flag("--v8-flags");

  const runs = Math.max(1, Number(flag("--runs") ?? 1));
  const outputs: string[] = [];
  if (input) {
    outputs.push(...input.split(",").map((f) => Deno.readTextFileSync(f)));
  } else for (let i = 0; i < runs; i++) outputs.push(await runBenches(v8Flags));
  const json = mergeRuns(outputs);
  if (save) await Deno.writeTextFile(save, json);
  const rows = parseCases(json);
  const work = parseWorkloads(json);
  console.error("measuring the FFI fast path...");
  const fast = fastpathTable(measureFastpath());
  const body = section(rows, fast, v8Flags, work, input ? 1 : runs);
  console.log(body);
  if (write) {
    let readme = "";
    try {
      readme = await Deno.readTextFile(README);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const formatted = (await formatMarkdown(body.trim() + "\n")).trimEnd();
    await Deno.writeTextFile(
      README,
      spliceReadme(readme, "\n" + formatted + "\n"),
    );
    console.error(`wrote ${README.pathname}`);
  }
}
