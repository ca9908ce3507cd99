// Memory behaviour of the two tiers over 1,000,000 iterations that create
// temporaries (DESIGN.md: "memory in a long loop"). A few seconds, but
// memory-sensitive, hence its own file. Each iteration makes two temporaries: a borrowed item
// (`d.getItem("n")`) and a new Python float (`PyFloat.new`).
//
// - stable tier, no withPool: the pool grows (PyO3 #1056). Measured here on
//   CPython 3.11 / Deno 2.9.6: +999,997 Python blocks and +180 to +310 MB RSS
//   before the scope ends (2,000,000 pooled references); the test asserts
//   >= 990,000 blocks and > 50 MB.
// - stable tier, `py.withPool` per iteration: flat.
// - experimental tier, `using`, no withPool: flat.
// "Flat" means < 8 MB RSS growth after a 100,000-iteration warm-up (measured
// after gc(), so it needs --v8-flags=--expose-gc) and fewer than 1,000 new
// Python blocks (`sys.getallocatedblocks()`).

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as owned from "../experimental/mod.ts";

const N = 1_000_000;
const WARMUP = 100_000;
const MB = 1024 * 1024;
const FLAT_RSS = 8 * MB;
const FLAT_BLOCKS = 1_000;

function gc(): void {
  const f = (globalThis as { gc?: () => void }).gc;
  assert.ok(
    typeof f === "function",
    "run with --v8-flags=--expose-gc (deno task test does)",
  );
  f();
}

/** `sys.getallocatedblocks()` without leaving anything behind in either tier. */
function blocks(py: stable.Python | owned.Python): number {
  using sys = py.import("sys");
  using r = sys.callMethod0("getallocatedblocks");
  return r.extract(stable.Extract.int);
}

interface Measure {
  rss: number;
  blocks: number;
}

function report(name: string, before: Measure, after: Measure): void {
  console.log(
    `${name}: RSS ${((after.rss - before.rss) / MB).toFixed(1)} MB, ` +
      `Python blocks ${
        after.blocks - before.blocks
      } over ${N.toLocaleString()} iterations`,
  );
}

function measureNow(py: stable.Python | owned.Python): Measure {
  return { rss: Deno.memoryUsage().rss, blocks: blocks(py) };
}

/** Run `body` N times (after `warmup` iterations, each followed by gc()), report, and return the measures. */
function measureLoop(
  py: stable.Python | owned.Python,
  name: string,
  warmup: number,
  body: (i: number) => void,
): { before: Measure; after: Measure } {
  for (let i = 0; i < warmup; i++) body(i);
  gc();
  const before = measureNow(py);
  for (let i = 0; i < N; i++) body(i);
  if (warmup > 0) gc();
  const after = measureNow(py);
  report(name, before, after);
  return { before, after };
}

/** Flat: fewer than FLAT_BLOCKS new Python blocks and less than FLAT_RSS growth. */
function assertFlat(before: Measure, after: Measure): void {
  assert.ok(
    after.blocks - before.blocks < FLAT_BLOCKS,
    `Python blocks grew by ${after.blocks - before.blocks}`,
  );
  assert.ok(
    after.rss - before.rss < FLAT_RSS,
    `RSS grew by ${(after.rss - before.rss) / MB} MB`,
  );
}

Deno.test("memory: stable tier without withPool grows until the scope ends", () => {
  const { Python, PyDict, PyFloat, Extract } = stable;
  Python.withGil((py) => {
    const d = PyDict.fromEntries(py, { n: 3 });
    let sum = 0;
    const { before, after } = measureLoop(py, "stable, no withPool", 0, (i) => {
      sum += d.getItem("n")!.extract(Extract.int);
      sum += PyFloat.new(py, i + 0.5).extract(Extract.float);
    });
    assert.ok(sum > 0);
    // one float per iteration (CPython's float free list recycles a handful)
    assert.ok(
      after.blocks - before.blocks >= 0.99 * N,
      `Python blocks grew by only ${after.blocks - before.blocks}`,
    );
    assert.ok(
      after.rss - before.rss > 50 * MB,
      `RSS grew by only ${(after.rss - before.rss) / MB} MB`,
    );
  });
  // and it was all released at scope end
  Python.withGil((py) => {
    const b = blocks(py);
    const d = PyDict.fromEntries(py, { n: 3 });
    for (let i = 0; i < 1000; i++) d.getItem("n");
    assert.ok(blocks(py) - b < 10_000);
  });
});

Deno.test("memory: stable tier with py.withPool per iteration stays flat", () => {
  const { Python, PyDict, PyFloat, Extract } = stable;
  Python.withGil((py) => {
    const d = PyDict.fromEntries(py, { n: 3 });
    let sum = 0;
    const m = measureLoop(py, "stable, withPool", WARMUP, (i) => {
      py.withPool(() => {
        sum += d.getItem("n")!.extract(Extract.int);
        sum += PyFloat.new(py, i + 0.5).extract(Extract.float);
      });
    });
    assert.ok(sum > 0);
    assertFlat(m.before, m.after);
  });
});

Deno.test("memory: experimental tier with `using` stays flat without withPool", () => {
  const { Python, PyDict, PyFloat, Extract } = owned;
  Python.withGil((py) => {
    using d = PyDict.fromEntries(py, { n: 3 });
    let sum = 0;
    const m = measureLoop(py, "owned, using", WARMUP, (i) => {
      using v = d.getItem("n")!;
      using f = PyFloat.new(py, i + 0.5);
      sum += v.extract(Extract.int) + f.extract(Extract.float);
    });
    assert.ok(sum > 0);
    assertFlat(m.before, m.after);
  });
});
