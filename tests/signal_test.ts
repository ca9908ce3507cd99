// Issue 12, defect 5: Ctrl-C (src/core/signals.ts). SIGINT while the JS
// thread runs Python code raises KeyboardInterrupt there (a
// PyKeyboardInterrupt in JS), and while JS code runs inside Python.withGil it
// is thrown when the scope ends; otherwise, Deno's default (the process ends,
// killed by SIGINT, or a Deno.addSignalListener listener runs), at once, or
// when the synchronous code of a task that used Python is done. Each case runs in a child Deno
// process (tests/fixtures/signal_child.ts) that gets a real SIGINT after it
// prints a "ready" line, with a timeout so a hang fails instead of stalling.

import assert from "node:assert/strict";
import { type ChildOutput, pyenvLibraries, runDeno } from "./fixtures/child.ts";

const CHILD = new URL("./fixtures/signal_child.ts", import.meta.url).pathname;
const FLAGS = ["--allow-ffi", "--allow-env", "--allow-read", "--allow-run"];
const LINUX = Deno.build.os === "linux";

interface Out extends ChildOutput {
  /** How many SIGINTs were sent. */
  sent: number;
}

/**
 * Run the child with `args` on `lib`; after each stdout line starting with
 * "ready", wait `delayMs` and send it SIGINT. Killed after `timeoutMs`.
 */
async function child(
  lib: string,
  args: string[],
  delayMs = 50,
  timeoutMs = 60_000,
): Promise<Out> {
  let sent = 0;
  const o = await runDeno(["run", ...FLAGS, CHILD, ...args], {
    env: { PYTHON_LIBRARY: lib },
    timeoutMs,
    onLine: async (line, proc) => {
      if (!line.startsWith("ready")) return;
      await new Promise((r) => setTimeout(r, delayMs));
      try {
        proc.kill("SIGINT");
        sent++;
      } catch { /* already ended */ }
    },
  });
  const out = { ...o, sent };
  assert.ok(!o.timedOut, `timed out: ${JSON.stringify(out)}`);
  return out;
}

/** The last stdout line, parsed; the child must have exited 0. */
function result(o: Out): Record<string, unknown> {
  assert.equal(o.code, 0, JSON.stringify(o));
  return JSON.parse(o.stdout.trim().split("\n").at(-1)!);
}

/** Ended as Deno ends a process on SIGINT: killed by it. */
function endedBySigint(o: Out, what: string): void {
  assert.equal(o.signal, "SIGINT", `${what}: ${JSON.stringify(o)}`);
  assert.equal(o.code, 130, `${what}: ${JSON.stringify(o)}`);
}

const all = pyenvLibraries();
/** The oldest, 3.11 (else the middle one) and the newest of the matrix. */
const three = [
  ...new Set([
    all[0],
    all.find(([m]) => m === 11) ?? all[Math.floor(all.length / 2)],
    all.at(-1),
  ]),
].filter((v): v is [number, string] => v !== undefined);

/** `f` over `items`, at most `n` at a time (two cores are shared). */
async function pool<T, R>(
  items: T[],
  f: (t: T) => Promise<R>,
  n = 3,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

Deno.test({
  name:
    "signal: SIGINT during a Python loop is a PyKeyboardInterrupt, twice, and Python goes on working (3.8-3.13)",
  ignore: !LINUX || all.length === 0,
  async fn() {
    const outs = await pool(all, ([, lib]) => child(lib, ["loop", "2"]));
    all.forEach(([minor], i) => {
      const o = outs[i];
      assert.equal(o.sent, 2, `3.${minor}: ${JSON.stringify(o)}`);
      assert.deepEqual(result(o), {
        results: ["caught KeyboardInterrupt", "caught KeyboardInterrupt"],
        after: 42,
      }, `3.${minor}`);
    });
  },
});

Deno.test({
  name:
    "signal: the same after Deno installed its own SIGINT handler; time.sleep is interrupted; a handler Python sets runs inside Python only",
  ignore: !LINUX || three.length === 0,
  async fn() {
    await pool(three, async ([minor, lib]) => {
      const late = await child(lib, ["loop", "2", "late"]);
      assert.deepEqual(result(late), {
        results: ["caught KeyboardInterrupt", "caught KeyboardInterrupt"],
        after: 42,
      }, `3.${minor} late`);
      const sleep = await child(lib, ["sleep"]);
      assert.deepEqual(result(sleep), {
        got: "caught KeyboardInterrupt",
        fast: true,
        after: 42,
      }, `3.${minor} sleep`);
      const custom = await child(lib, ["custom"]);
      assert.equal(custom.sent, 2, JSON.stringify(custom));
      assert.ok(custom.stdout.includes('{"got":[2]}'), JSON.stringify(custom));
      endedBySigint(custom, `3.${minor} custom, outside Python`);
    });
  },
});

Deno.test({
  name:
    "signal: SIGINT outside Python ends the process as Deno's default, idle or in a busy JS loop, whichever handler came first",
  ignore: !LINUX || three.length === 0,
  async fn() {
    const cases = three.flatMap(([minor, lib]) =>
      ["idle", "idle-late", "idle-after", "busy", "busy-same"].map((mode) =>
        [minor, lib, mode] as const
      )
    );
    const outs = await pool(cases, ([, lib, mode]) => child(lib, [mode]));
    cases.forEach(([minor, , mode], i) => {
      const o = outs[i];
      assert.equal(o.sent, 1, JSON.stringify(o));
      assert.ok(!o.stdout.includes("timer ended"), JSON.stringify(o));
      // In the task that used Python, SIGINT waits for its synchronous code.
      assert.equal(
        o.stdout.includes("busy loop ended"),
        mode === "busy-same",
        `${mode}: ${JSON.stringify(o)}`,
      );
      endedBySigint(o, `3.${minor} ${mode}`);
    });
  },
});

Deno.test({
  name:
    "signal: a Deno.addSignalListener listener hears SIGINT outside Python; inside, it is a PyKeyboardInterrupt the listener does not hear",
  ignore: !LINUX || three.length === 0,
  async fn() {
    const outs = await pool(three, ([, lib]) => child(lib, ["listener"]));
    three.forEach(([minor], i) => {
      assert.deepEqual(result(outs[i]), {
        heardIdle: 1,
        afterIdle: "42",
        inPython: "caught KeyboardInterrupt",
        heard: 1,
        after: 42,
      }, `3.${minor}`);
    });
  },
});

Deno.test({
  name:
    "signal: _thread.interrupt_main() raises KeyboardInterrupt in the JS thread's Python code; getsignal(SIGINT) is default_int_handler (3.8-3.13)",
  ignore: !LINUX || all.length === 0,
  async fn() {
    const outs = await pool(all, ([, lib]) => child(lib, ["interrupt"]));
    all.forEach(([minor], i) => {
      assert.deepEqual(result(outs[i]), {
        got: "caught KeyboardInterrupt",
        handler: "default_int_handler",
        after: 42,
      }, `3.${minor}`);
    });
  },
});

Deno.test({
  name:
    "signal: SIGINT while JS code runs inside withGil is a PyKeyboardInterrupt when the scope ends; Python goes on working",
  ignore: !LINUX || three.length === 0,
  async fn() {
    const outs = await pool(three, ([, lib]) => child(lib, ["js-inside"]));
    three.forEach(([minor], i) => {
      assert.deepEqual(
        result(outs[i]),
        { scope: "caught KeyboardInterrupt", next: "42", after: 42 },
        `3.${minor}`,
      );
    });
  },
});

Deno.test({
  name:
    "signal: listeners hear a SIGINT that arrived between scopes once, after the task; the first listener added right after Python was used never makes SIGINT trip Python",
  ignore: !LINUX || three.length === 0,
  async fn() {
    const cases = three.flatMap(([minor, lib]) =>
      ["listener-after", "listener-same"].map((m) => [minor, lib, m] as const)
    );
    const outs = await pool(cases, ([, lib, m]) => child(lib, [m]));
    cases.forEach(([minor, , m], i) => {
      assert.deepEqual(
        result(outs[i]),
        m === "listener-after"
          ? {
            heardIdle: 1,
            afterIdle: "42",
            inPython: "caught KeyboardInterrupt",
            heard: 1,
            after: 42,
          }
          : { heard: 1, after: 42 },
        `3.${minor} ${m}`,
      );
    });
  },
});

Deno.test({
  name:
    "signal: CPython's SIGINT disposition is installed in a task that used Python and Deno's is back after it",
  ignore: !LINUX || three.length === 0,
  async fn() {
    const outs = await pool(three, ([, lib]) => child(lib, ["disposition"]));
    three.forEach(([minor], i) => {
      const r = result(outs[i]);
      assert.equal(r.active, true, `3.${minor}`);
      assert.ok(r.deno !== "0" && r.deno !== "1", `Deno's handler: ${r.deno}`);
      assert.notEqual(r.inside, r.deno, `3.${minor}`);
      assert.equal(r.afterScope, r.inside, "CPython's until the task ends");
      assert.equal(r.nextScope, r.inside);
      assert.equal(r.afterTask, r.deno, "Deno's once the task's code is done");
      assert.equal(r.offInside, r.deno, "setSigintHandling(false)");
    });
  },
});
