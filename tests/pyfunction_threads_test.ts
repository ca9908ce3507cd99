// Calls to a TypeScript function from a Python thread other than the JS one.
//
// Deno runs an FFI callback that arrives on a foreign thread on the JS thread
// (queued to its event loop) and blocks the calling thread until it ran. The
// calling Python thread holds the GIL meanwhile. So:
// - JS thread idle in its event loop (outside withGil): the callback runs,
//   finds the GIL is not the JS side's, and returns NULL; Python gets
//   RuntimeError (3.8-3.11, a clear message) or SystemError "returned NULL
//   without setting an exception" (3.12+). The process survives.
// - JS thread blocked inside Python (py.run joining the thread) or inside
//   allowThreads: the callback can never run while the caller holds the GIL
//   the JS thread waits for: a deadlock. Tested in a child process with a
//   timeout (needs --allow-run for the deno executable; ignored otherwise).

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const { name, withGil, api } of TIERS) {
  Deno.test(`pyfunction (${name}): call from another Python thread while JS is idle raises, process survives`, async () => {
    const fname = `_pf_thread_tsf_${name}`;
    let calls = 0;
    const [addr, minor] = withGil((py) => {
      const g = py.import("__main__").dict();
      g.setItem(
        fname,
        api.pyfunction(py, "tsf(x)", ({ x }) => {
          calls++;
          return x.repr() + "!";
        }),
      );
      py.run(String.raw`
import threading, ctypes, time
_pf_flags = (ctypes.c_int32 * 2)()   # [go, done]: shared with JS, read without the GIL
_pf_out = []
def _pf_body(f=${fname}):
    while _pf_flags[0] == 0:      # wait until JS has left withGil
        time.sleep(0.001)
    try:
        _pf_out.append(("ok", f(1)))
    except BaseException as e:
        _pf_out.append((type(e).__name__, str(e)))
    _pf_flags[1] = 1
_pf_t = threading.Thread(target=_pf_body, daemon=True)
_pf_t.start()
`);
      return [
        py.eval("ctypes.addressof(_pf_flags)").toJs() as number,
        py.import("sys").getattr("version_info").getattr("minor")
          .toJs() as number,
      ];
    });
    const flags = new Int32Array(
      Deno.UnsafePointerView.getArrayBuffer(
        Deno.UnsafePointer.create(BigInt(addr))!,
        8,
      ),
    );
    Atomics.store(flags, 0, 1); // go: the JS thread is outside Python now
    const deadline = Date.now() + 10_000;
    while (Atomics.load(flags, 1) === 0 && Date.now() < deadline) {
      await delay(5);
    }
    assert.equal(
      Atomics.load(flags, 1),
      1,
      "the thread's call did not return (deadlock)",
    );
    const out = withGil((py) => {
      py.run("_pf_t.join()");
      const r = py.eval("_pf_out").toJs() as [string, string][];
      py.run(`del ${fname}, _pf_t, _pf_body, _pf_flags, _pf_out`);
      return r;
    });
    assert.equal(
      calls,
      0,
      "the handler must not run on a foreign thread's behalf",
    );
    assert.equal(out.length, 1);
    if (minor <= 11) {
      assert.deepEqual(out[0], [
        "RuntimeError",
        "a TypeScript function was called from a Python thread other than the one running JavaScript; " +
        "TypeScript functions can only be called on the JS thread",
      ]);
    } else {
      assert.deepEqual(out[0], [
        "SystemError",
        "<built-in function tsf> returned NULL without setting an exception",
      ]);
    }
    // The process and the function are fine afterwards, on the JS thread.
    withGil((py) => {
      const f = api.pyfunction(
        py,
        "again(x)",
        ({ x }) => x.extract(api.Extract.int) + 1,
      );
      assert.equal(f.call1(41).toJs(), 42);
    });
  });
}

const childPath =
  new URL("./fixtures/pyfunction_thread_child.ts", import.meta.url).pathname;
const canRunDeno =
  Deno.permissions.querySync({ name: "run", command: Deno.execPath() })
    .state === "granted";

for (const mode of ["join", "allow"]) {
  Deno.test({
    name:
      `pyfunction: foreign-thread call while JS is blocked in Python (${mode}) deadlocks (child process, 3 s timeout)`,
    ignore: !canRunDeno,
    async fn() {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-ffi",
          "--allow-env",
          "--allow-read",
          "--allow-run=python3",
          childPath,
          mode,
        ],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      const { stdout, signal } = await child.output();
      clearTimeout(timer);
      const text = new TextDecoder().decode(stdout);
      // Characterization: the Python thread reached the call, nobody returned,
      // and only our timeout ended the child (no crash, no exit).
      assert.match(text, /js start/);
      assert.match(text, /thread calling/);
      assert.doesNotMatch(text, /thread returned/);
      assert.doesNotMatch(text, /js done/);
      assert.equal(signal, "SIGKILL");
    },
  });
}
