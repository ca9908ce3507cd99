/**
 * Issue 13's eight workloads, one group each, with `raw` (the floor),
 * `pool`, `owned`, `owned-dispose` and `python` (the same workload in pure
 * Python, a reference) members, plus the callback floor (a TypeScript
 * function called from Python against a raw `Deno.UnsafeCallback` of the
 * same arity). The workloads are defined in `_workloads.ts`; the report
 * (`deno task bench:report`) divides each time by the group's `xN`.
 *
 * @module
 */

import { group } from "./_common.ts";
import { CALLBACKS, WORKLOADS } from "./_workloads.ts";

for (const w of [...WORKLOADS, ...CALLBACKS]) group(w.name, w.n, w);
