// Tests for src/function/signature.ts: binding arguments (bindArguments), with
// CPython's messages and precedence.

import assert from "node:assert/strict";
import {
  bindArguments,
  parseSignature,
  type Signature,
} from "../src/function/signature.ts";
import { assertMessages, bound, failed } from "./fixtures/signature_helpers.ts";

// ---------------------------------------------------------------------------
// Binding

Deno.test("bindArguments: successful bindings", () => {
  const sig = parseSignature("add(a, b=0, /, c=1, *args, d, e=2, **kwargs)");
  assert.deepEqual(bindArguments(sig, 1, ["d"]), {
    sources: [0, -1, -1, 1, -1],
    varargsStart: 1,
    varkwIndexes: [],
  });
  // add(1, 2, 3, 4, 5, e=6, a=7, d=8, z=9): 'a' is positional-only, so it
  // goes to **kwargs together with 'z'.
  assert.deepEqual(bindArguments(sig, 5, ["e", "a", "d", "z"]), {
    sources: [0, 1, 2, 7, 5],
    varargsStart: 3,
    varkwIndexes: [1, 3],
  });
  const kwonly = parseSignature("g(*, key)");
  assert.deepEqual(bindArguments(kwonly, 0, ["key"]), {
    sources: [0],
    varargsStart: 0,
    varkwIndexes: [],
  });
});

Deno.test("bindArguments: CPython messages", () => {
  const f = parseSignature("f(a, b, c, d=1, *, e, g, h=2)");
  assertMessages(f, [
    [0, [], "f() missing 3 required positional arguments: 'a', 'b', and 'c'"],
    [1, [], "f() missing 2 required positional arguments: 'b' and 'c'"],
    [3, ["g"], "f() missing 1 required keyword-only argument: 'e'"],
    [3, [], "f() missing 2 required keyword-only arguments: 'e' and 'g'"],
    [
      5,
      ["e"],
      "f() takes from 3 to 4 positional arguments but 5 positional arguments (and 1 keyword-only argument) were given",
    ],
    [1, ["a"], "f() got multiple values for argument 'a'"],
    [0, ["x"], "f() got an unexpected keyword argument 'x'"],
  ]);
  for (
    const [text, c] of [
      ["one(a)", [2, [], "one() takes 1 positional argument but 2 were given"]],
      ["none()", [
        1,
        [],
        "none() takes 0 positional arguments but 1 was given",
      ]],
      ["k(a, *, b)", [
        2,
        ["b"],
        "k() takes 1 positional argument but 2 positional arguments (and 1 keyword-only argument) were given",
      ]],
    ] as const
  ) assertMessages(parseSignature(text), [c]);
  const p = parseSignature("p(a, b, /, c)");
  assertMessages(p, [
    [
      0,
      ["b", "c", "a"],
      "p() got some positional-only arguments passed as keyword arguments: 'a, b'",
    ],
    // An unknown keyword before the positional-only one still reports the latter.
    [
      0,
      ["x", "a"],
      "p() got some positional-only arguments passed as keyword arguments: 'a'",
    ],
  ]);
});

Deno.test("bindArguments: error precedence follows CPython", () => {
  const f = parseSignature("f(a, b)");
  // Keywords are examined before the number of positionals...
  assertMessages(f, [
    [3, ["b"], "f() got multiple values for argument 'b'"],
    [3, ["x"], "f() got an unexpected keyword argument 'x'"],
    // ...and in call order.
    [1, ["a", "x"], "f() got multiple values for argument 'a'"],
    [1, ["x", "a"], "f() got an unexpected keyword argument 'x'"],
  ]);
  // Too many positionals wins over missing keyword-only arguments.
  const g = parseSignature("g(a, *, b)");
  assert.equal(
    failed(bindArguments(g, 2, [])),
    "g() takes 1 positional argument but 2 were given",
  );
});

Deno.test("bindArguments: 'Did you mean' suggestions from 3.13 on", () => {
  const sig = parseSignature("process(alpha, /, beta=1, *, gamma, delta=None)");
  assertMessages(sig, [
    [1, ["gama"], "process() got an unexpected keyword argument 'gama'", 12],
    [
      1,
      ["gama"],
      "process() got an unexpected keyword argument 'gama'. Did you mean 'gamma'?",
      13,
    ],
    // Positional-only names are not suggested; far-off names get nothing.
    [1, ["alpah"], "process() got an unexpected keyword argument 'alpah'", 13],
    [
      1,
      ["epsilon"],
      "process() got an unexpected keyword argument 'epsilon'",
      13,
    ],
    // Case flips are cheap, but at most about a third of the bytes may change.
    [
      1,
      ["Gamma"],
      "process() got an unexpected keyword argument 'Gamma'. Did you mean 'gamma'?",
      13,
    ],
    [1, ["GAMMA"], "process() got an unexpected keyword argument 'GAMMA'", 13],
  ]);
});

Deno.test("bindArguments: repeated keyword names (vectorcall only)", () => {
  const f = parseSignature("f(a, **kw)");
  assert.equal(
    failed(bindArguments(f, 0, ["a", "a"])),
    "f() got multiple values for argument 'a'",
  );
  // A repeated **kwargs key keeps its first position and takes the last value.
  assert.deepEqual(bindArguments(f, 1, ["x", "y", "x"]), {
    sources: [0],
    varargsStart: 1,
    varkwIndexes: [2, 1],
  });
});

Deno.test("bindArguments: keyword-free results are cached and frozen", () => {
  const sig = parseSignature("f(a, b=1, *rest)");
  const first = bound(bindArguments(sig, 1, []));
  assert.equal(bindArguments(sig, 1, []), first);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.sources));
  assert.deepEqual(first, {
    sources: [0, -1],
    varargsStart: 1,
    varkwIndexes: [],
  });
  const many = bound(bindArguments(sig, 5, []));
  assert.equal(bindArguments(sig, 9, []), many);
  assert.deepEqual(many, {
    sources: [0, 1],
    varargsStart: 2,
    varkwIndexes: [],
  });
  assert.equal(bindArguments(sig, 0, []), bindArguments(sig, 0, []));
  // Keyword calls get fresh arrays.
  const a = bound(bindArguments(sig, 0, ["a"]));
  assert.notEqual(a, bound(bindArguments(sig, 0, ["a"])));
});

Deno.test("bindArguments: accepts signatures not made by parseSignature", () => {
  const sig: Signature = {
    name: "manual",
    parameters: [
      { name: "x", kind: "positional_only" },
      { name: "y", kind: "positional_or_keyword", default: "2" },
      { name: "z", kind: "keyword_only" },
    ],
    varkw: "options",
    posonlyCount: 1,
    positionalCount: 2,
    kwonlyCount: 1,
  };
  assert.deepEqual(bindArguments(sig, 1, ["z", "x"]), {
    sources: [0, -1, 1],
    varargsStart: 1,
    varkwIndexes: [1],
  });
  assert.equal(
    failed(bindArguments(sig, 0, ["z"])),
    "manual() missing 1 required positional argument: 'x'",
  );
  assert.throws(
    () => bindArguments({ ...sig, posonlyCount: 0 }, 0, []),
    TypeError,
  );
});
