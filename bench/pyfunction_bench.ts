// Calling a TypeScript function from Python, per call, against a pure-Python
// function of the same signature (the baseline). Each bench runs a Python
// `for` loop of N calls, so the per-call cost dominates; divide by N.
// Run: deno bench --allow-ffi --allow-env --allow-read --allow-run=python3 bench/pyfunction_bench.ts

import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";

const N = 10_000;

const SETUP = String.raw`
def _bench_py_noargs():
    return None
def _bench_py_pos(a, b, c):
    return a
def _bench_py_kw(a, *, scale=1, offset=0):
    return a
def _bench_py_var(*args, **kwargs):
    return len(args)

def _bench_loop_noargs(f):
    for _ in range(${N}):
        f()
def _bench_loop_pos(f):
    for i in range(${N}):
        f(i, 2, 3)
def _bench_loop_kw(f):
    for i in range(${N}):
        f(i, scale=2, offset=3)
def _bench_loop_var(f):
    for i in range(${N}):
        f(i, 2, x=1, y=2)
`;

stable.Python.withGil((py) => {
  const g = py.import("__main__").dict();
  py.run(SETUP);
  const tiers = [["pool", stable], ["owned", experimental]] as const;
  for (const [tier, api] of tiers) {
    const make = (p: stable.PythonBase) => {
      g.setItem(
        `_bench_${tier}_noargs`,
        api.pyfunction(p, "noargs()", () => null),
      );
      g.setItem(
        `_bench_${tier}_pos`,
        api.pyfunction(p, "pos(a, b, c)", ({ a }) => a),
      );
      g.setItem(
        `_bench_${tier}_kw`,
        api.pyfunction(p, "kw(a, *, scale=1, offset=0)", ({ a }) => a),
      );
      g.setItem(
        `_bench_${tier}_var`,
        api.pyfunction(p, "var(*args, **kwargs)", ({ args }) => args.len()),
      );
    };
    if (tier === "pool") make(py);
    else experimental.Python.withGil((p) => make(p));
  }
});

const shapes = [
  ["no args", "noargs"],
  ["positional args f(i, 2, 3)", "pos"],
  ["keyword args f(i, scale=2, offset=3)", "kw"],
  ["*args/**kwargs f(i, 2, x=1, y=2)", "var"],
] as const;

for (const [title, key] of shapes) {
  const group = `pyfunction call from Python: ${title} (x${N})`;
  Deno.bench({
    name: "python def",
    group,
    baseline: true,
    fn: () => {
      stable.Python.withGil((py) => {
        py.eval(`_bench_loop_${key}(_bench_py_${key})`);
      });
    },
  });
  Deno.bench({
    name: "pool",
    group,
    fn: () => {
      stable.Python.withGil((py) => {
        py.eval(`_bench_loop_${key}(_bench_pool_${key})`);
      });
    },
  });
  Deno.bench({
    name: "owned",
    group,
    fn: () => {
      experimental.Python.withGil((py) => {
        using _ = py.eval(`_bench_loop_${key}(_bench_owned_${key})`);
      });
    },
  });
}
