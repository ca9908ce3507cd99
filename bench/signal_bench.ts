/**
 * What the Ctrl-C handling (`src/core/signals.ts`) costs: the same empty
 * outermost `Python.withGil` with it on and off, in one process, 100 scopes
 * per iteration (as `gil_bench.ts`):
 * - `same task`: 100 scopes in one synchronous run, so CPython's SIGINT
 *   disposition is installed once and put back once per iteration;
 * - `own task`: an `await` after each scope, so the restoring microtask runs
 *   after every scope (two `sigaction` calls, `PyGILState`, and
 *   `PyErr_CheckSignals` each time): the cost for a program that enters
 *   Python once per event (a request, a timer);
 * and next to them the parts: a `sigaction` pair, `PyGILState_Ensure` plus
 * `Release`, `PyErr_CheckSignals`.
 *
 * @module
 */

import { O, P, sym } from "./_common.ts";
import { setSigintHandling, sigintActive } from "../src/core/signals.ts";

const N = 100;
const SIGINT = 2;
const a = new BigUint64Array(32);
const b = new BigUint64Array(32);
const pa = Deno.UnsafePointer.of(a);
const pb = Deno.UnsafePointer.of(b);
const sigaction = sym.sigaction!;
sigaction(SIGINT, null, pa);

P.Python.withGil(() => {});
// The handling is active only on CPython's main thread: in a multi-file
// `deno bench` run, later files run on other threads (as in `deno test`;
// README, "What differs from running python3"). Then the on/off pairs are
// skipped, with a note, instead of measuring nothing; `deno task
// bench:signal` runs this file alone.
const active = sigintActive() === true;
if (!active) {
  console.error(
    "signal_bench.ts: SIGINT handling is not active in this run (not CPython's main thread): run `deno task bench:signal` to measure it",
  );
}

function pair(
  name: string,
  f: () => void | Promise<void>,
): void {
  for (const on of [true, false]) {
    Deno.bench({
      name: `${name}/${on ? "on" : "off"}`,
      group: `${name} x${N}`,
      baseline: !on,
      ignore: !active,
      async fn(b) {
        setSigintHandling(on);
        b.start();
        await f();
        b.end();
      },
    });
  }
}

pair("pool, same task", () => {
  for (let i = 0; i < N; i++) P.Python.withGil(() => {});
});
pair("owned, same task", () => {
  for (let i = 0; i < N; i++) O.Python.withGil(() => {});
});
pair("pool, own task", async () => {
  for (let i = 0; i < N; i++) {
    P.Python.withGil(() => {});
    await null;
  }
});
pair("owned, own task", async () => {
  for (let i = 0; i < N; i++) {
    O.Python.withGil(() => {});
    await null;
  }
});

Deno.bench({
  name: "gilstate_ensure_release",
  group: `parts x${N}`,
  baseline: true,
  fn: () => {
    for (let i = 0; i < N; i++) sym.PyGILState_Release(sym.PyGILState_Ensure());
  },
});
Deno.bench({
  name: "sigaction_pair",
  group: `parts x${N}`,
  fn: () => {
    for (let i = 0; i < N; i++) {
      sigaction(SIGINT, pa, pb);
      sigaction(SIGINT, pb, null);
    }
  },
});
Deno.bench({
  name: "check_signals",
  group: `parts x${N}`,
  fn: () => {
    const g = sym.PyGILState_Ensure();
    for (let i = 0; i < N; i++) sym.PyErr_CheckSignals();
    sym.PyGILState_Release(g);
  },
});
