// Python calls off the JS thread (issue 11, item 3): callAsync, runAsync,
// evalAsync. The behavioural cases (tests/fixtures/async_cases.ts) that only
// await jobs run here, in-process on the selected CPython, for both tiers,
// each under a timeout. Every case, including those where Python threads
// call TypeScript functions (which could hang the process if threaded mode
// regressed), runs in a child process with a timeout
// (tests/fixtures/async_child.ts), on the selected CPython: CI's version
// matrix runs this file once per CPython 3.8-3.13. The exit and
// unhandled-rejection behaviours run in child processes too, since they end
// the process.

import assert from "node:assert/strict";
import { CASES as ASYNC_CASES, TIERS } from "./fixtures/async_cases.ts";
import { COROUTINE_CASES } from "./fixtures/coroutine_cases.ts";

const CASES = [...ASYNC_CASES, ...COROUTINE_CASES];
import { type ChildOutput, runDeno } from "./fixtures/child.ts";

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

for (const tier of TIERS) {
  for (const c of CASES) {
    if (c.threaded === true || c.childOnly === true) continue; // child only (below)
    Deno.test({
      name: `async (${tier.name}): ${c.name}`,
      fn: () => within(c.fn(tier), 60_000, c.name),
    });
  }
}

// --- child processes ----------------------------------------------------------------

const CHILD = new URL("./fixtures/async_child.ts", import.meta.url).pathname;
const FLAGS = ["--allow-ffi", "--allow-env", "--allow-read", "--allow-run"];

/** Run the child with `args`, killed after `timeoutMs` (a failure, not a stall). */
async function child(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<ChildOutput> {
  const res = await runDeno(
    ["run", "--v8-flags=--expose-gc", ...FLAGS, CHILD, ...args],
    { env, timeoutMs },
  );
  assert.ok(
    !res.timedOut,
    `timed out after ${timeoutMs} ms: ${JSON.stringify(res)}`,
  );
  return res;
}

Deno.test("async: every case, both tiers, in a child process (threads calling TypeScript included)", async () => {
  const o = await child(["cases"], selectedEnv());
  const lines = o.stdout.trim().split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const failed = lines.filter((l) => l.ok === false);
  assert.deepEqual(
    failed.map((l) => `${l.tier}: ${l.name}\n${l.error}`),
    [],
    o.stderr,
  );
  // Every case ran, on every CPython (3.9 and 3.10 included).
  assert.equal(lines.filter((l) => l.ok === true).length, 2 * CASES.length);
  assert.equal(o.code, 0, o.stderr);
});

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
