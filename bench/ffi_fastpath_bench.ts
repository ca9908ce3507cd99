/**
 * Fast-path check for the hot FFI symbols: see `_fastpath.ts`.
 *
 * ```sh
 * deno task bench:fastpath          # the table; exit code 1 when a hot symbol is slow
 * deno bench --allow-ffi ... bench/ffi_fastpath_bench.ts   # as bench groups
 * ```
 *
 * @module
 */

import { Python } from "../mod.ts";
import {
  type Case,
  fastpathTable,
  makeCases,
  measureFastpath,
  SLOW_NS,
} from "./_fastpath.ts";

if (import.meta.main) {
  const rows = measureFastpath();
  console.log(fastpathTable(rows));
  const slow = rows.filter((r) => !r.fast && !r.reference);
  if (slow.length > 0) {
    console.log(
      `\nslow path (>= ${SLOW_NS} ns of FFI cost): ${
        slow.map((r) => r.name).join(", ")
      }`,
    );
    Deno.exit(1);
  }
  console.log(
    `\nevery hot symbol is on the fast path (signature cost < ${SLOW_NS} ns)`,
  );
} else {
  // deno bench: one group per symbol, 1,000 calls per iteration, real call vs signature twin.
  let ctx: ReturnType<typeof makeCases> | null = null;
  let cases: Case[] = [];
  try {
    Python.withGil(() => {
      ctx = makeCases();
      cases = ctx.cases;
    });
  } catch (e) {
    console.error("ffi_fastpath_bench: setup failed:", e);
  }
  for (const c of cases) {
    Deno.bench({
      name: `${c.name} x1000`,
      group: `ffi:${c.name}`,
      fn: () => {
        Python.withGil(() => {
          c.run(1000);
          c.undo?.(1000);
        });
      },
    });
    Deno.bench({
      name: `${c.name} signature x1000`,
      group: `ffi:${c.name}`,
      baseline: true,
      fn: () => c.shape(1000),
    });
  }
  void ctx;
}
