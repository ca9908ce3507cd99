/**
 * What the Ctrl-C handling (`src/core/signals.ts`) costs an outermost
 * `Python.withGil`: the same empty scope with the SIGINT swap on and off, in
 * one process, next to its parts (two `sigaction` calls, `PyGILState`) and
 * `PyErr_CheckSignals`. 100 scopes per iteration, as `gil_bench.ts`.
 *
 * @module
 */

import { O, P, sym } from "./_common.ts";
import { setSigintSwap, sigintActive } from "../src/core/signals.ts";

const N = 100;
const SIGINT = 2;
const a = new BigUint64Array(32);
const b = new BigUint64Array(32);
const pa = Deno.UnsafePointer.of(a);
const pb = Deno.UnsafePointer.of(b);
const sigaction = sym.sigaction!;
sigaction(SIGINT, null, pa);

P.Python.withGil(() => {});
if (sigintActive() !== true) throw new Error("SIGINT handling is not active");

function pair(name: string, on: () => void, off: () => void): void {
  Deno.bench({
    name: `${name}/swap-on`,
    group: `${name} x${N}`,
    fn: () => {
      setSigintSwap(true);
      on();
    },
  });
  Deno.bench({
    name: `${name}/swap-off`,
    group: `${name} x${N}`,
    baseline: true,
    fn: () => {
      setSigintSwap(false);
      off();
    },
  });
}

const poolEmpty = (): void => {
  for (let i = 0; i < N; i++) P.Python.withGil(() => {});
};
const ownedEmpty = (): void => {
  for (let i = 0; i < N; i++) O.Python.withGil(() => {});
};
pair("withgil_pool", poolEmpty, poolEmpty);
pair("withgil_owned", ownedEmpty, ownedEmpty);

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
