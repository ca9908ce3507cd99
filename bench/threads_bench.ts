// TypeScript functions called from Python threads (issue 11): per call, a
// Python loop of N calls on the JS thread in direct mode (no other Python
// thread), the same loop in threaded mode (one idle Python thread alive),
// and the round trip of a call from another Python thread while JS awaits.
// Run: deno bench --allow-ffi --allow-env --allow-read --allow-run=python3 bench/threads_bench.ts

import { pyfunction, Python } from "../mod.ts";

const N = 10_000;
const M = 200;

Python.withGil((py) => {
  const g = py.import("__main__").dict();
  g.setItem("_tb_noargs", pyfunction(py, "noargs()", () => null));
  g.setItem("_tb_pos", pyfunction(py, "pos(a, b, c)", ({ a }) => a));
  py.run(String.raw`
import threading
def _tb_loop_noargs():
    f = _tb_noargs
    for _ in range(${N}):
        f()
def _tb_loop_pos():
    f = _tb_pos
    for i in range(${N}):
        f(i, 2, 3)
_tb_stop = threading.Event()
_tb_idle = None
def _tb_threaded(on):
    global _tb_idle
    if on and _tb_idle is None:
        _tb_stop.clear()
        _tb_idle = threading.Thread(target=_tb_stop.wait, daemon=True)
        _tb_idle.start()
    elif not on and _tb_idle is not None:
        _tb_stop.set(); _tb_idle.join(); _tb_idle = None
_tb_done = [0]
def _tb_foreign():
    f = _tb_noargs
    for _ in range(${M}):
        f()
    _tb_done[0] = 1
def _tb_start_foreign():
    _tb_done[0] = 0
    threading.Thread(target=_tb_foreign, daemon=True).start()
`);
});

const run = (code: string): void => {
  Python.withGil((py) => {
    py.run(code);
  });
};

for (
  const [name, loop] of [["f()", "_tb_loop_noargs()"], [
    "f(i, 2, 3)",
    "_tb_loop_pos()",
  ]]
) {
  Deno.bench({
    name: `direct mode: ${N} calls ${name} on the JS thread`,
    group: `thread mode ${name}`,
    baseline: true,
    fn: () => {
      run(`_tb_threaded(False)\n${loop}`);
    },
  });
  Deno.bench({
    name: `threaded mode: ${N} calls ${name} on the JS thread`,
    group: `thread mode ${name}`,
    fn: () => {
      run(`_tb_threaded(True)\n${loop}`);
    },
  });
}

Deno.bench({
  name:
    `foreign thread: ${M} calls f() from another Python thread, JS awaiting`,
  group: "foreign",
  async fn() {
    run("_tb_threaded(False)\n_tb_start_foreign()");
    for (;;) {
      await new Promise((r) => setTimeout(r, 0));
      if (Python.withGil((py) => py.eval("_tb_done[0]").toJs() === 1)) break;
    }
  },
});
