// Errors, misuse and process exit: part of the behavioural suite both tiers run (tests/shared/suite.ts
// explains the `region` abstraction; tests/stable_test.ts and tests/owned_test.ts
// register it).

import assert from "node:assert/strict";
import {
  childScript,
  requireGc,
  type SuiteContext,
  throwsLike,
  ticks,
} from "./suite.ts";
import { runDeno } from "../fixtures/child.ts";

/** Registers the "Errors, misuse and process exit" tests for one tier. */
export function defineErrorTests(ctx: SuiteContext): void {
  const {
    name,
    tier,
    isStable,
    test,
    region,
    fixFrom,
    freshFixture,
    identity,
  } = ctx;
  const {
    Python,
    Py,
    PyDict,
    PyList,
    PySet,
    PyModule,
    Extract,
    PyErr,
    PyBaseException,
    PyException,
    PyLookupError,
    PyKeyError,
    PyIndexError,
    PyTypeError,
    PyValueError,
    PyAttributeError,
    PyArithmeticError,
    PyZeroDivisionError,
    PySyntaxError,
    PyRuntimeError,
  } = ctx.tier;

  // ==================================================================================
  // Errors
  // ==================================================================================

  test("errors: the PyErr hierarchy, typeName, message", () => {
    Python.withGil((py) => {
      const e = throwsLike(() => py.eval("{}['k']"), PyKeyError, "'k'");
      for (
        const cls of [
          PyKeyError,
          PyLookupError,
          PyException,
          PyBaseException,
          PyErr,
          Error,
        ]
      ) {
        assert.ok(e instanceof cls, `KeyError instanceof ${cls.name}`);
      }
      assert.ok(!(e instanceof PyIndexError) && !(e instanceof PyTypeError));
      assert.equal(e.typeName, "KeyError");
      assert.equal(e.name, "KeyError");
      const z = throwsLike(
        () => py.eval("1/0"),
        PyZeroDivisionError,
        "division by zero",
      );
      assert.ok(z instanceof PyArithmeticError && z instanceof PyException);
      const idx = throwsLike(() => py.eval("[][1]"), PyIndexError);
      assert.ok(idx instanceof PyLookupError);
      const si = throwsLike(
        () => py.run("raise SystemExit(3)"),
        PyBaseException,
      );
      assert.ok(!(si instanceof PyException), "SystemExit is not an Exception");
      assert.equal(si.typeName, "SystemExit");
      const ki = throwsLike(
        () => py.run("raise KeyboardInterrupt"),
        PyBaseException,
      );
      assert.equal(ki.typeName, "KeyboardInterrupt");
      const bom = throwsLike(
        () => py.run("raise ValueError('\\ufeffmsg')"),
        PyValueError,
      );
      assert.equal(bom.message, "\ufeffmsg", "a leading U+FEFF is kept");
      assert.equal(
        py.eval("1 + 1").extract(Extract.int),
        2,
        "the error indicator was cleared",
      );
    });
  });

  test("errors: traceback text contains the Python frames; stack has both", () => {
    Python.withGil((py) => {
      const modName = `pyembed_suite_tb_${name}`;
      const m = PyModule.fromCode(
        py,
        "def inner(x):\n    raise ValueError('deep ' + str(x))\n\ndef outer(x):\n    return inner(x)\n",
        `${modName}.py`,
        modName,
      );
      const e = throwsLike(
        () => m.getattr("outer").call1(5),
        PyValueError,
        "deep 5",
      );
      assert.match(e.traceback, /^Traceback \(most recent call last\):/);
      assert.match(
        e.traceback,
        new RegExp(`File "${modName}\\.py", line 5, in outer`),
      );
      assert.match(
        e.traceback,
        new RegExp(`File "${modName}\\.py", line 2, in inner`),
      );
      assert.match(e.traceback, /ValueError: deep 5\n?$/);
      assert.ok(
        e.traceback.indexOf("in outer") < e.traceback.indexOf("in inner"),
      );
      assert.match(e.stack!, /in inner/);
      assert.match(e.stack!, /JavaScript stack/);
      const s = throwsLike(() => py.eval("1 +"), PySyntaxError);
      assert.match(s.traceback, /SyntaxError/);
      // a JS-made error has no traceback
      const made = PyValueError.newErr("made in JS");
      assert.equal(made.traceback, "");
      assert.equal(made.message, "made in JS");
      assert.equal(made.typeName, "ValueError");
      assert.ok(made instanceof PyValueError && made instanceof PyException);
      assert.equal(PyRuntimeError.newErr("r").typeName, "RuntimeError");
    });
  });

  test("errors: user-defined exception classes map to their nearest builtin ancestor", () => {
    Python.withGil((py) => {
      const g = PyDict.new(py);
      py.run(
        "class MyErr(KeyError):\n    pass\nclass Deeper(MyErr):\n    pass\nclass Plain(Exception):\n    pass\nclass Base(BaseException):\n    pass\nclass Multi(Plain, IndexError):\n    pass\nclass Msg(ValueError):\n    def __str__(self):\n        return 'custom str'\nclass BadStr(ValueError):\n    def __str__(self):\n        raise RuntimeError('no')\n",
        g,
      );
      const my = throwsLike(
        () => py.run("raise MyErr('m')", g),
        PyKeyError,
        "'m'",
      );
      assert.equal(my.typeName, "MyErr");
      assert.equal(my.name, "MyErr");
      assert.ok(my instanceof PyLookupError && !(my instanceof PyIndexError));
      const deeper = throwsLike(
        () => py.run("raise Deeper('d')", g),
        PyKeyError,
      );
      assert.equal(deeper.typeName, "Deeper");
      const plain = throwsLike(
        () => py.run("raise Plain('p')", g),
        PyException,
        "p",
      );
      assert.equal(plain.constructor, PyException);
      assert.equal(plain.typeName, "Plain");
      const base = throwsLike(() => py.run("raise Base()", g), PyBaseException);
      assert.equal(base.constructor, PyBaseException);
      const multi = throwsLike(() => py.run("raise Multi()", g), PyIndexError);
      assert.equal(multi.typeName, "Multi");
      throwsLike(() => py.run("raise Msg()", g), PyValueError, "custom str");
      const bad = throwsLike(() => py.run("raise BadStr()", g), PyValueError);
      assert.equal(bad.typeName, "BadStr");
      // isInstanceOf with Python types and JS classes
      assert.ok(my.isInstanceOf(g.getItem("MyErr")!));
      assert.ok(my.isInstanceOf(py.eval("KeyError")));
      assert.ok(my.isInstanceOf(py.eval("LookupError")));
      assert.ok(my.isInstanceOf(py.eval("(ValueError, LookupError)")));
      assert.ok(!my.isInstanceOf(py.eval("ValueError")));
      assert.ok(!my.isInstanceOf(g.getItem("Deeper")!));
      assert.ok(deeper.isInstanceOf(g.getItem("MyErr")!));
      assert.ok(my.isInstanceOf(PyKeyError) && !my.isInstanceOf(PyTypeError));
      assert.ok(PyValueError.newErr("x").isInstanceOf(py.eval("ValueError")));
      assert.ok(!PyValueError.newErr("x").isInstanceOf(py.eval("KeyError")));
      assert.equal(py.eval("2").extract(Extract.int), 2);
    });
  });

  // ==================================================================================
  // Misuse never crashes
  // ==================================================================================

  test("misuse: JS values that cannot convert raise TypeError/ValueError, leaving nothing behind", () => {
    class Custom {}
    const selfRef: unknown[] = [];
    selfRef.push(selfRef);
    const selfObj: Record<string, unknown> = {};
    selfObj.me = selfObj;
    const bad: [string, unknown, RegExp][] = [
      ["symbol", Symbol("s"), /symbol/],
      ["Date", new Date(0), /Date/],
      ["WeakMap", new WeakMap(), /WeakMap/],
      ["class instance", new Custom(), /Custom/],
      ["Promise", Promise.resolve(), /Promise/],
      ["RegExp", /x/, /RegExp/],
      ["nested symbol", [1, { a: Symbol("deep") }], /symbol/],
      ["self-referencing array", selfRef, /nesting deeper/],
      ["self-referencing object", selfObj, /nesting deeper/],
      ["throwing toPyObject", {
        [tier.toPyObject]: () => {
          throw new RangeError("nope");
        },
      }, /nope/],
    ];
    Python.withGil((py) =>
      region(py, (k) => {
        const id = identity(py, k);
        const l = k(PyList.new(py, [0]));
        const d = k(PyDict.new(py));
        for (const [what, v, msg] of bad) {
          const check = (f: () => unknown) => {
            let threw = false;
            try {
              f();
            } catch (e) {
              threw = true;
              assert.ok(e instanceof Error, what);
              assert.match((e as Error).message, msg, what);
            }
            assert.ok(threw, `${what}: no error`);
          };
          check(() => id.call1(v));
          check(() => id.call([], { v }));
          check(() => l.append(v));
          check(() => l.setItem(0, v));
          check(() => l.contains(v));
          check(() => d.setItem("k", v));
          check(() => d.setItem(v, 1));
          check(() => PyList.new(py, [1, v]));
          check(() => PyDict.fromEntries(py, { v }));
          check(() => l.eq(v));
        }
        assert.deepEqual(l.toJs(), [0]);
        assert.equal(d.len(), 0);
        throwsLike(
          () => l.getItem(Symbol("i") as unknown as number),
          PyTypeError,
          /symbol/,
        );
        assert.equal(
          py.eval("3 * 3").extract(Extract.int),
          9,
          "no Python error left pending",
        );
      })
    );
  });

  test("misuse: iterating, indexing, sizing, calling what does not support it", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const one = k(py.eval("1"));
        throwsLike(
          () => {
            for (const _ of one) assert.fail("iterated");
          },
          PyTypeError,
          "'int' object is not iterable",
        );
        throwsLike(
          () => one.iter(),
          PyTypeError,
          "'int' object is not iterable",
        );
        throwsLike(() => [...one], PyTypeError, "'int' object is not iterable");
        throwsLike(
          () => one.getItem(0),
          PyTypeError,
          "'int' object is not subscriptable",
        );
        throwsLike(
          () => one.setItem(0, 1),
          PyTypeError,
          "'int' object does not support item assignment",
        );
        throwsLike(
          () => one.delItem(0),
          PyTypeError,
          /'int' object does(n't| not) support item deletion/,
        );
        throwsLike(
          () => one.len(),
          PyTypeError,
          "object of type 'int' has no len()",
        );
        throwsLike(
          () => one.contains(1),
          PyTypeError,
          "argument of type 'int' is not iterable",
        );
        throwsLike(
          () => one.call0(),
          PyTypeError,
          "'int' object is not callable",
        );
        throwsLike(
          () => one.callMethod0("nope"),
          PyAttributeError,
          "'int' object has no attribute 'nope'",
        );
        throwsLike(() => one.extract(Extract.list(Extract.int)), PyTypeError);
        throwsLike(
          () => k(py.eval("[1]")).getItem(10),
          PyIndexError,
          "list index out of range",
        );
        // a Python exception inside special methods
        const g = k(PyDict.new(py));
        py.run(
          "class Evil:\n    def __repr__(self): raise ValueError('r')\n    def __hash__(self): raise ValueError('h')\n    def __eq__(self, o): raise ValueError('e')\n    def __len__(self): raise ValueError('l')\n    def __iter__(self): raise ValueError('i')\n    def __bool__(self): raise ValueError('b')\n    def __getitem__(self, k): raise ValueError('g')\n    def __contains__(self, k): raise ValueError('c')\n    def __call__(self): raise ValueError('call')\nevil = Evil()\n",
          g,
        );
        const evil = k(g.getItem("evil")!);
        throwsLike(() => evil.repr(), PyValueError, "r");
        throwsLike(() => evil.hash(), PyValueError, "h");
        throwsLike(() => evil.eq(1), PyValueError, "e");
        throwsLike(() => evil.len(), PyValueError, "l");
        throwsLike(() => [...evil], PyValueError, "i");
        throwsLike(() => evil.isTruthy(), PyValueError, "b");
        throwsLike(() => evil.getItem(0), PyValueError, "g");
        throwsLike(() => evil.contains(0), PyValueError, "c");
        throwsLike(() => evil.call0(), PyValueError, "call");
        throwsLike(() => k(PyDict.new(py)).setItem(evil, 1), PyValueError, "h");
        throwsLike(() => k(PyDict.new(py)).getItem(evil), PyValueError, "h");
        throwsLike(() => k(PyDict.new(py)).contains(evil), PyValueError, "h");
        throwsLike(() => k(PySet.new(py)).add(evil), PyValueError, "h");
        throwsLike(() => k(PyList.new(py, [evil])).repr(), PyValueError, "r");
        assert.match(
          evil.toString(),
          /^<PyAny: /,
          "toString falls back (str() uses __repr__)",
        );
        assert.equal(py.eval("1").extract(Extract.int), 1);
      })
    );
  });

  test("misuse: the same object passed many times, then JS gc() and Python gc.collect()", async () => {
    const gc = requireGc();
    const g = Python.withGil((py) => Py.from(freshFixture(py).g));
    const count = () =>
      Python.withGil((py) => g.bind(py).getItem("S")!.refCnt());
    const before = count();
    Python.withGil((py) => {
      const f = fixFrom(g.bind(py));
      for (let i = 0; i < 200; i++) {
        region(py, (k) => {
          k(f.box.call1(...Array(50).fill(f.S)));
          k(f.ident.call1([f.S, f.S, { s: f.S }]));
          k(PyList.new(py, Array(20).fill(f.S)));
          k(Py.from(f.S));
          throwsLike(() => f.box.call1(f.S, f.S, Symbol("x")), PyTypeError);
        });
      }
    });
    assert.equal(count(), before, "no reference leaked or lost");
    for (let i = 0; i < 3; i++) {
      gc();
      await ticks();
      Python.withGil((py) => py.eval("gc.collect()", g.bind(py)));
    }
    assert.equal(count(), before, "GC released nothing twice");
    Python.withGil((py) => {
      const s = g.bind(py).getItem("S")!;
      assert.match(s.repr(), /Sentinel object/);
      assert.equal(py.eval("sum(range(1000))").extract(Extract.int), 499500);
    });
    g[Symbol.dispose]();
  });

  // ==================================================================================
  // Process exit
  // ==================================================================================

  test("process exit: live objects of every kind, 20 runs, exit status 0", async () => {
    const execPath = Deno.execPath();
    const state = await Deno.permissions.query({
      name: "run",
      command: execPath,
    });
    assert.equal(
      state.state,
      "granted",
      "this test spawns deno: run with --allow-run (deno task test does)",
    );
    const modUrl = new URL(
      isStable ? "../../mod.ts" : "../../experimental/mod.ts",
      import.meta.url,
    ).href;
    const run = async (variant: number) => {
      // Killed after a timeout (a hang at exit fails instead of stalling).
      const out = await runDeno([
        "eval",
        "--ext=ts",
        "--v8-flags=--expose-gc",
        childScript(modUrl, variant),
      ], { timeoutMs: 120_000 });
      const err = out.stderr;
      const stdout = out.stdout;
      assert.equal(
        out.timedOut,
        false,
        `variant ${variant}: timed out\n${err}`,
      );
      assert.equal(
        out.code,
        0,
        `variant ${variant}: exit ${out.code} signal ${out.signal}\n${err}`,
      );
      assert.equal(out.signal, null);
      assert.match(
        stdout,
        /child ready/,
        `variant ${variant}: ${stdout}\n${err}`,
      );
    };
    for (let batch = 0; batch < 20; batch += 5) {
      await Promise.all([0, 1, 2, 3, 4].map((i) => run(batch + i)));
    }
  });
}
