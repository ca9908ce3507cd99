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
 * and `coroutine_bench.ts`, whose asyncio thread lives as long as the
 * process and would put every later TypeScript-function case in threaded
 * mode (`deno bench bench/` runs all files in one process).
 */
const LEFT_OUT = new Set(["ffi_fastpath_bench.ts", "coroutine_bench.ts"]);

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
function denoExe(): string {
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
 * machine).
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
      if (mine && a !== undefined && c !== undefined && c < a) {
        mine.results = b.results;
      }
    }
  }
  return JSON.stringify(first);
}

/** Parse `deno bench --json` output into cases. */
export function parseCases(json: string): CaseRow[] {
  const data = JSON.parse(json) as { benches: BenchResult[] };
  const groups = new Map<string, CaseRow>();
  for (const b of data.benches) {
    const avg = b.results[0]?.ok?.avg;
    if (avg === undefined || b.group === null) continue;
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
): string {
  const date = new Date().toISOString().slice(0, 10);
  return [
    "",
    "### Results",
    "",
    `Generated by \`deno task bench:report\` on ${date}: Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), ` +
    `Python ${Python.version.major}.${Python.version.minor}.${Python.version.micro}, ${machine()}` +
    (v8Flags ? `, V8 flags \`${v8Flags}\`.` : "."),
    "",
    "Each case mirrors one of PyO3's `pyo3-benches` (sizes as there: 50,000 to 100,000 items, or 1,000 calls " +
    "per iteration). `raw` is the same operation written directly on the raw symbol table (the floor); `pool` " +
    "is the stable tier (`mod.ts`), `owned` the experimental tier (`experimental/mod.ts`) releasing each temporary " +
    "with `using`; `owned-dispose` is the same code with an explicit `x[Symbol.dispose]()` in place of `using`, " +
    "shown where a case disposes a temporary per item, because a `using` scope itself costs about 135 ns in V8 " +
    "(Deno 2.9): more than a whole FFI round trip. Times are averages per iteration, garbage collection included; " +
    "the ratios compare runs of one session on a shared, noisy machine. Deno's FFI fast path exists only in " +
    "TurboFan code (about 7 ns a call, against 64 ns from Maglev code), so code that V8 keeps in its mid tier " +
    "after a deoptimization pays several times more per call; `--v8-flags=--no-maglev` shows the table " +
    "without that effect. See bench/README.md.",
    "",
    casesTable(rows),
    "",
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
  console.error("measuring the FFI fast path...");
  const fast = fastpathTable(measureFastpath());
  const body = section(rows, fast, v8Flags);
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
