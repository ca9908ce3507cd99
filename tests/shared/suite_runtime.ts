// Runtime, token and scopes: part of the behavioural suite both tiers run (tests/shared/suite.ts
// explains the `region` abstraction; tests/stable_test.ts and tests/owned_test.ts
// register it).

import assert from "node:assert/strict";
import { type Any, type SuiteContext, throwsLike } from "./suite.ts";

/** Registers the "Runtime, token and scopes" tests for one tier. */
export function defineRuntimeTests(ctx: SuiteContext): void {
  const { name, test, region } = ctx;
  const {
    Python,
    PyDict,
    PyList,
    PyModule,
    Extract,
    PySyntaxError,
    PyNameError,
    PyImportError,
    PyModuleNotFoundError,
  } = ctx.tier;

  // ==================================================================================
  // Runtime, token, scopes
  // ==================================================================================

  test("Python.version and libraryPath describe the running interpreter", () => {
    const v = Python.version;
    assert.equal(v.major, 3);
    assert.ok(v.minor >= 8 && v.minor <= 13, `minor ${v.minor}`);
    assert.ok(v.full.startsWith(`${v.major}.${v.minor}.${v.micro}`));
    assert.match(Python.libraryPath, /python3/);
    Python.withGil((py) =>
      region(py, (k) => {
        const vi = k(k(py.import("sys")).getattr("version_info"));
        assert.deepEqual(vi.getItem(0).toJs(), 3);
        assert.deepEqual(vi.getItem(1).toJs(), v.minor);
      })
    );
  });

  test("withGil returns the callback's JS value and is re-entrant", () => {
    const r = Python.withGil((py) => {
      const outer = py.eval("[1, 2]");
      const inner = Python.withGil((py2) => {
        // an outer object is usable in the nested scope, and vice versa
        assert.equal(outer.len(), 2);
        return py2.eval("{'k': 3}");
      });
      // the nested scope reused the outer one: its object is still alive
      assert.equal(inner.getItem("k").toJs(), 3);
      return outer.toJs();
    });
    assert.deepEqual(r, [1, 2]);
  });

  test("withGil rejects a callback returning a Promise, and stays usable", () => {
    throwsLike(
      () => Python.withGil(() => Promise.resolve(1)),
      TypeError,
      /synchronous/,
    );
    throwsLike(
      () => Python.withGil((py) => Python.withGil(() => Promise.resolve(py))),
      TypeError,
      /synchronous/,
    );
    assert.equal(
      Python.withGil((py) => py.eval("6 * 7").extract(Extract.int)),
      42,
    );
  });

  test("an exception thrown in withGil propagates and releases the scope", () => {
    let kept: Any | undefined;
    throwsLike(
      () =>
        Python.withGil((py) => {
          kept = py.eval("object()");
          throw new RangeError("out");
        }),
      RangeError,
      "out",
    );
    throwsLike(() => kept!.repr(), Error, /released/);
    assert.equal(Python.withGil((py) => py.eval("1").extract(Extract.int)), 1);
  });

  test("py.import, py.builtins, py.None", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const math = k(py.import("math"));
        assert.ok(math.isInstanceOf(PyModule));
        assert.equal(math.name(), "math");
        assert.equal(k(math.getattr("pi")).extract(Extract.float), Math.PI);
        const os = k(py.import("os.path"));
        assert.equal(os.name(), "posixpath");
        throwsLike(
          () => py.import("no_such_module_zz"),
          PyModuleNotFoundError,
          "No module named 'no_such_module_zz'",
        );
        throwsLike(() => py.import("no_such_module_zz"), PyImportError);
        const b = k(py.builtins());
        assert.equal(b.name(), "builtins");
        assert.equal(
          k(k(b.getattr("len")).call1("abc")).extract(Extract.int),
          3,
        );
        const none = k(py.None());
        assert.ok(none.isNone());
        assert.ok(none.is(k(py.eval("None"))));
        assert.equal(none.toJs(), null);
        assert.equal(none.repr(), "None");
        assert.ok(!k(py.eval("0")).isNone());
      })
    );
  });

  test("py.eval and py.run without globals use __main__", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        py.run(`suite_main_${name} = 40 + 2`);
        assert.equal(k(py.eval(`suite_main_${name}`)).toJs(), 42);
        const main = k(py.import("__main__"));
        assert.equal(k(main.getattr(`suite_main_${name}`)).toJs(), 42);
        // run returns nothing; eval is an expression only
        assert.equal(py.run("1 + 1"), undefined);
        throwsLike(() => py.eval("x = 1"), PySyntaxError);
        throwsLike(
          () => py.eval("nope_not_defined_zz"),
          PyNameError,
          "name 'nope_not_defined_zz' is not defined",
        );
        assert.equal(
          k(py.eval("len([1, 2, 3])")).toJs(),
          3,
          "builtins are reachable",
        );
      })
    );
  });

  test("py.eval and py.run with explicit globals and locals", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const g = k(PyDict.new(py));
        py.run("x = 10\ndef f(y):\n    return x + y\n", g);
        assert.equal(k(py.eval("f(5)", g)).toJs(), 15);
        assert.ok(
          g.contains("__builtins__"),
          "globals get __builtins__ as in PyO3",
        );
        assert.equal(k(py.eval("len('ab')", g)).toJs(), 2);
        // not leaked into __main__
        throwsLike(() => py.eval("f"), PyNameError);
        // locals receive assignments, globals do not
        const l = k(PyDict.fromEntries(py, { z: 1 }));
        py.run("w = x + z", g, l);
        assert.equal(l.getItem("w")?.toJs(), 11);
        assert.equal(g.getItem("w"), undefined);
        assert.equal(k(py.eval("x * z + w", g, l)).toJs(), 21);
        // an empty globals dict works (gets builtins)
        const g2 = k(PyDict.new(py));
        assert.equal(k(py.eval("abs(-3)", g2)).toJs(), 3);
      })
    );
  });

  test("py.allowThreads releases the GIL: Python threads run, Python objects throw", () => {
    Python.withGil((py) => {
      const g = PyDict.new(py);
      py.run(
        "import threading, time\nflag = []\ndef work():\n    time.sleep(0.02)\n    flag.append(1)\nt = threading.Thread(target=work, daemon=True)\nt.start()\n",
        g,
      );
      const r = py.allowThreads(() => {
        // Python objects must not be touched without the GIL
        throwsLike(() => g.len(), Error, /without the GIL/);
        throwsLike(() => py.eval("1"), Error, /without the GIL/);
        throwsLike(() => PyDict.new(py), Error, /without the GIL/);
        throwsLike(() => PyList.new(py, [1]), Error, /without the GIL/);
        // a nested withGil takes the GIL again
        const two = Python.withGil((py2) =>
          py2.eval("1 + 1").extract(Extract.int)
        );
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        return two;
      });
      assert.equal(r, 2);
      py.run("t.join(5)", g); // bounded: a stuck thread fails the check below
      assert.deepEqual(
        g.getItem("flag")?.toJs(),
        [1],
        "the Python thread ran while the GIL was released",
      );
      assert.equal(g.len() > 0, true, "objects work again after allowThreads");
    });
  });
}
