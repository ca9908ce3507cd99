/**
 * PyO3's `bench_pyobject.rs`: `drop_many_objects`, 1,000 new references to
 * `None` made and dropped per iteration.
 *
 * @module
 */

import { group, rt, sym } from "./_common.ts";

const N = 1000;

group("drop_many_objects", N, {
  raw: () => {
    for (let i = 0; i < N; i++) {
      sym.Py_IncRef(rt.none);
      sym.Py_DecRef(rt.none);
    }
  },
  pool: (py) => {
    for (let i = 0; i < N; i++) py.None(); // dropped: the pool releases it
  },
  owned: (py) => {
    for (let i = 0; i < N; i++) {
      using _n = py.None();
    }
  },
  ownedDispose: (py) => {
    for (let i = 0; i < N; i++) py.None()[Symbol.dispose]();
  },
});
