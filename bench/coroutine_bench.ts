/**
 * Coroutines and Promises across the boundary (issue 11, item 4), per
 * operation, both tiers, next to the async API's own round trip:
 *
 * - `await_noop`: `awaitAsync()` of `asyncio.sleep(0)` (a coroutine that
 *   yields once) on pyembed's asyncio thread;
 * - `await_ts_promise`: a coroutine that awaits a TypeScript function
 *   returning a resolved Promise (Python -> JS thread -> Promise settled ->
 *   Python), awaited from TS;
 * - `call_async_noop`: `callAsync` of `lambda: None` (the floor both go
 *   through).
 *
 * The first awaitAsync starts the asyncio thread, which lasts for the
 * process: TypeScript functions then stay in threaded mode (README,
 * "Threads"), so this file is kept apart from the other benches.
 *
 * @module
 */

import { O, P } from "./_common.ts";

const setup = (py: InstanceType<typeof P.Python>): void => {
  py.run(
    [
      "import asyncio",
      "async def via(f):",
      "    return await f()",
    ].join("\n"),
  );
};
P.Python.withGil((py) => setup(py));

const tsf = P.Python.withGil((py) =>
  P.Py.from(P.pyfunction(py, "resolved()", () => Promise.resolve(1)))
);
const tsfOwned = O.Python.withGil((py) =>
  O.pyfunction(py, "resolved()", () => Promise.resolve(1)).unbind()
);
const noop = P.Python.withGil((py) => P.Py.from(py.eval("lambda: None")));

Deno.bench({
  name: "call_async_noop/pool",
  group: "async round trip",
  baseline: true,
  async fn() {
    (await P.Python.callAsync(noop))[Symbol.dispose]();
  },
});
Deno.bench({
  name: "await_noop/pool",
  group: "async round trip",
  async fn() {
    const job = P.Python.withGil((py) =>
      py.eval("asyncio.sleep(0)").awaitAsync()
    );
    (await job)[Symbol.dispose]();
  },
});
Deno.bench({
  name: "await_noop/owned",
  group: "async round trip",
  async fn() {
    const job = O.Python.withGil((py) => {
      using c = py.eval("asyncio.sleep(0)");
      return c.awaitAsync();
    });
    (await job)[Symbol.dispose]();
  },
});
Deno.bench({
  name: "await_ts_promise/pool",
  group: "async round trip",
  async fn() {
    const job = P.Python.withGil((py) =>
      py.eval("via").call1(tsf.bind(py)).awaitAsync()
    );
    (await job)[Symbol.dispose]();
  },
});
Deno.bench({
  name: "await_ts_promise/owned",
  group: "async round trip",
  async fn() {
    const job = O.Python.withGil((py) => {
      using via = py.eval("via");
      using f = tsfOwned.bind(py);
      using c = via.call1(f);
      return c.awaitAsync();
    });
    (await job)[Symbol.dispose]();
  },
});
