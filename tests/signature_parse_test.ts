// Tests for src/function/signature.ts: parsing signature strings (parseSignature).

import assert from "node:assert/strict";
import { parseSignature } from "../src/function/signature.ts";
import { INVALID, summary, UNSUPPORTED } from "./fixtures/signature_helpers.ts";

// ---------------------------------------------------------------------------
// Parsing

Deno.test("parseSignature: the full example", () => {
  const sig = parseSignature("add(a, b=0, /, c=1, *args, d, e=2, **kwargs)");
  assert.deepEqual(summary(sig), {
    name: "add",
    parameters: [
      ["a", "positional_only", undefined],
      ["b", "positional_only", "0"],
      ["c", "positional_or_keyword", "1"],
      ["d", "keyword_only", undefined],
      ["e", "keyword_only", "2"],
    ],
    varargs: "args",
    varkw: "kwargs",
    counts: [2, 3, 2],
  });
  assert.ok(Object.isFrozen(sig));
  assert.ok(Object.isFrozen(sig.parameters));
  assert.ok(Object.isFrozen(sig.parameters[0]));
});

Deno.test("parseSignature: simple forms", () => {
  // [text, name, parameters, varargs, varkw, counts]
  const forms = [
    ["f()", "f", [], undefined, undefined, [0, 0, 0]],
    [
      "g(*, key)",
      "g",
      [["key", "keyword_only", undefined]],
      undefined,
      undefined,
      [0, 0, 1],
    ],
    [
      "h(x, /)",
      "h",
      [["x", "positional_only", undefined]],
      undefined,
      undefined,
      [1, 1, 0],
    ],
    ["k(*rest, **options)", "k", [], "rest", "options", [0, 0, 0]],
  ] as const;
  for (const [text, name, parameters, varargs, varkw, counts] of forms) {
    assert.deepEqual(summary(parseSignature(text)), {
      name,
      parameters,
      varargs,
      varkw,
      counts,
    });
  }
  // Keyword-only parameters may mix defaults freely.
  assert.deepEqual(
    parseSignature("f(a=1, *, b=2, c)").parameters.map((p) => p.kind),
    ["positional_or_keyword", "keyword_only", "keyword_only"],
  );
});

Deno.test("parseSignature: whitespace, newlines and trailing commas", () => {
  const sig = parseSignature("  f ( a ,\n\tb = ( 1 ,\n 2 ) , / , ) ");
  assert.deepEqual(summary(sig), {
    name: "f",
    parameters: [
      ["a", "positional_only", undefined],
      ["b", "positional_only", "( 1 ,\n 2 )"],
    ],
    varargs: undefined,
    varkw: undefined,
    counts: [2, 2, 0],
  });
  for (const text of ["f(*args,)", "f(**kw,)", "f(a,/,)", "f(*,a,)"]) {
    parseSignature(text);
  }
});

Deno.test("parseSignature: defaults keep their raw source text", () => {
  const sig = parseSignature(
    String.raw`f(a="x,)", b='y\'z,', c=r'\'', d="""t,"q")""", e=b"\x00", ` +
      String.raw`g='''a'b''c''', h={'k': [1, (2, ")")]}, i={1, 2}, j=-1, ` +
      String.raw`k=1e-3, l=-2.5j, m=1+2j, n=..., o=None, p=True, q=(), ` +
      String.raw`r='a' "b", s="\\", t=0x1F)`,
  );
  assert.deepEqual(sig.parameters.map((p) => p.default), [
    `"x,)"`,
    String.raw`'y\'z,'`,
    String.raw`r'\''`,
    `"""t,"q")"""`,
    String.raw`b"\x00"`,
    `'''a'b''c'''`,
    `{'k': [1, (2, ")")]}`,
    "{1, 2}",
    "-1",
    "1e-3",
    "-2.5j",
    "1+2j",
    "...",
    "None",
    "True",
    "()",
    `'a' "b"`,
    String.raw`"\\"`,
    "0x1F",
  ]);
});

Deno.test("parseSignature: identifiers are NFKC-normalised like Python's", () => {
  assert.equal(parseSignature("f(\ufb01)").parameters[0].name, "fi");
  assert.equal(parseSignature("caf\u00e9(na\u00efve)").name, "caf\u00e9");
  // Soft keywords are ordinary names.
  parseSignature("f(match, case, _, type)");
});

Deno.test("parseSignature: invalid signatures throw SyntaxError", () => {
  for (const [text, message] of [...INVALID, ...UNSUPPORTED]) {
    assert.throws(
      () => parseSignature(text),
      (e: unknown) => {
        assert.ok(e instanceof SyntaxError, `${JSON.stringify(text)}: ${e}`);
        assert.ok(
          e.message.startsWith(message),
          `${JSON.stringify(text)}: got ${JSON.stringify(e.message)}, want ${
            JSON.stringify(message)
          }`,
        );
        assert.ok(e.message.includes(JSON.stringify(text)));
        return true;
      },
    );
  }
});

Deno.test("parseSignature: pythonMinor selects the SyntaxError wording", () => {
  for (
    const [minor, message] of [
      [8, "non-default argument follows default argument"],
      [11, "non-default argument follows default argument"],
      [12, "parameter without a default follows parameter with a default"],
      [13, "parameter without a default follows parameter with a default"],
    ] as const
  ) {
    assert.throws(
      () => parseSignature("f(a=1, b)", { pythonMinor: minor }),
      (e: unknown) => e instanceof SyntaxError && e.message.startsWith(message),
    );
  }
});
