// Initialization safety (issue 10, cases 7 and 9), each case in its own child
// process with a timeout, so that a crash or a hang fails the test instead of
// stalling the suite:
// - case 7: an unsupported CPython is refused before it is promoted to
//   RTLD_GLOBAL or initialized, and unloaded, so a supported one initializes
//   afterwards in the same process. The 3.7 is a copy of a supported
//   libpython whose Py_GetVersion() format string is overwritten to report
//   "3.7.1" (made by tests/fixtures/init_refused.ts in a temporary
//   directory); real 3.7, 3.6 and 2.7 libraries under the pyenv root are
//   refused too when present.
// - case 9: Workers and the main thread initializing at the same moment (one
//   gets CPython, the other the documented error; 24 runs each), a Worker
//   refused while the main thread owns, the main thread refused after the
//   owning Worker was terminated, and test modules (isolates one after the
//   other) handing CPython over, the ended isolate's TypeScript function
//   raising RuntimeError.
//
// Needs --allow-run (the Deno binary, python3 when PYTHON_LIBRARY is unset),
// --allow-read and --allow-env. Files are written only by the children
// (the fake library, under $TMPDIR or /tmp).

import assert from "node:assert/strict";
import { type ChildOutput, runDeno } from "./fixtures/child.ts";

const FIXTURES = new URL("./fixtures", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;
const TIMEOUT_MS = 60_000;
const decoder = new TextDecoder();

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The library under test: $PYTHON_LIBRARY (the CI matrix), else python3's. */
function selectedLibrary(): string | undefined {
  const fromEnv = Deno.env.get("PYTHON_LIBRARY");
  if (fromEnv) return fromEnv;
  try {
    const out = new Deno.Command("python3", {
      args: [
        "-c",
        "import sysconfig as s; v = s.get_config_var; print(v('LIBDIR')); print(v('LDLIBRARY')); print(v('INSTSONAME'))",
      ],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    if (!out.success) return undefined;
    const [dir, ld, so] = decoder.decode(out.stdout).trim().split("\n");
    return [`${dir}/${ld}`, `${dir}/${so}`].find(exists);
  } catch {
    return undefined;
  }
}

/** The libraries installed under the pyenv root, by version ("3.11", "3.7", "2.7"). */
function pyenvLibraries(): Map<string, string> {
  const found = new Map<string, string>();
  const root = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(`${root}/versions`)];
  } catch {
    return found;
  }
  for (const e of entries) {
    const m = /^(\d+)\.(\d+)\.\d+$/.exec(e.name);
    if (!m) continue;
    const v = `${m[1]}.${m[2]}`;
    for (const name of [`libpython${v}.so`, `libpython${v}m.so`]) {
      const path = `${root}/versions/${e.name}/lib/${name}`;
      if (exists(path)) found.set(v, path);
    }
  }
  return found;
}

const selected = selectedLibrary();
const pyenv = pyenvLibraries();
const minorOf = (path: string) =>
  Number(/libpython3\.(\d+)/.exec(path)?.[1] ?? 0);
/** A supported library of another minor than the selected one, if any. */
const other = [...pyenv.entries()].find(([v, path]) =>
  /^3\.(8|9|1[0-3])$/.test(v) && selected !== undefined &&
  minorOf(path) !== minorOf(selected)
)?.[1];
const unsupportedReal = ["3.7", "3.6", "2.7"].flatMap((v) =>
  pyenv.has(v) ? [pyenv.get(v)!] : []
);

type Run = ChildOutput;

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    PYTHON_LIBRARY: selected ?? "",
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PATH"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Run `deno <args>` in a child process; killed after the timeout. */
function deno(
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  return runDeno(args, {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    clearEnv: true,
    timeoutMs: TIMEOUT_MS,
  });
}

/** The child's last stdout line as JSON, after checking it exited cleanly. */
function report<T>(r: Run): T {
  const what = `exit ${r.code}${r.signal ? ` (${r.signal})` : ""}${
    r.timedOut ? ", killed after the timeout" : ""
  }\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.ok(!r.timedOut && r.signal === null && r.code === 0, what);
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    assert.fail(`the child printed no JSON: ${what}`);
  }
}

const FLAGS = [
  "run",
  "--no-config",
  "--allow-ffi",
  "--allow-env",
  "--allow-read",
];
const OWNED =
  /^CPython in this process is owned by (a Worker|the main thread), which initialized it first\. .*Use Python from that one isolate/s;

// --- case 7 -------------------------------------------------------------------

interface Refused {
  ok: boolean;
  message?: string;
  refused: { library: string; message: string; loadedAfter: boolean }[];
  sum: number;
  version: string;
  path: string;
}

const fakeSources = selected === undefined
  ? []
  : [...new Set([other, selected].filter((l) => l !== undefined))];
for (const fakeFrom of fakeSources) {
  Deno.test({
    name:
      `init: a refused CPython 3.7 (a copy of libpython3.${
        minorOf(fakeFrom)
      } reporting 3.7.1` +
      `${
        unsupportedReal.length
          ? `, and ${unsupportedReal.length} real unsupported ones`
          : ""
      })` +
      ` leaves nothing loaded: libpython3.${
        minorOf(selected!)
      } then initializes in the same process`,
    async fn() {
      const tmp = Deno.env.get("TMPDIR") || "/tmp";
      const o = report<Refused>(
        await deno([
          ...FLAGS,
          `--allow-write=${tmp}`,
          `${FIXTURES}/init_refused.ts`,
          `--good=${selected}`,
          `--fake-from=${fakeFrom}`,
          `--tmp=${tmp}`,
          ...unsupportedReal.map((l) => `--bad=${l}`),
        ]),
      );
      assert.ok(o.ok, o.message);
      assert.equal(o.refused.length, 1 + unsupportedReal.length);
      const [fake, ...real] = o.refused;
      assert.match(
        fake.message,
        /^Could not load CPython from options\.library \(.*libpython-fake-3\.7\.so\): it is CPython 3\.7\.1, which is not supported \(CPython 3\.8 to 3\.13\)\./,
      );
      for (const r of real) {
        assert.match(
          r.message,
          /: it is CPython (3\.7|3\.6|2\.7)\.\d+, which is not supported \(CPython 3\.8 to 3\.13\)\./,
          r.library,
        );
      }
      for (const r of o.refused) {
        assert.equal(r.loadedAfter, false, `${r.library} is still loaded`);
      }
      assert.equal(o.sum, 45);
      assert.equal(o.version, `3.${minorOf(selected!)}`);
      assert.equal(o.path, selected);
    },
  });
}

// --- case 9 -------------------------------------------------------------------

type Outcome = { ok: true; sum: number } | { ok: false; message: string };

/** `runs` children of `mode`, `parallel` at a time; their reports. */
async function repeat(
  mode: string,
  runs: number,
  parallel = 6,
): Promise<{ results: Outcome[] }[]> {
  const all: { results: Outcome[] }[] = [];
  for (let i = 0; i < runs; i += parallel) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(parallel, runs - i) },
        () => deno([...FLAGS, `${FIXTURES}/init_workers.ts`, mode]),
      ),
    );
    all.push(...batch.map((r) => report<{ results: Outcome[] }>(r)));
  }
  return all;
}

/** Exactly one of `results` got a working CPython; every other one the documented error. */
function oneOwner(results: Outcome[]): void {
  const ok = results.filter((r) => r.ok);
  assert.equal(ok.length, 1, JSON.stringify(results));
  for (const r of results) {
    if (r.ok) assert.equal(r.sum, 45);
    else assert.match(r.message, OWNED);
  }
}

const RUNS = 24;

Deno.test({
  name:
    `init: two Workers initializing at the same moment: one owns CPython, the other gets the documented error (${RUNS} runs, no crash)`,
  ignore: selected === undefined,
  async fn() {
    const reports = await repeat("race-workers", RUNS);
    assert.equal(reports.length, RUNS);
    for (const r of reports) {
      oneOwner(r.results);
      for (const o of r.results) {
        if (!o.ok) assert.match(o.message, /owned by a Worker/);
      }
    }
  },
});

Deno.test({
  name:
    `init: a Worker and the main thread initializing at the same moment: one owns CPython (${RUNS} runs, no crash)`,
  ignore: selected === undefined,
  async fn() {
    const reports = await repeat("race-main-worker", RUNS);
    assert.equal(reports.length, RUNS);
    for (const r of reports) oneOwner(r.results);
  },
});

Deno.test({
  name:
    "init: while the main thread owns CPython a Worker is refused, and the main thread keeps working",
  ignore: selected === undefined,
  async fn() {
    const o = report<{ main: Outcome; worker: Outcome; mainAgain: Outcome }>(
      await deno([...FLAGS, `${FIXTURES}/init_workers.ts`, "main-then-worker"]),
    );
    assert.deepEqual(o.main, { ok: true, sum: 45 });
    assert.ok(!o.worker.ok);
    assert.match(o.worker.message, OWNED);
    assert.match(o.worker.message, /owned by the main thread/);
    assert.deepEqual(o.mainAgain, { ok: true, sum: 45 });
  },
});

Deno.test({
  name:
    "init: after the owning Worker (which made a TypeScript function) is terminated, the main thread is refused, never enters it, no crash",
  ignore: selected === undefined,
  async fn() {
    const o = report<{ worker: string; main: Outcome; mainLater: Outcome }>(
      await deno([
        ...FLAGS,
        `${FIXTURES}/init_workers.ts`,
        "worker-terminated",
      ]),
    );
    assert.equal(o.worker, "ready");
    for (const r of [o.main, o.mainLater]) {
      assert.ok(!r.ok);
      assert.match(r.message, OWNED);
      assert.match(r.message, /owned by a Worker/);
      assert.match(r.message, /a Worker keeps it for the life of the process/);
    }
  },
});

Deno.test({
  name:
    "init: isolates one after the other (deno test modules) hand CPython over; the ended isolate's TypeScript function raises RuntimeError" +
    (other ? "; another library is refused" : ""),
  ignore: selected === undefined,
  async fn() {
    const r = await deno([
      "test",
      "--no-config",
      "--allow-ffi",
      "--allow-env",
      "--allow-read",
      `${FIXTURES}/init_seq_first.ts`,
      `${FIXTURES}/init_seq_second.ts`,
    ], { INIT_LIB_FIRST: selected!, INIT_LIB_SECOND: other ?? "" });
    assert.ok(
      !r.timedOut && r.signal === null && r.code === 0,
      `exit ${r.code} ${r.signal}\n${r.stdout}\n${r.stderr}`,
    );
    assert.match(r.stdout, /ok \| 2 passed \| 0 failed/);
  },
});

// Known gap: a Python thread still running when its owning Worker is
// terminated, that then calls a TypeScript function the Worker made, still
// crashes the process (SIGSEGV/SIGABRT, measured 4/4 on 3.11 and 3.13). Since
// src/core/threads.ts, such a call no longer enters the trampoline while
// holding the GIL: it is queued, and the pump thread calls the Worker's drain
// callback, which is gone with the Worker. A Worker gets no unload event, so
// nothing marks its functions ended before a thread calls them (an owner
// that is not a Worker does: after its unload the call raises RuntimeError,
// tested in tests/threads_test.ts). Un-ignore when a Worker's end can be seen.
Deno.test({
  name:
    "init: a Python thread calling a TypeScript function after its Worker was terminated gets RuntimeError, no crash (known gap)",
  ignore: true,
  async fn() {
    const o = report<{ survived: boolean }>(
      await deno([
        ...FLAGS,
        `${FIXTURES}/init_workers.ts`,
        "worker-terminated-thread",
      ]),
    );
    assert.equal(o.survived, true);
  },
});
