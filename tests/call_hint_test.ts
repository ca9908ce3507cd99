// The misuse check for keyword arguments passed positionally (issue 15,
// item 3), both tiers: a plain object stays a legitimate positional dict;
// only when Python rejects the call's arguments with a TypeError does the
// message gain a hint. Other errors are untouched.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const HINT =
  /\(hint: argument 2 is a JS object, passed as one positional dict; for keyword arguments use /;

for (const t of TIERS) {
  const { PyTypeError, PyValueError } = t.api;

  Deno.test(`call hint (${t.name}): a kwargs object passed positionally gets a hint when Python rejects it`, () => {
    t.withGil((py) => {
      const json = py.import("json");
      const dumps = json.getattr("dumps");
      let caught: Error | undefined;
      try {
        dumps.call1([1], { indent: 2 });
      } catch (err) {
        caught = err as Error;
      }
      assert.ok(caught instanceof PyTypeError);
      assert.match(
        caught.message,
        /^dumps\(\) takes 1 positional argument but 2 were given \(hint/,
      );
      assert.match(caught.message, HINT);
      assert.match(caught.message, /f\.call\(args, kwargs\)\)$/);
      assert.throws(
        () => json.callMethod1("dumps", [1], { indent: 2 }),
        (err: unknown) =>
          err instanceof PyTypeError &&
          HINT.test((err as Error).message) &&
          /obj\.callMethod\(name, args, kwargs\)/.test((err as Error).message),
      );
      // A null-prototype object is a plain object too.
      const bare = Object.assign(Object.create(null), { indent: 2 });
      assert.throws(
        () => dumps.call1([1], bare),
        (err: unknown) => HINT.test((err as Error).message),
      );
      // The right forms work.
      assert.equal(dumps.call([[1]], { indent: 0 }).toJs(), "[\n1\n]");
      assert.equal(
        json.callMethod("dumps", [[1]], { separators: [",", ":"] }).toJs(),
        "[1]",
      );
    });
  });

  Deno.test(`call hint (${t.name}): legitimate dict arguments and other errors are untouched`, () => {
    t.withGil((py) => {
      const dumps = py.import("json").getattr("dumps");
      assert.equal(
        dumps.call1({ a: 1 }).toJs(),
        '{"a": 1}',
        "a positional dict",
      );
      py.run(
        "def typed(x, y):\n    raise TypeError('bad value: ' + repr(sorted(y)))",
      );
      const typed = py.eval("typed");
      // A TypeError not about the arguments: no hint.
      assert.throws(
        () => typed.call1(1, { a: 1 }),
        (err: unknown) =>
          err instanceof PyTypeError &&
          (err as Error).message === "bad value: ['a']",
      );
      // An argument error with no plain-object argument: no hint.
      assert.throws(
        () => dumps.call1(1, new Map([["indent", 2]])),
        (err: unknown) =>
          err instanceof PyTypeError && !/hint/.test((err as Error).message),
      );
      assert.throws(
        () => dumps.call1(1, 2),
        (err: unknown) =>
          (err as Error).message ===
            "dumps() takes 1 positional argument but 2 were given",
      );
      // Another exception type: untouched.
      py.run(
        "def val(*a):\n    raise ValueError('takes 1 positional argument')",
      );
      assert.throws(
        () => py.eval("val").call1(1, { a: 1 }),
        (err: unknown) =>
          err instanceof PyValueError &&
          (err as Error).message === "takes 1 positional argument",
      );
      // An error object a TypeScript callback threw is never mutated.
      const mine = PyTypeError.newErr("f() takes 1 positional argument (mine)");
      const f = t.api.pyfunction(py, "f(*a)", () => {
        throw mine;
      });
      assert.throws(() => f.call1(1, { a: 1 }), PyTypeError);
      assert.equal(mine.message, "f() takes 1 positional argument (mine)");
      const plain = new TypeError("takes 1 positional argument");
      const g = t.api.pyfunction(py, "g(*a)", () => {
        throw plain;
      });
      assert.throws(
        () => g.call1(1, { a: 1 }),
        (err: unknown) => err === plain,
      );
      assert.equal(plain.message, "takes 1 positional argument");
    });
  });
}
