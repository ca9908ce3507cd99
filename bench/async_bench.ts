/**
 * Python off the JS thread (issue 11, item 3): the round trip of an async
 * call, and how late JS timers fire while Python computes through the async
 * API.
 *
 * - `async_call_noop`: `await Python.callAsync(f)` of `lambda: None`, per
 *   call, against `raw`: a `nonblocking` FFI call of a C function that does
 *   nothing Python-related (`Py_IsInitialized`), the floor of Deno's
 *   blocking-pool dispatch; and against the synchronous `f.call0()` in a
 *   fresh `withGil`.
 * - `timer_10ms`: `await` of a 10 ms `setTimeout`, idle (baseline) and while
 *   an async job keeps Python busy on another thread (its time minus 10 ms
 *   is the lateness), and the same timer whose callback opens a short
 *   `withGil` (it waits for the GIL, which the job's thread holds: CPython
 *   hands it over after at most `sys.getswitchinterval()`, 5 ms).
 * - `timer_lateness_2s`: one job computing for 2 s through
 *   `Python.runAsync`, a 10 ms `setInterval` sampling lateness meanwhile;
 *   prints max, p99 and mean (the target: under 20 ms).
 *
 * @module
 */

import { O, P } from "./_common.ts";

const f = P.Python.withGil((py) => P.Py.from(py.eval("lambda: None")));
const fo = O.Python.withGil((py) => py.eval("lambda: None").unbind());
const busy = P.Python.withGil((py) => {
  const d = P.PyDict.new(py);
  py.run(
    [
      "import time",
      "def busy(seconds):",
      "    end = time.perf_counter() + seconds",
      "    n = 0",
      "    while time.perf_counter() < end:",
      "        n += 1",
      "    return n",
    ].join("\n"),
    d,
  );
  return P.Py.from(d.getItem("busy")!);
});

// A C function called nonblocking: Deno's dispatch to its blocking pool and back.
const lib = P.Python.libraryPath;
const floor = Deno.dlopen(lib, {
  Py_IsInitialized: { parameters: [], result: "i32", nonblocking: true },
});

Deno.bench({
  name: "raw: nonblocking FFI call (Py_IsInitialized)",
  group: "async_call_noop",
  baseline: true,
  async fn() {
    await floor.symbols.Py_IsInitialized();
  },
});

Deno.bench({
  name: "pool: await Python.callAsync(f) (Py result, disposed)",
  group: "async_call_noop",
  async fn() {
    (await P.Python.callAsync(f))[Symbol.dispose]();
  },
});

Deno.bench({
  name: "pool: await f.callAsync() started in a withGil scope",
  group: "async_call_noop",
  async fn() {
    const { job } = P.Python.withGil((py) => ({ job: f.bind(py).callAsync() }));
    (await job)[Symbol.dispose]();
  },
});

Deno.bench({
  name: "pool: await Python.callAsync(f, [], undefined, Extract.bool)",
  group: "async_call_noop",
  async fn() {
    await P.Python.callAsync(
      f,
      [],
      undefined,
      P.Extract.optional(P.Extract.bool),
    );
  },
});

Deno.bench({
  name: "owned: await Python.callAsync(f) (Py result, disposed)",
  group: "async_call_noop",
  async fn() {
    (await O.Python.callAsync(fo))[Symbol.dispose]();
  },
});

Deno.bench({
  name: "sync reference: withGil + f.call0()",
  group: "async_call_noop",
  fn() {
    P.Python.withGil((py) => f.bind(py).call0());
  },
});

// --- timers while Python computes ----------------------------------------------------

const sleep10 = () => new Promise<void>((r) => setTimeout(r, 10));

/** Keep one 200 ms job running until `stop()`. */
function keepBusy(): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await P.Python.callAsync(busy, [0.2], undefined, P.Extract.int);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

Deno.bench({
  name: "idle: setTimeout(10 ms)",
  group: "timer_10ms",
  baseline: true,
  n: 100,
  async fn() {
    await sleep10();
  },
});

let stopBusy: (() => Promise<void>) | null = null;
Deno.bench({
  name: "while an async job computes: setTimeout(10 ms)",
  group: "timer_10ms",
  n: 100,
  async fn(b) {
    stopBusy ??= keepBusy();
    b.start();
    await sleep10();
    b.end();
  },
});

Deno.bench({
  name:
    "while an async job computes: setTimeout(10 ms) whose callback runs withGil",
  group: "timer_10ms",
  n: 100,
  async fn(b) {
    stopBusy ??= keepBusy();
    b.start();
    await new Promise<void>((r) =>
      setTimeout(() => {
        P.Python.withGil((py) => py.eval("1 + 1"));
        r();
      }, 10)
    );
    b.end();
  },
});

Deno.bench({
  name: "one 2 s job through Python.runAsync, 10 ms interval sampled",
  group: "timer_lateness_2s",
  n: 1,
  warmup: 0,
  async fn() {
    if (stopBusy) {
      await stopBusy();
      stopBusy = null;
    }
    const late: number[] = [];
    let last = performance.now();
    const iv = setInterval(() => {
      const now = performance.now();
      late.push(now - last - 10);
      last = now;
    }, 10);
    const g = P.Python.withGil((py) => {
      const d = P.PyDict.new(py);
      d.setItem("busy", busy.bind(py));
      return P.Py.from(d);
    });
    const t0 = performance.now();
    await P.Python.runAsync("busy(2.0)", g);
    const took = performance.now() - t0;
    clearInterval(iv);
    g[Symbol.dispose]();
    late.sort((a, b) => a - b);
    const p = (q: number) =>
      late[Math.min(late.length - 1, Math.floor(q * late.length))];
    const mean = late.reduce((s, x) => s + x, 0) / late.length;
    console.log(
      `timer lateness during a ${
        took.toFixed(0)
      } ms async job: ${late.length} ticks, ` +
        `max ${late.at(-1)!.toFixed(2)} ms, p99 ${p(0.99).toFixed(2)} ms, ` +
        `median ${p(0.5).toFixed(2)} ms, mean ${mean.toFixed(2)} ms`,
    );
  },
});
