// The source tree's layers point down only: src/ffi <- src/core <- src/types
// <- src/function <- the tiers (src/pool, src/owned) <- src/all.ts and the
// entry points. Every relative import and re-export (type-only ones too) of
// every file under src/ is checked, so a file reaching up fails here.

import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";

const SRC = new URL("../src/", import.meta.url).pathname;

/** A file's layer: its directory under src/ (src/all.ts is the top). */
function layer(file: string): number {
  const rel = relative(SRC, file);
  if (rel === "all.ts") return 5;
  const dir = rel.split("/")[0];
  const rank: Record<string, number> = {
    ffi: 0,
    core: 1,
    types: 2,
    function: 3,
    pool: 4,
    owned: 4,
  };
  if (!(dir in rank)) throw new Error(`no layer for ${rel}`);
  return rank[dir];
}

function* sources(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* sources(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

/** Relative module specifiers of `import`/`export ... from` statements. */
function imports(text: string): string[] {
  const out: string[] = [];
  for (
    const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/g,
    )
  ) {
    out.push(m[1]);
  }
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+"(\.[^"]+)"/g)) {
    out.push(m[1]);
  }
  return out;
}

Deno.test("layers: every import under src/ points down (ffi <- core <- types <- function <- tiers <- all.ts)", () => {
  const upward: string[] = [];
  let checked = 0;
  for (const file of sources(SRC)) {
    for (const spec of imports(Deno.readTextFileSync(file))) {
      const target = join(dirname(file), spec);
      checked++;
      if (layer(target) > layer(file)) {
        upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} imports found: the scan is broken`);
  assert.deepEqual(upward, []);
});

Deno.test("layers: the scan sees an upward import (type-only included)", () => {
  const text =
    'import type { PyAny } from "../types/any.ts";\nexport { x } from "./y.ts";';
  assert.deepEqual(imports(text), ["../types/any.ts", "./y.ts"]);
  assert.ok(layer(join(SRC, "types/any.ts")) > layer(join(SRC, "core/err.ts")));
});
