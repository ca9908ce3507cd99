/**
 * Deno's permissions applied to Python code: with
 * `Python.initialize({ permissions: "deno" })`, a Python library is refused
 * a file this program was not granted, with a `PermissionError` naming the
 * flag that would grant it, while the files it was granted read as usual.
 *
 * Run: `deno task example:permissions` (it grants `--allow-read=examples`
 * and the system library directories discovery looks in, nothing else).
 *
 * @module
 */

import { Extract, PyPermissionError, Python } from "../mod.ts";

Python.initialize({ permissions: "deno" });

const here = new URL(import.meta.url).pathname;

Python.withGil((py) => {
  // Granted (--allow-read=examples): Python reads it as usual.
  const first = py.eval(`open(${JSON.stringify(here)}).readline().strip()`)
    .extract(Extract.str);
  console.log(`read ${here}: ${JSON.stringify(first)}`);

  // Python's stdlib stays importable without --allow-read of its directory.
  const netrc = py.import("netrc");

  // The netrc library reads ~/.netrc, which this program was not granted:
  // refused before the file is opened (whether it exists or not).
  try {
    netrc.getattr("netrc").call0();
    console.log("netrc: read ~/.netrc (was --allow-read given for it?)");
  } catch (e) {
    if (!(e instanceof PyPermissionError)) throw e;
    console.log(`netrc.netrc() refused: ${e.message}`);
  }
});
