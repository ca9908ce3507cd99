// Issue 11, item 1-2: TypeScript functions called from Python threads other
// than the JS thread, both tiers. Every case runs in a child Deno process
// (tests/fixtures/threads_child.ts) with a timeout, so a regression to a
// hang fails instead of stalling the run. The child uses the CPython this
// run selected (PYTHON_LIBRARY), so the version matrix covers 3.8-3.13.

import assert from "node:assert/strict";
import { type ChildOutput, runDeno } from "./fixtures/child.ts";

const CHILD = new URL("./fixtures/threads_child.ts", import.meta.url).pathname;
const FLAGS = ["--allow-ffi", "--allow-env", "--allow-read", "--allow-run"];

/** The child's outcome and its `RESULT` line, parsed. */
interface Out extends ChildOutput {
  result: Record<string, unknown>;
}

async function child(
  tier: string,
  scenario: string,
  timeoutMs = 60_000,
): Promise<Out> {
  const o = await runDeno(["run", ...FLAGS, CHILD, tier, scenario], {
    timeoutMs,
  });
  assert.ok(
    !o.timedOut,
    `${scenario}: timed out (hang)\n${o.stdout}\n${o.stderr}`,
  );
  const line = o.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line, `${scenario}: no result\n${o.stdout}\n${o.stderr}`);
  return { ...o, result: JSON.parse(line.slice(7)) };
}

function assertAllCalls(r: Record<string, unknown>): void {
  assert.deepEqual(r.errors, []);
  assert.equal(r.n, 400);
  assert.equal(r.ok, true, "every result of the 8 x 50 calls is right");
  // After the threads ended, the functions are back on the direct path.
  assert.equal(r.threaded, false);
}

for (const tier of ["pool", "owned"]) {
  Deno.test(`threads (${tier}): 8 Python threads call a TS function while JS idles (awaits)`, async () => {
    const { result: r, code } = await child(tier, "idle");
    assert.equal(code, 0);
    assertAllCalls(r);
    assert.equal(r.calls, 400);
    // 500 foreign calls passing and returning the same object leak nothing.
    assert.equal(r.refEnd, r.refBefore);
  });

  Deno.test(`threads (${tier}): ... while JS runs its own withGil scopes in a 1 ms timer`, async () => {
    const { result: r } = await child(tier, "timer");
    assertAllCalls(r);
    assert.ok((r.ticks as number) > 0);
    assert.equal(r.jsCallsOk, true, "JS-thread calls made meanwhile are right");
  });

  Deno.test(`threads (${tier}): ... while JS is inside py.allowThreads doing JS work (calls wait, then run)`, async () => {
    const { result: r } = await child(tier, "allow");
    assertAllCalls(r);
    assert.equal(r.callsDuringAllow, 0, "nothing runs JS while JS is busy");
    assert.equal(r.spun, true);
  });

  Deno.test(`threads (${tier}): ... while JS is busy in synchronous Python (calls wait, then run)`, async () => {
    const { result: r } = await child(tier, "busy");
    assertAllCalls(r);
    assert.equal(r.callsDuringBusy, 0);
  });

  Deno.test(`threads (${tier}): the true cycle (py.run joining a thread that calls TS) ends with RuntimeError after the timeout`, async () => {
    const { result: r } = await child(tier, "cycle");
    const [[type, message]] = r.r as [string, string][];
    assert.equal(type, "RuntimeError");
    assert.match(
      message,
      /^TypeScript function tsf\(\) was called from a Python thread/,
    );
    assert.match(message, /within 1\.0 s/);
    assert.match(message, /async API/);
    assert.match(message, /setThreadCallTimeout/);
    const elapsed = r.elapsed as number;
    assert.ok(elapsed >= 950 && elapsed < 5000, `ended after ${elapsed} ms`);
    // Afterwards, threads that do not deadlock are served.
    assert.deepEqual(r.after, [0, 2, 4, 6, 8, 2000, 2002, 2004, 2006, 2008]);
  });

  Deno.test(`threads (${tier}): exceptions both ways and CPython's argument errors from a foreign thread`, async () => {
    const { result: r } = await child(tier, "errors");
    const res = r.res as Record<string, unknown>;
    assert.deepEqual(res.value, ["ValueError", "bad value from TS"]);
    const [jsType, jsMessage] = res.js as [string, string];
    assert.equal(jsType, "RuntimeError");
    assert.match(jsMessage, /^Error: plain JS failure/);
    // Python -> TS -> Python: the inner ZeroDivisionError comes back out.
    assert.deepEqual(res.call, ["ZeroDivisionError", "division by zero"]);
    assert.equal(res.args, "tsf() missing 1 required positional argument: 'x'");
    assert.equal(
      res.args3,
      "tsf() takes from 1 to 2 positional arguments but 3 were given",
    );
    assert.equal(res.kw, 10);
  });

  Deno.test(`threads (${tier}): ThreadPoolExecutor(8).map(tsFunction, range(1000)) returns the 1,000 results`, async () => {
    const { result: r } = await child(tier, "executor");
    assert.equal(r.ok, true);
    assert.equal(r.calls, 1000);
    assert.equal(r.threaded, false);
  });

  Deno.test(`threads (${tier}): the program ends normally while threads call TS: exit status 0, no hang`, async () => {
    const { code, signal, result } = await child(tier, "exit");
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.equal(result.calls, true);
  });

  Deno.test(`threads (${tier}): Deno.exit(3) while threads call TS: exit status 3, no hang`, async () => {
    const { code, signal, result } = await child(tier, "exit3");
    assert.equal(signal, null);
    assert.equal(code, 3);
    assert.equal(result.calls, true);
  });
}
