// toJs() around numpy's types without numpy (issue 14, item 3): a module
// named numpy that is not numpy must neither change conversions nor crash
// them. Runs in a child process, so the real numpy of another test file
// cannot already be cached.

import assert from "node:assert/strict";
import { runDeno } from "./fixtures/child.ts";

Deno.test("toJs: a fake sys.modules['numpy'] (non-type attributes, then a missing one) changes nothing", async () => {
  const r = await runDeno(
    [
      "run",
      "--allow-ffi",
      "--allow-env",
      "--allow-read",
      "--allow-run=python3",
      new URL("./fixtures/fake_numpy.ts", import.meta.url).pathname,
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), {
    a: 2.5,
    b: 3,
    c: "toJs(): 'object' object has no JS equivalent; use obj.extract(...), call a conversion method (e.g. .tolist()), or keep it as a Python object",
  });
});
