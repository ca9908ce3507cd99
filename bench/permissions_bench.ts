/**
 * The cost of `Python.initialize({ permissions: "deno" })` (issue 16): the
 * same Python loop (100 `open()`+`close()` of an allowed file, 100
 * `os.stat()`) without the audit hook (`off`, the baseline) and with it
 * (`deno`), and what a refused `open()` costs (every refusal asks Deno
 * again: refusals are not cached).
 *
 * An audit hook cannot be removed, and `deno bench bench/` runs every bench
 * file in one process (one CPython): installing it would slow down and
 * restrict the files run after this one. So the `deno` members are only
 * registered when `PYEMBED_BENCH_PERMISSIONS=1` (with `--allow-env` for it),
 * as `deno task bench:permissions` runs this file alone; the `off` members
 * always run first, and the hook is installed by the first `deno` member.
 *
 * @module
 */

import { Py, PyDict, Python } from "../mod.ts";

const N = 100;
const on = Deno.permissions.querySync({
      name: "env",
      variable: "PYEMBED_BENCH_PERMISSIONS",
    }).state === "granted" && Deno.env.get("PYEMBED_BENCH_PERMISSIONS") === "1";

// An allowed file: this one (`--allow-read=bench`).
const allowed = new URL(import.meta.url).pathname;
const refused = "/etc/hostname";

const loops = Python.withGil((py) => {
  const g = PyDict.new(py);
  py.run(
    [
      "import os",
      "def open_loop(p, n):",
      "    for _ in range(n):",
      "        open(p).close()",
      "def stat_loop(p, n):",
      "    for _ in range(n):",
      "        os.stat(p)",
      "def refused_loop(p, n):",
      "    for _ in range(n):",
      "        try:",
      "            open(p).close()",
      "        except PermissionError:",
      "            pass",
      "        else:",
      "            raise AssertionError('not refused: ' + p)",
      "",
    ].join("\n"),
    g,
  );
  return {
    open: Py.from(g.getItem("open_loop")!),
    stat: Py.from(g.getItem("stat_loop")!),
    refused: Py.from(g.getItem("refused_loop")!),
  };
});

function call(f: Py, path: string): void {
  Python.withGil((py) => {
    f.bind(py).call1(path, N);
  });
}

let hooked = false;
function hook(): void {
  if (!hooked) {
    Python.initialize({ permissions: "deno" });
    hooked = true;
  }
}

for (const [name, f] of [["open", loops.open], ["stat", loops.stat]] as const) {
  Deno.bench({
    name: `${name}/off`,
    group: `${name} x${N}`,
    baseline: true,
    fn: () => call(f, allowed),
  });
}
if (on) {
  for (
    const [name, f] of [["open", loops.open], ["stat", loops.stat]] as const
  ) {
    Deno.bench({
      name: `${name}/deno`,
      group: `${name} x${N}`,
      fn: () => {
        hook();
        call(f, allowed);
      },
    });
  }
  Deno.bench({
    name: "refused open/deno",
    group: `refused open x${N}`,
    fn: () => {
      hook();
      call(loops.refused, refused);
    },
  });
}
