// Issue 10, conversions: no crash, no silent data loss, no escaped JS error.
//
// Every case runs against both entry points (stable `mod.ts`, experimental
// `experimental/mod.ts`). The cases that crashed the process before the fix
// (Python code emptying a container while `toJs()` reads it, a huge string's
// scratch memory) run in a child process with a timeout, so a crash is a
// test failure with its signal, not the end of the test run.

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";
import { throwsLike, type TierModule } from "./shared/suite.ts";

const ROOT = new URL("../", import.meta.url);
const TIERS: readonly (readonly [string, TierModule, string])[] = [
  ["stable", stable, "mod.ts"],
  ["owned", experimental as unknown as TierModule, "experimental/mod.ts"],
];
const decoder = new TextDecoder();

interface ChildResult {
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `body` in a fresh `deno eval` with the tier's exports in scope as `M`
 * (and `py` inside `M.Python.withGil`), killed after `timeoutMs`.
 */
async function child(
  entry: string,
  body: string,
  timeoutMs = 60_000,
): Promise<ChildResult> {
  const code = `import * as M from ${
    JSON.stringify(new URL(entry, ROOT).href)
  };\n${body}\n`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", code],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  return {
    code: out.code,
    signal: out.signal,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** The last stdout line of a child that must exit cleanly, parsed as JSON. */
function resultOf(r: ChildResult, what: string): unknown {
  assert.ok(
    r.code === 0 && r.signal === null,
    `${what}: the child ${
      r.signal !== null ? `died of ${r.signal}` : `exited with ${r.code}`
    }\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

/** JS values as JSON-able data (Map and Set as tagged arrays). */
const PLAIN = `
const plain = (v) => v instanceof Map ? ["Map", [...v].map(([k, x]) => [plain(k), plain(x)])]
  : v instanceof Set ? ["Set", [...v].map(plain)]
  : Array.isArray(v) ? v.map(plain) : v;
`;

/** [name, Python setup, expression to convert, expected plain toJs() result]. */
const MUTATING: readonly (readonly [string, string, string, unknown])[] = [
  [
    "a list cleared by an item's __index__",
    "class X:\n  def __index__(self):\n    L.clear()\n    return 7\n" +
    "L = [X()] + [i + 0.5 for i in range(50)]",
    "L",
    [7, 0.5, 1.5, 2.5],
  ],
  [
    "a list shrunk by an item's __float__",
    "class F:\n  def __float__(self):\n    del L[1:]\n    return 2.5\n" +
    "L = [F(), 'a', 'b', 'c']",
    "L",
    [2.5, "a", "b", "c"],
  ],
  [
    "a list cleared by a set's __iter__",
    "class S(set):\n  def __iter__(self):\n    L.clear()\n    return set.__iter__(self)\n" +
    "L = [S({1}), 'x', 'y', 'z']",
    "L",
    [["Set", [1]], "x", "y", "z"],
  ],
  [
    "a dict's values, reached through gc and cleared by an __index__",
    "import gc\nclass G:\n  def __index__(self):\n" +
    "    for r in gc.get_referrers(self):\n" +
    "      if type(r) is list: r.clear()\n    return 3\n" +
    "D = {'a': G(), 'b': 'xyz', 'c': 2.5, 'd': 'w'}",
    "D",
    ["Map", [["a", 3], ["b", "xyz"], ["c", 2.5], ["d", "w"]]],
  ],
];

for (const [tier, M, entry] of TIERS) {
  Deno.test(`conversion safety (${tier}): toJs() of a container that Python code empties mid-conversion converts a snapshot (child process)`, async () => {
    await Promise.all(MUTATING.map(async ([what, setup, expr, expected]) => {
      const r = await child(
        entry,
        `${PLAIN}
M.Python.withGil((py) => {
  const g = M.PyDict.new(py);
  py.run(${JSON.stringify(setup)}, g);
  const v = py.eval(${JSON.stringify(expr)}, g).toJs();
  const got = plain(v);
  console.log(JSON.stringify(Array.isArray(got) ? got.slice(0, 4) : got));
});`,
      );
      assert.deepEqual(resultOf(r, what), expected, what);
    }));
  });

  Deno.test(`conversion safety (${tier}): a 200 MiB str converted both ways leaves no scratch memory behind (child process)`, async () => {
    const r = await child(
      entry,
      `
const MiB = 2 ** 20, n = 200 * MiB;
const rss = () => { gc(); gc(); return Deno.memoryUsage().rss; };
M.Python.withGil((py) => { M.PyString.new(py, "warm").toStr(); });
const before = rss();
M.Python.withGil((py) => {
  const g = M.PyDict.new(py);
  py.run("s = 'x' * " + n, g);
  let js = g.getItem("s").toJs();
  if (js.length !== n) throw new Error("wrong length " + js.length);
  js = null;
  py.run("del s", g);
});
const toJs = (rss() - before) / MiB;
M.Python.withGil((py) => {
  const p = M.PyString.new(py, "y".repeat(n));
  if (p.len() !== n) throw new Error("wrong length");
});
const toPy = (rss() - before) / MiB;
console.log(JSON.stringify({ toJs, toPy }));`,
      120_000,
    );
    const { toJs, toPy } = resultOf(r, "200 MiB str") as Record<
      string,
      number
    >;
    assert.ok(toJs < 48, `str -> JS kept +${toJs.toFixed(0)} MiB`);
    assert.ok(toPy < 48, `JS -> str kept +${toPy.toFixed(0)} MiB`);
  });

  Deno.test(`conversion safety (${tier}): Extract reads a dict or set that Python code changes mid-extraction from a snapshot`, () => {
    M.Python.withGil((py) => {
      const g = M.PyDict.new(py);
      py.run(
        "class F:\n  def __float__(self):\n    S.clear()\n    return 2.5\n" +
          "S = {F(), 1.5}\nD = {'a': 1, 'b': 2, 'c': 3}",
        g,
      );
      const clearing = {
        extract: (o: stable.PyAny): number => {
          py.run("D.clear()", g);
          return o.extract(M.Extract.int) * 10;
        },
      };
      const d = py.eval("D", g).extract(
        M.Extract.dict(M.Extract.str, clearing),
      );
      assert.deepEqual(d, new Map([["a", 10], ["b", 20], ["c", 30]]));
      assert.equal(py.eval("len(D)", g).extract(M.Extract.int), 0);
      const s = py.eval("S", g).extract(M.Extract.set(M.Extract.float));
      assert.deepEqual(s, new Set([2.5, 1.5]));
    });
  });

  Deno.test(`conversion safety (${tier}): PyDict.entries() iterates a snapshot, and each step needs the GIL`, () => {
    let it: Iterator<[stable.PyAny, stable.PyAny]> | undefined;
    M.Python.withGil((py) => {
      const d = M.PyDict.fromEntries(py, { a: 1, b: 2, c: 3 });
      const seen: unknown[] = [];
      for (const [k, v] of d.entries()) {
        d.clear(); // the loop goes on over the snapshot
        seen.push([k.toJs(), v.toJs()]);
      }
      assert.deepEqual(seen, [["a", 1], ["b", 2], ["c", 3]]);
      d.setItem("x", 1);
      d.setItem("y", 2);
      it = d.entries();
      const [k0, v0] = it.next().value as [stable.PyAny, stable.PyAny];
      assert.deepEqual([k0.toJs(), v0.toJs()], ["x", 1]);
    });
    // The scope ended: the snapshot was released with it.
    throwsLike(() => it!.next(), Error, /released|outside|withGil/);
  });

  Deno.test(`conversion safety (${tier}): distinct keys that meet in one JS Map key are a ValueError naming both`, () => {
    M.Python.withGil((py) => {
      const nanDict = py.eval("{float('nan'): 1, float('nan'): 2}");
      const e = throwsLike(
        () => nanDict.toJs(),
        M.PyValueError,
        /two distinct dict keys, nan and nan, convert to the same JS value \(NaN\).*items\(\)/,
      );
      assert.equal(e.typeName, "ValueError");
      throwsLike(
        () => nanDict.extract(M.Extract.dict(M.Extract.float, M.Extract.int)),
        M.PyValueError,
        /Extract\.dict: two distinct keys, nan and nan/,
      );
      throwsLike(
        () => py.eval("{float('nan'), float('nan')}").toJs(),
        M.PyValueError,
        /two distinct set items, nan and nan.*JS Set/,
      );
      throwsLike(
        () =>
          py.eval("frozenset({float('nan'), float('nan')})").extract(
            M.Extract.set(M.Extract.float),
          ),
        M.PyValueError,
        /Extract\.set: two distinct items, nan and nan/,
      );
      // A str subclass with its own __eq__/__hash__: two Python keys, one JS string.
      py.run(
        "class K(str):\n  def __eq__(s, o): return s is o\n  __hash__ = object.__hash__\n" +
          "KD = {K('k'): 1, K('k'): 2}",
      );
      throwsLike(
        () => py.eval("KD").toJs(),
        M.PyValueError,
        /'k' and 'k', convert to the same JS value \("k"\)/,
      );
      // What a Map can hold is unchanged.
      const one = py.eval("{float('nan'): 1, 0.0: 2, 1: 3, 'a': 4}").toJs();
      assert.deepEqual([...(one as Map<unknown, unknown>).values()], [
        1,
        2,
        3,
        4,
      ]);
      assert.ok(Number.isNaN([...(one as Map<unknown, unknown>).keys()][0]));
      assert.deepEqual(
        py.eval("[(float('nan'), 1), (float('nan'), 2)]").toJs(),
        [[NaN, 1], [NaN, 2]],
        "items() keeps both",
      );
    });
  });

  Deno.test(`conversion safety (${tier}): Extract.tuple reads a tuple subclass through the concrete API; no JS TypeError escapes an extractor`, () => {
    M.Python.withGil((py) => {
      const g = M.PyDict.new(py);
      py.run(
        "import sys\nclass T(tuple):\n" +
          "  def __iter__(self): return iter([1, 2, 3, 4])\n" +
          "  def __len__(self): return 5\n" +
          "o1, o2 = object(), object()\nt = T((o1, o2))\nt3 = T((1, 2, 3))",
        g,
      );
      const { Extract } = M;
      const base = py.eval("(sys.getrefcount(o1), sys.getrefcount(o2))", g)
        .toJs();
      const same = { extract: (o: stable.PyAny) => o.getType().repr() };
      assert.deepEqual(
        py.eval("t", g).extract(Extract.tuple(same, same)),
        ["<class 'object'>", "<class 'object'>"],
      );
      assert.deepEqual(
        py.eval("t3", g).extract(
          Extract.tuple(Extract.int, Extract.int, Extract.int),
        ),
        [1, 2, 3],
      );
      throwsLike(
        () => py.eval("t3", g).extract(Extract.tuple(Extract.int, Extract.int)),
        M.PyTypeError,
        "expected tuple of length 2, but got tuple of length 3",
      );
      throwsLike(
        () =>
          py.eval("t3", g).extract(
            Extract.tuple(Extract.int, Extract.int, Extract.int, Extract.int),
          ),
        M.PyTypeError,
        "expected tuple of length 4, but got tuple of length 3",
      );
      throwsLike(
        () => py.eval("[1, 2]").extract(Extract.tuple(Extract.int)),
        M.PyTypeError,
        "'list' object cannot be converted to 'PyTuple'",
      );
      if (tier === "owned") {
        assert.deepEqual(
          py.eval("(sys.getrefcount(o1), sys.getrefcount(o2))", g).toJs(),
          base,
          "no reference leaked",
        );
      }

      // A user object with an `extractPtr` property is a user extractor: it
      // gets a PyAny, never a raw pointer.
      let ptrCalls = 0;
      const lookalike = {
        extractPtr: () => {
          ptrCalls++;
          return "raw";
        },
        extract: (o: unknown) => o instanceof M.PyAny,
      };
      assert.deepEqual(
        py.eval("[1, 'a']").extract(Extract.list(lookalike)),
        [true, true],
      );
      assert.deepEqual(
        py.eval("(1,)").extract(Extract.tuple(lookalike)),
        [true],
      );
      assert.deepEqual(
        py.eval("{1: 2}").extract(Extract.dict(lookalike, lookalike)),
        new Map([[true, true]]),
      );
      assert.equal(py.eval("3").extract(Extract.optional(lookalike)), true);
      assert.equal(ptrCalls, 0);

      // Misuse is a PyTypeError, never a JS TypeError.
      const misuse: (() => unknown)[] = [
        () => Extract.list(undefined as never),
        () => Extract.tuple(Extract.int, null as never),
        () => Extract.dict(Extract.str, {} as never),
        () => Extract.set(42 as never),
        () => Extract.optional("x" as never),
        () => Extract.int.extract({} as never),
        () => Extract.str.extract(null as never),
        () =>
          Extract.list(Extract.int).extract(
            Object.create(M.PyAny.prototype),
          ),
        () =>
          Extract.float.extract(
            new Proxy(py.eval("1.5"), {}) as stable.PyAny,
          ),
        () => Extract.bool.extract({ unsafePtr: null, py: () => py } as never),
      ];
      for (const f of misuse) throwsLike(f, M.PyTypeError);
      assert.ok(Object.isFrozen(Extract) && Object.isFrozen(Extract.int));
    });
  });

  Deno.test(`conversion safety (${tier}): concrete methods on the wrong object throw a clear TypeError and leave no Python error set`, () => {
    M.Python.withGil((py) => {
      const { PyDict, PyList, PyTuple, PySet, PyFrozenSet, PyString } = M;
      const d = PyDict.new(py);
      const l = PyList.new(py, [1]);
      const clean = () =>
        // PyDict.getItem of a missing key throws whatever error is pending.
        assert.equal(d.getItem("missing"), undefined, "no error indicator");
      throwsLike(
        () => PyList.prototype.len.call(d),
        M.PyTypeError,
        /PyList\.len\(\) called on a PyDict: it needs a PyList/,
      );
      clean();
      const wrong: [string, () => unknown][] = [
        ["PyTuple.len", () => PyTuple.prototype.len.call(l)],
        ["PyDict.len", () => PyDict.prototype.len.call(l)],
        ["PyDict.contains", () => PyDict.prototype.contains.call(l, 1)],
        ["PyDict.clear", () => PyDict.prototype.clear.call(l)],
        ["PyDict.keys", () => PyDict.prototype.keys.call(l)],
        ["PySet.len", () => PySet.prototype.len.call(l)],
        ["PySet.add", () => PySet.prototype.add.call(l, 1)],
        ["PyFrozenSet.len", () => PyFrozenSet.prototype.len.call(l)],
        ["PyList.append", () => PyList.prototype.append.call(d, 1)],
        [
          "PyList.getItem",
          () =>
            (PyList.prototype.getItem as (i: unknown) => unknown).call(d, 0),
        ],
        [
          "PyList.getItem",
          () => PyList.prototype.getItem.call(d, 0, M.Extract.int),
        ],
        [
          "PyTuple.getItem",
          () => M.PyTuple.prototype.getItem.call(d, 0, M.Extract.int),
        ],
        ["PyList.sort", () => PyList.prototype.sort.call({})],
        ["PyString.toStr", () => PyString.prototype.toStr.call(l)],
        ["PyBytes.asBytes", () => M.PyBytes.prototype.asBytes.call(l)],
        [
          "PyByteArray.toBytes",
          () => M.PyByteArray.prototype.toBytes.call(py.eval("b'abc'")),
        ],
        ["PyInt.value", () => M.PyInt.prototype.value.call(l)],
        ["PyFloat.value", () => M.PyFloat.prototype.value.call(null)],
        ["PyBool.isTrue", () => M.PyBool.prototype.isTrue.call(5)],
        ["PyType.name", () => M.PyType.prototype.name.call(l)],
      ];
      for (const [name, f] of wrong) {
        throwsLike(
          f,
          M.PyTypeError,
          new RegExp(`^${name.replace(".", "\\.")}\\(\\) called on`),
        );
        clean();
      }
      // Extract.str reads first and checks the type only when the read
      // fails: the read's own TypeError must not be left pending.
      for (const src of ["3", "b'x'", "None", "[1]", "object()"]) {
        throwsLike(
          () => py.eval(src).extract(M.Extract.str),
          M.PyTypeError,
          /object cannot be converted to 'PyString'$/,
        );
        clean();
        throwsLike(
          () =>
            l.callMethod("copy", [], undefined, M.Extract.list(M.Extract.str)),
          M.PyTypeError,
          /'int' object cannot be converted to 'PyString'$/,
        );
        clean();
      }
      assert.equal(py.eval("'\\ud800x'").extract(M.Extract.str), "\ud800x");
      clean();
      const t = py.eval("int").downcast(M.PyType);
      throwsLike(
        () => t.isSubclassOf(py.eval("3")),
        M.PyTypeError,
        /issubclass\(\) arg 2 must be a class/,
      );
      assert.ok(t.isSubclassOf(py.eval("object")));
      // An object forged into the wrong class through Py.from (a planted
      // `constructor`) still cannot make a C call read it as that type.
      const asAny = py.eval("[1, 2]");
      Object.defineProperty(asAny, "constructor", { value: PyDict });
      const forged = M.Py.from(asAny).bind(py) as unknown as stable.PyDict;
      throwsLike(() => forged.contains(1), M.PyTypeError, /a 'list' object/);
      clean();
      throwsLike(() => forged.len(), M.PyErr);
      clean();
      throwsLike(() => forged.getItem(0), M.PyErr);
      clean();
      // Results are checked: [toPyObject] cannot pass another type for a dict or list.
      const { toPyObject } = M;
      throwsLike(
        () => PyDict.fromEntries(py, { [toPyObject]: () => [1] } as never),
        M.PyTypeError,
        /converted to a 'list', not a dict/,
      );
      const arr = Object.assign([1, 2], { [toPyObject]: () => 5 });
      assert.deepEqual(PyList.new(py, arr).toJs(), [1, 2]);
      assert.deepEqual(PyTuple.new(py, arr).toJs(), [1, 2]);
      // Indexes past 2^53 are Python's errors, not a wrapped-around read.
      throwsLike(() => l.getItem(2 ** 64), M.PyTypeError, /not float/);
      throwsLike(() => l.getItem(2n ** 64n), M.PyIndexError);
      throwsLike(
        () => py.eval("(1,)").downcast(PyTuple).getItem(2 ** 53 + 2),
        M.PyTypeError,
      );
      throwsLike(() => l.insert(0.5, 1), M.PyTypeError, /must be an integer/);
      l.insert(2 ** 70, "end");
      assert.deepEqual(l.toJs(), [1, "end"]);
      clean();
    });
  });

  Deno.test(`conversion safety (${tier}): code and names with NUL are passed whole`, () => {
    M.Python.withGil((py) => {
      const minor = M.Python.version.minor;
      // compile() raises ValueError on 3.8-3.10, SyntaxError from 3.11.
      const cls = minor >= 11 ? M.PySyntaxError : M.PyValueError;
      const nul = "source code string cannot contain null bytes";
      throwsLike(() => py.eval("1\0 + 41"), cls, new RegExp(nul));
      throwsLike(() => py.run("x = 1\0\nraise SystemExit"), cls);
      assert.equal(py.eval("1 + 41").extract(M.Extract.int), 42);
      throwsLike(
        () => py.import("os\0xyz"),
        M.PyModuleNotFoundError,
        "No module named 'os\\x00xyz'",
      );
      assert.equal(
        py.eval("'os\\x00xyz' in __import__('sys').modules").toJs(),
        false,
      );
      const s = M.PyString.intern(py, "ab\0cd");
      assert.equal(s.toStr(), "ab\0cd");
      assert.equal(s.len(), 5);
      assert.ok(s.is(M.PyString.intern(py, "ab\0cd")), "interned");
      const w = M.PyString.intern(py, "x\ud800y");
      assert.equal(w.toStr(), "x\ud800y");
      assert.ok(w.is(M.PyString.intern(py, "x\ud800y")), "interned");
      // Short strings take an ASCII fast path; a surrogate leaves it for the
      // code point conversion (a lone one kept, a pair one astral character).
      for (
        const [text, n] of [["x\ud800y", 3], ["a\ud83d\ude00", 2]] as const
      ) {
        const t = M.PyString.new(py, text);
        assert.equal(t.toStr(), text);
        assert.equal(t.len(), n);
      }
      // Attribute names keep their NUL and lone surrogates, as in getattr().
      const ns = py.eval("__import__('types').SimpleNamespace()");
      ns.setattr("a\0b", 1);
      ns.setattr("\ud800", 2);
      assert.equal(ns.getattr("a\0b").extract(M.Extract.int), 1);
      assert.equal(ns.getattr("\ud800").extract(M.Extract.int), 2);
      assert.equal(ns.hasattr("a"), false);
      assert.equal(ns.hasattr("\ufffd"), false);
    });
  });

  Deno.test(`conversion safety (${tier}): lone surrogates in code raise what compile() raises; str round trips as documented`, () => {
    M.Python.withGil((py) => {
      const lone = "'\ud800'"; // a real U+D800 inside the quotes
      throwsLike(
        () => py.eval(lone),
        M.PyUnicodeEncodeError,
        /can't encode character '\\ud800' in position 1: surrogates not allowed/,
      );
      throwsLike(() => py.run(`x = ${lone}`), M.PyUnicodeEncodeError);
      // The escape (a backslash in the JS string) is ordinary source.
      assert.equal(py.eval("'\\ud800'").toJs(), "\ud800");

      // JS -> Python -> JS keeps every JS string, lone surrogates included.
      for (const js of ["\ud800", "x\udfffy", "\udc00\ud800", "\ud83d\ude00"]) {
        assert.equal(M.PyString.new(py, js).toStr(), js, JSON.stringify(js));
      }
      // Python -> JS -> Python keeps every str but one kind: a high and a low
      // surrogate as two code points read as the JS pair of one astral one.
      const two = py.eval("'\\ud83d' '\\ude00'");
      assert.equal(two.len(), 2);
      const js = two.toJs() as string;
      assert.equal(js, "\u{1F600}", "the JS string is the astral character");
      const back = M.PyString.new(py, js);
      assert.equal(back.len(), 1);
      assert.equal(back.eq(two), false, "not equal after the round trip");
      for (const src of ["'\\ud800'", "'\\ude00\\ud83d'", "'a\\udfffb'"]) {
        const o = py.eval(src);
        assert.ok(M.PyString.new(py, o.toJs() as string).eq(o), src);
      }
    });
  });
}
