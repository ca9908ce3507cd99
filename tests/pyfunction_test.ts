// pyfunction / pymodule through the public API, in both tiers: exceptions
// crossing the boundary, re-entrancy, plain JS functions as Python callables,
// lifetime of the callback table, and modules written in TypeScript.
// Needs --allow-ffi --allow-env --allow-read --allow-run=python3; the gc()
// test also needs --v8-flags=--expose-gc (it is ignored without it).

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const jsGc = (globalThis as { gc?: () => void }).gc;
// scipy is installed for the default python3 only (not for every PYTHON_LIBRARY).
const hasScipy = TIERS[0].withGil((py) => {
  try {
    py.import("scipy.optimize");
    return true;
  } catch (e) {
    if (e instanceof TIERS[0].api.PyImportError) return false;
    throw e;
  }
});

for (const { name, withGil, api, Python } of TIERS) {
  const t = (title: string, fn: () => void, ignore = false) =>
    Deno.test({ name: `pyfunction (${name}): ${title}`, fn, ignore });

  // ---- 2. exceptions -------------------------------------------------------

  t("PyErr.newErr from a handler reaches Python as that exception", () => {
    withGil((py) => {
      const g = api.PyDict.new(py);
      g.setItem(
        "bad_value",
        api.pyfunction(py, "bad_value(x)", ({ x }) => {
          throw api.PyValueError.newErr(`bad x: ${x.repr()}`);
        }),
      );
      g.setItem(
        "bad_key",
        api.pyfunction(py, "bad_key()", () => {
          throw api.PyKeyError.newErr("missing");
        }),
      );
      py.run(
        String.raw`
def catch(f, *a):
    try:
        f(*a)
    except BaseException as e:
        return (type(e).__name__, e.args, str(e))
r1 = catch(bad_value, 'q')
r2 = catch(bad_key)
`,
        g,
      );
      assert.equal(
        g.getItem("r1")!.repr(),
        `('ValueError', ("bad x: 'q'",), "bad x: 'q'")`,
      );
      assert.equal(
        g.getItem("r2")!.repr(),
        `('KeyError', ('missing',), "'missing'")`,
      );
    });
  });

  t(
    "a caught and re-thrown PyErr keeps its type, even a user-defined class",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        py.run("class MyErr(ValueError):\n    pass\n", g);
        const seen: unknown[] = [];
        g.setItem(
          "rethrow",
          api.pyfunction(py, "rethrow(code)", ({ code }) => {
            try {
              py.run(code.extract(api.Extract.str), g);
            } catch (e) {
              seen.push(e);
              throw e;
            }
            return "no error";
          }),
        );
        py.run(
          String.raw`
def catch(code):
    try:
        rethrow(code)
    except BaseException as e:
        return (type(e), e.args)
r1 = catch("raise MyErr('custom', 42)")
r2 = catch("1/0")
assert r1[0] is MyErr, r1
`,
          g,
        );
        assert.equal(seen.length, 2);
        // In JS: MyErr maps to its nearest builtin ancestor's class, keeping its name.
        assert.ok(seen[0] instanceof api.PyValueError);
        assert.equal(
          (seen[0] as InstanceType<typeof api.PyErr>).typeName,
          "MyErr",
        );
        assert.ok(seen[1] instanceof api.PyErr);
        assert.equal(
          (seen[1] as InstanceType<typeof api.PyErr>).typeName,
          "ZeroDivisionError",
        );
        assert.equal(
          py.eval("(r1[0].__name__, r1[1])", g).repr(),
          "('MyErr', ('custom', 42))",
        );
        assert.equal(
          py.eval("(r2[0].__name__, r2[1])", g).repr(),
          "('ZeroDivisionError', ('division by zero',))",
        );
      });
    },
  );

  t(
    "other JS errors become RuntimeError with the JS message (and stack)",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        g.setItem(
          "boom",
          api.pyfunction(py, "boom(kind)", ({ kind }) => {
            const k = kind.extract(api.Extract.str);
            if (k === "error") throw new Error("boom goes the JS");
            if (k === "type") return (undefined as unknown as () => void)();
            if (k === "string") throw "a thrown string";
            if (k === "promise") return Promise.resolve(1);
            return Symbol("not convertible");
          }),
        );
        py.run(
          String.raw`
def catch(kind):
    try:
        boom(kind)
    except BaseException as e:
        return (type(e).__name__, str(e), "\n".join(getattr(e, "__notes__", [])))
res = {k: catch(k) for k in ("error", "type", "string", "promise", "symbol")}
`,
          g,
        );
        const res = g.getItem("res")!;
        const get = (k: string) =>
          res.getItem(k).toJs() as [string, string, string];
        const [type1, msg1, notes1] = get("error");
        assert.equal(type1, "RuntimeError");
        assert.match(msg1, /boom goes the JS/);
        const minor = py.import("sys").getattr("version_info").getattr("minor")
          .toJs() as number;
        // 3.11+: the JS stack is a note; before, it follows the message.
        const stack = minor >= 11 ? notes1 : msg1;
        if (minor >= 11) assert.match(notes1, /^JavaScript stack:/);
        assert.match(stack, /pyfunction_test\.ts/);
        assert.equal(get("type")[0], "RuntimeError");
        assert.match(get("type")[1], /TypeError/);
        assert.equal(get("string")[0], "RuntimeError");
        assert.match(get("string")[1], /a thrown string/);
        // A Promise is not an error: Python gets an awaitable (no exception).
        assert.equal(res.getItem("promise").toJs(), null);
        assert.equal(
          py.eval("type(boom('promise')).__name__", g).toJs(),
          "TypeScriptPromise",
        );
        assert.ok(["TypeError", "RuntimeError"].includes(get("symbol")[0]));
        // Still alive and usable afterwards.
        assert.equal(py.eval("1 + 1").toJs(), 2);
      });
    },
  );

  t(
    "a Python exception raised by Python code the handler calls propagates unchanged",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        g.setItem(
          "parse",
          api.pyfunction(py, "parse(s)", ({ s }) => {
            const int = py.builtins().getattr("int");
            return int.call1(s).extract(api.Extract.int) * 2; // not caught here
          }),
        );
        py.run(
          String.raw`
try:
    parse("zz")
except ValueError as e:
    got = (type(e) is ValueError, str(e))
ok = parse("21")
`,
          g,
        );
        assert.equal(
          g.getItem("got")!.repr(),
          `(True, "invalid literal for int() with base 10: 'zz'")`,
        );
        assert.equal(g.getItem("ok")!.toJs(), 42);
      });
    },
  );

  t(
    "re-entrancy Python -> TS -> Python -> TS -> Python, values and errors flow",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        const trail: number[] = [];
        g.setItem(
          "ts_down",
          api.pyfunction(py, "ts_down(n, acc)", ({ n, acc }, hpy) => {
            assert.ok(hpy instanceof Python);
            const k = n.extract(api.Extract.int);
            trail.push(k);
            // Call back into Python, which calls ts_down again.
            const r = g.getItem("py_down")!.call1(
              k - 1,
              acc.extract(api.Extract.str) + `ts${k},`,
            );
            return r.extract(api.Extract.str) + `/ts${k}`;
          }),
        );
        py.run(
          String.raw`
def py_down(n, acc):
    if n == 0:
        return acc + "bottom"
    if n == -100:
        raise LookupError("deep failure")
    return ts_down(n, acc + "py%d," % n) + "/py%d" % n
res = py_down(4, "")
`,
          g,
        );
        assert.equal(
          g.getItem("res")!.toJs(),
          "py4,ts4,py3,ts3,py2,ts2,py1,ts1,bottom/ts1/py1/ts2/py2/ts3/py3/ts4/py4",
        );
        assert.deepEqual(trail, [4, 3, 2, 1]);
        // An exception at the bottom crosses every level with its type and message.
        g.setItem(
          "ts_fail",
          api.pyfunction(py, "ts_fail(depth, js)", ({ depth, js }) => {
            const d = depth.extract(api.Extract.int);
            if (d === 0) {
              if (js.isTruthy()) throw new Error("js at the bottom");
              return g.getItem("py_down")!.call1(-100, "");
            }
            return py.eval(
              `ts_fail(${d - 1}, ${js.isTruthy() ? "True" : "False"})`,
              g,
            );
          }),
        );
        py.run(
          String.raw`
def catch(js):
    try:
        ts_fail(3, js)
    except BaseException as e:
        return (type(e).__name__, str(e))
r_py = catch(False)
r_js = catch(True)
`,
          g,
        );
        assert.equal(
          g.getItem("r_py")!.repr(),
          "('LookupError', 'deep failure')",
        );
        const [tn, msg] = g.getItem("r_js")!.toJs() as string[];
        assert.equal(tn, "RuntimeError");
        assert.match(msg, /js at the bottom/);
        assert.doesNotMatch(msg, /RuntimeError/); // not re-wrapped on the way up
      });
    },
  );

  t(
    "objects a handler receives live for the call only (per-call scope)",
    () => {
      withGil((py) => {
        let kept: unknown = null;
        const f = api.pyfunction(py, "keep(x)", ({ x }) => {
          kept = x;
          return x.len();
        });
        assert.equal(f.call1([1, 2, 3]).toJs(), 3);
        assert.throws(() => (kept as { repr(): string }).repr(), /released/);
      });
    },
  );

  // ---- 3. plain JS functions as Python callables ---------------------------

  t("sorted(key=fn), map(fn), functools.reduce with plain JS functions", () => {
    withGil((py) => {
      const b = py.builtins();
      const sorted = b.getattr("sorted").call([[3, 1, 2, 5, 4]], {
        key: (x: number) => -x,
      });
      assert.deepEqual(sorted.toJs(), [5, 4, 3, 2, 1]);
      const words = b.getattr("sorted").call([["ccc", "a", "bb"]], {
        key: (s: string) => s.length,
      });
      assert.deepEqual(words.toJs(), ["a", "bb", "ccc"]);
      const mapped = b.getattr("list").call1(
        b.getattr("map").call1((x: number) => x * 10, [1, 2, 3]),
      );
      assert.deepEqual(mapped.toJs(), [10, 20, 30]);
      const reduce = py.import("functools").getattr("reduce");
      assert.equal(
        reduce.call1((a: number, x: number) => a + x, [
          1,
          2,
          3,
          4,
          5,
          6,
          7,
          8,
          9,
          10,
        ]).toJs(),
        55,
      );
      // Keyword arguments arrive as one trailing plain object.
      const g = api.PyDict.new(py);
      g.setItem(
        "f",
        (a: number, kw: Record<string, unknown>) =>
          `${a}:${JSON.stringify(kw)}`,
      );
      assert.equal(py.eval("f(1, k=2, s='x')", g).toJs(), `1:{"k":2,"s":"x"}`);
      assert.match(
        py.eval("repr(f)", g).toJs() as string,
        /<built-in function js_function>|<built-in function f>/,
      );
    });
  });

  t("scipy.optimize.minimize with a TypeScript objective", () => {
    withGil((py) => {
      let calls = 0;
      // x, an ndarray, arrives converted by toJs(): a JS array (issue 14).
      const objective = ([a, b]: number[]) => {
        calls++;
        return (a - 1) ** 2 + 10 * (b + 2.5) ** 2 + 3;
      };
      const res = py.import("scipy.optimize").getattr("minimize").call([
        objective,
        [0, 0],
      ], { method: "BFGS" });
      assert.equal(res.getattr("success").toJs(), true);
      const [a, b] = res.getattr("x").callMethod0("tolist").toJs() as number[];
      assert.ok(Math.abs(a - 1) < 1e-4, `a=${a}`);
      assert.ok(Math.abs(b + 2.5) < 1e-4, `b=${b}`);
      assert.ok(Math.abs((res.getattr("fun").toJs() as number) - 3) < 1e-8);
      assert.ok(calls > 5);
      // x arrives as the ndarray's tolist(), a JS array of numbers.
      let seen: unknown = undefined;
      py.import("scipy.optimize").getattr("minimize").call([
        (x: unknown) => {
          seen ??= x;
          return 0;
        },
        [0.5],
      ], { options: { maxiter: 1 } });
      assert.deepEqual(seen, [0.5]);
    });
  }, !hasScipy);

  // ---- 4. lifetime ------------------------------------------------------------

  t("del f; gc.collect() releases the closure from the table", () => {
    // Collect first: earlier tests leave functions in reference cycles
    // (exception tracebacks), which this test's gc.collect() would free.
    const base = withGil((py) => {
      py.run("import gc; gc.collect()");
      return api.pyfunctionTableSize();
    });
    withGil((py) => {
      const g = py.import("__main__").dict();
      g.setItem("_pf_f", api.pyfunction(py, "_pf_f(x)", ({ x }) => x));
      // A reference cycle holding the function: only the cycle collector frees it.
      py.run("_pf_cycle = [_pf_f]; _pf_cycle.append(_pf_cycle)");
    });
    withGil((py) => {
      assert.equal(api.pyfunctionTableSize(), base + 1);
      assert.equal(py.eval("_pf_f(7)").toJs(), 7);
      py.run("del _pf_f");
      assert.equal(
        api.pyfunctionTableSize(),
        base + 1,
        "the cycle still holds it",
      );
      py.run("del _pf_cycle; import gc; gc.collect()");
      assert.equal(api.pyfunctionTableSize(), base);
    });
  });

  t(
    "one function called 10,000 times from Python across JS gc() and gc.collect()",
    () => {
      const fname = `_pf_inc_${name}`;
      let n = 0;
      withGil((py) => {
        const g = py.import("__main__").dict();
        g.setItem(
          fname,
          api.pyfunction(py, "inc(x, /, step=1)", ({ x, step }) => {
            n++;
            return x.extract(api.Extract.int) + step.extract(api.Extract.int);
          }),
        );
        g.setItem("_pf_jsgc", () => jsGc!());
      });
      let total = 0;
      for (let chunk = 0; chunk < 5; chunk++) {
        jsGc!(); // between scopes: only Python holds the function now
        total += withGil((py) => {
          const g = api.PyDict.new(py);
          g.setItem("inc", py.eval(fname));
          g.setItem("jsgc", py.eval("_pf_jsgc"));
          py.run(
            String.raw`
import gc
total = 0
for i in range(2000):
    total += inc(i) - i
    if i % 997 == 0:
        gc.collect()
        jsgc()
`,
            g,
          );
          return g.getItem("total")!.toJs() as number;
        });
      }
      assert.equal(total, 10000);
      assert.equal(n, 10000);
      withGil((py) => {
        assert.equal(py.eval(`${fname}(1, step=41)`).toJs(), 42);
        py.run(`del ${fname}, _pf_jsgc`);
      });
    },
    jsGc === undefined,
  );

  t(
    "thousands of functions created and dropped leave the table and allocated blocks flat",
    () => {
      const blocks = (py: Parameters<Parameters<typeof withGil>[0]>[0]) => {
        py.run("import gc; gc.collect(); gc.collect()");
        return py.import("sys").callMethod0("getallocatedblocks")
          .toJs() as number;
      };
      const churn = (rounds: number) => {
        for (let r = 0; r < rounds; r++) {
          withGil((py) => {
            const g = api.PyDict.new(py);
            for (let i = 0; i < 100; i++) {
              const f = api.pyfunction(
                py,
                `f${i}(a, b=(1, 'x'), *, c=None)`,
                ({ a, b }) => [a, b],
              );
              g.setItem("f", f);
              py.run("r = f(1)", g);
              (f as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
            }
            // Plain JS functions converted on the fly, too.
            py.builtins().getattr("sorted").call([[1, 2, 3]], {
              key: (x: number) => -x,
            });
          });
        }
      };
      churn(2); // warm up caches (interned names, ast.literal_eval, freelists)
      const [blocks0, table0] = withGil((
        py,
      ) => [blocks(py), api.pyfunctionTableSize()]);
      churn(30); // 3,000 pyfunctions + 30 converted JS functions
      const [blocks1, table1] = withGil((
        py,
      ) => [blocks(py), api.pyfunctionTableSize()]);
      assert.equal(table1, table0);
      // Each leaked function would keep >= 5 blocks (function, module, its dict,
      // id int, weakref, default tuple): 3,000 leaks would be >= 15,000 blocks.
      // The tolerance absorbs free lists and caches that grow a little.
      assert.ok(
        Math.abs(blocks1 - blocks0) < 300,
        `blocks ${blocks0} -> ${blocks1}`,
      );
    },
  );

  t(
    "every call reaches its own function while dropped functions' memory is reused",
    () => {
      // The trampoline finds a call's function through its `self` module: a
      // function made where a dropped one lived must never run the old
      // handler. (A cache keyed by the module dict's address failed this
      // way, intermittently, for the threaded mode's inner functions, whose
      // modules it never saw made.)
      withGil((py) => {
        const g = api.PyDict.new(py);
        const kept: unknown[] = [];
        // The stable tier releases each dropped function at its withPool's end.
        const pool = (py as { withPool?: (f: () => void) => void }).withPool
          ?.bind(py) ?? ((f: () => void) => f());
        for (let i = 0; i < 3000; i++) {
          pool(() => {
            const f = api.pyfunction(py, "f()", () => i);
            g.setItem("f", f);
            assert.equal(py.eval("f()", g).extract(api.Extract.int), i);
            if (i % 10 === 0) kept.push(api.Py.from(f));
            else (f as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
            g.delItem("f");
          });
        }
        py.run("import gc; gc.collect()");
        kept.forEach((f, j) => {
          g.setItem("f", (f as { bind(py: unknown): unknown }).bind(py));
          assert.equal(py.eval("f()", g).extract(api.Extract.int), j * 10);
        });
      });
    },
  );

  t(
    "a function's self kept past it is let go of, and never runs its handler again",
    () => {
      // The trampoline finds a function by its `self` module's address, which
      // its entry keeps alive (so no other object can take the address while
      // the entry is found by it) until Python has dropped the function.
      withGil((py) => {
        const g = api.PyDict.new(py);
        const pool = (py as { withPool?: (f: () => void) => void }).withPool
          ?.bind(py) ?? ((f: () => void) => f());
        pool(() => {
          const f = api.pyfunction(py, "f()", () => "old");
          g.setItem("f", f);
          py.run("s = f.__self__\nassert f() == 'old'\ndel f", g);
          (f as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
        });
        py.run("import gc, sys\ngc.collect()", g);
        // `g`, getrefcount's argument and the not yet swept entry hold it.
        assert.equal(
          py.eval("sys.getrefcount(s)", g).extract(api.Extract.int),
          3,
        );
        api.pyfunctionTableSize(); // sweeps the dropped function's entry
        // Only `g` and getrefcount's argument hold it now.
        assert.equal(
          py.eval("sys.getrefcount(s)", g).extract(api.Extract.int),
          2,
        );
        py.run("del s\ngc.collect()", g);
        for (let i = 0; i < 300; i++) {
          pool(() => {
            const f = api.pyfunction(py, "f()", () => i);
            g.setItem("f", f);
            assert.equal(py.eval("f()", g).extract(api.Extract.int), i);
            g.delItem("f");
            (f as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
          });
        }
      });
    },
  );

  t("500 functions alive at once: each call reaches its own handler", () => {
    // Each function is found by the low bits of its `self` address; no two
    // live functions may share them, whatever order they are made and
    // dropped in.
    withGil((py) => {
      const g = api.PyDict.new(py);
      const fs = api.PyList.new(py);
      g.setItem("fs", fs);
      for (let i = 0; i < 500; i++) {
        fs.append(
          api.pyfunction(
            py,
            "f(x=0)",
            ({ x }) => i * 1000 + x.extract(api.Extract.int),
          ),
        );
        // Drop every third one again: new selves may land on freed addresses.
        if (i % 3 === 2) py.run("del fs[-2]", g);
      }
      const ok = py.eval(
        "[f(7) // 1000 for f in fs] == sorted(f() // 1000 for f in fs)" +
          " and all(f(x=5) % 1000 == 5 for f in fs)" +
          " and all(f(7) % 1000 == 7 for f in fs)",
        g,
      );
      assert.equal(ok.extract(api.Extract.bool), true);
      const got = py.eval("[f() // 1000 for f in fs]", g).toJs() as number[];
      assert.equal(got.length, 500 - Math.floor(500 / 3));
      assert.equal(new Set(got).size, got.length);
    });
  });

  // ---- 6. modules ---------------------------------------------------------------

  t("pymodule + addFunction: import, call, inspect.signature", () => {
    withGil((py) => {
      const modName = `tsmod_${name}`;
      const m = api.pymodule(py, modName, (m, mpy) => {
        assert.ok(mpy instanceof Python);
        m.addFunction(
          api.pyfunction(
            mpy,
            "scale(x, /, factor=2.0, *, offset=0)",
            ({ x, factor, offset }) =>
              x.extract(api.Extract.float) * factor.extract(api.Extract.float) +
              offset.extract(api.Extract.float),
          ),
        );
        m.addFunction(
          api.pyfunction(
            mpy,
            "join(*parts, sep='-', **extra)",
            ({ parts, sep, extra }) =>
              `${[...parts].map((p) => p.str()).join(sep.str())}${extra.len()}`,
          ),
        );
        m.add("VERSION", "1.0");
      });
      assert.ok(m instanceof api.PyModule);
      const g = api.PyDict.new(py);
      py.run(
        String.raw`
import inspect
import ${modName} as tm
from ${modName} import scale
r = (tm.scale(3), scale(3, 10), scale(3, factor=1, offset=0.5), tm.join('a', 'b', sep='+', z=1), tm.VERSION)
sigs = (str(inspect.signature(tm.scale)), str(inspect.signature(tm.join)))
text_sig = tm.scale.__text_signature__
try:
    tm.scale()
except TypeError as e:
    err = str(e)
`,
        g,
      );
      assert.equal(g.getItem("r")!.repr(), "(6, 30, 3.5, 'a+b1', '1.0')");
      assert.deepEqual(g.getItem("sigs")!.toJs(), [
        "(x, /, factor=2.0, *, offset=0)",
        "(*parts, sep='-', **extra)",
      ]);
      assert.equal(
        g.getItem("text_sig")!.toJs(),
        "(x, /, factor=2.0, *, offset=0)",
      );
      assert.equal(
        g.getItem("err")!.toJs(),
        "scale() missing 1 required positional argument: 'x'",
      );
    });
  });
}
