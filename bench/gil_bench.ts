/**
 * PyO3's `bench_gil.rs`: acquiring the GIL with a clean scope, and with a
 * dirty one (a reference to release when the scope ends); 100 per iteration.
 *
 * Unlike the other groups, each iteration here does not run inside one GIL
 * scope: acquiring it is what is measured.
 *
 * @module
 */

import { O, P, rt, sym } from "./_common.ts";

const N = 100;
let sink: unknown;

function trio(
  name: string,
  raw: () => void,
  pool: () => void,
  owned: () => void,
): void {
  Deno.bench({
    name: `${name}/raw`,
    group: `${name} x${N}`,
    baseline: true,
    fn: raw,
  });
  Deno.bench({ name: `${name}/pool`, group: `${name} x${N}`, fn: pool });
  Deno.bench({ name: `${name}/owned`, group: `${name} x${N}`, fn: owned });
}

trio(
  "clean_acquire_gil",
  () => {
    for (let i = 0; i < N; i++) sym.PyGILState_Release(sym.PyGILState_Ensure());
  },
  () => {
    for (let i = 0; i < N; i++) P.Python.withGil(() => {});
  },
  () => {
    for (let i = 0; i < N; i++) O.Python.withGil(() => {});
  },
);

trio(
  "dirty_acquire_gil",
  () => {
    for (let i = 0; i < N; i++) {
      const g = sym.PyGILState_Ensure();
      sym.Py_IncRef(rt.none);
      sym.Py_DecRef(rt.none);
      sym.PyGILState_Release(g);
    }
  },
  () => {
    for (let i = 0; i < N; i++) P.Python.withGil((py) => (sink = py.None()));
  },
  () => {
    for (let i = 0; i < N; i++) O.Python.withGil((py) => (sink = py.None()));
  },
);
void sink;
