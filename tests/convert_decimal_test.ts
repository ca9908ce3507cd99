// toJs() of a decimal.Decimal (issue 14, item 3), both tiers: never rounded
// silently through __float__; a clear TypeError says how to choose, and
// extract(Extract.float) still rounds on request. Other __float__ objects
// (fractions.Fraction) still convert.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

for (const t of TIERS) {
  const { Extract, PyTypeError } = t.api;
  Deno.test(`conversions (${t.name}): a Decimal is not rounded silently by toJs()`, () => {
    t.withGil((py) => {
      py.run("import decimal, fractions");
      for (
        const code of [
          "decimal.Decimal('0.1')",
          "[1, {'k': decimal.Decimal(3)}]",
        ]
      ) {
        assert.throws(
          () => py.eval(code).toJs(),
          (e: unknown) =>
            e instanceof PyTypeError &&
            /decimal\.Decimal has no exact JS number/.test(
              (e as Error).message,
            ),
          code,
        );
      }
      assert.equal(
        py.eval("decimal.Decimal('0.1')").extract(Extract.float),
        0.1,
      );
      assert.equal(py.eval("fractions.Fraction(1, 4)").toJs(), 0.25);
      assert.equal(py.eval("1 + 1").toJs(), 2, "no Python error left set");
    });
  });
}
