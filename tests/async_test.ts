// Python calls off the JS thread (issue 11, item 3): callAsync, runAsync,
// evalAsync. The behavioural cases (tests/fixtures/async_cases.ts) run here,
// in-process on the selected CPython, for both tiers, each under a timeout;
// the same cases run in a child process for every CPython of the 3.8-3.13
// matrix, and the exit and unhandled-rejection behaviours run in child
// processes (tests/fixtures/async_child.ts), since they end the process.

import assert from "node:assert/strict";
import { CASES, threadedMode, TIERS } from "./fixtures/async_cases.ts";

/** `p`, or a failure after `ms` (a hung job fails the test instead of stalling it). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no outcome after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** CPython 3.9 and 3.10 have no threaded mode (README, "Threads"). */
const threaded = threadedMode(TIERS[0]);

for (const tier of TIERS) {
  for (const c of CASES) {
    Deno.test({
      name: `async (${tier.name}): ${c.name}`,
      ignore: c.threaded === true && !threaded,
      fn: () => within(c.fn(tier), 60_000, c.name),
    });
  }
}

// --- child processes ----------------------------------------------------------------

const CHILD = new URL("./fixtures/async_child.ts", import.meta.url).pathname;
const FLAGS = ["--allow-ffi", "--allow-env", "--allow-read", "--allow-run"];
const decoder = new TextDecoder();

interface Out {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the child with `args`, killed after `timeoutMs` (a failure, not a stall). */
async function child(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<Out> {
  const t0 = performance.now();
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", ...FLAGS, CHILD, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    try {
      proc.kill("SIGKILL");
    } catch { /* already ended */ }
  }, timeoutMs);
  try {
    const out = await proc.output();
    const res = {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
      ms: performance.now() - t0,
    };
    assert.ok(
      !killed,
      `timed out after ${timeoutMs} ms: ${JSON.stringify(res)}`,
    );
    return res;
  } finally {
    clearTimeout(timer);
  }
}

/** The pyenv CPython 3.8-3.13 shared libraries, as [minor, path]. */
function matrix(): [number, string][] {
  const root = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
  const found: [number, string][] = [];
  try {
    for (const e of Deno.readDirSync(`${root}/versions`)) {
      const m = /^3\.(\d+)\.\d+$/.exec(e.name);
      if (!m || Number(m[1]) < 8 || Number(m[1]) > 13) continue;
      const lib = `${root}/versions/${e.name}/lib/libpython3.${m[1]}.so`;
      try {
        Deno.statSync(lib);
        found.push([Number(m[1]), lib]);
      } catch { /* built without --enable-shared */ }
    }
  } catch { /* no pyenv */ }
  return found.sort((a, b) => a[0] - b[0]);
}

const versions = matrix();

for (const [minor, lib] of versions) {
  Deno.test({
    name:
      `async: every case, both tiers, on CPython 3.${minor} (child process)`,
    async fn() {
      const o = await child(["cases"], { PYTHON_LIBRARY: lib });
      const lines = o.stdout.trim().split("\n").filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
      const failed = lines.filter((l) => l.ok === false);
      const skipped = lines.filter((l) => l.ok === "skipped");
      // Only the cases that need threaded mode, and only on 3.9 and 3.10.
      assert.deepEqual(
        skipped.map((l) => l.name),
        minor === 9 || minor === 10
          ? [...TIERS].flatMap(() =>
            CASES.filter((c) => c.threaded).map((c) => c.name)
          )
          : [],
      );
      assert.deepEqual(
        failed.map((l) => `${l.tier}: ${l.name}\n${l.error}`),
        [],
        o.stderr,
      );
      assert.equal(
        lines.filter((l) => l.ok === true).length + skipped.length,
        2 * CASES.length,
      );
      assert.equal(lines.at(-1).version.minor, minor);
      assert.equal(o.code, 0, o.stderr);
    },
  });
}

/** The library this run selected (PYTHON_LIBRARY, else discovery's). */
function selectedEnv(): Record<string, string> {
  const lib = Deno.env.get("PYTHON_LIBRARY");
  return lib ? { PYTHON_LIBRARY: lib } : {};
}

Deno.test("async: the program's natural end waits for a job nobody awaits, then atexit runs", async () => {
  const o = await child(["natural"], selectedEnv());
  assert.equal(o.code, 0, o.stderr);
  assert.deepEqual(o.stdout.trim().split("\n"), [
    "main module ended",
    "job done: slept",
    "atexit ran",
  ]);
});

for (const mode of ["exit", "exit-sleep"]) {
  Deno.test(
    `async: Deno.exit() while a job ${
      mode === "exit"
        ? "computes (GIL held by Python)"
        : "sleeps (GIL released)"
    } exits at once with its status`,
    async () => {
      const o = await child([mode, "7"], selectedEnv(), 20_000);
      assert.equal(o.code, 7, o.stderr);
      assert.equal(o.stdout.trim(), "exiting");
      assert.ok(o.ms < 15_000, `took ${o.ms} ms`); // the job runs 30 s
    },
  );
}

Deno.test("async: an unhandled rejection ends the program as a JS one does, printing the Python traceback and the call site", async () => {
  const [py, js] = await Promise.all([
    child(["reject"], selectedEnv()),
    child(["reject-js"], selectedEnv()),
  ]);
  assert.equal(js.code, 1, js.stderr);
  assert.equal(py.code, js.code, py.stderr);
  assert.match(js.stderr, /Uncaught \(in promise\) Error: plain JS rejection/);
  assert.match(
    py.stderr,
    /Uncaught \(in promise\) ZeroDivisionError: division by zero/,
  );
  assert.match(py.stderr, /File "<run>", line 2, in f/);
  assert.match(py.stderr, /JavaScript stack:[\s\S]*async_child\.ts:\d+/);
  assert.doesNotMatch(py.stderr, /panic|Segmentation|Fatal Python/);
});
