// Errors keep their identity across the boundary (issue 15, item 2), both
// tiers: a JS object thrown by a TypeScript function comes back to JS as
// itself after crossing Python frames (with those frames), Python's
// __cause__/__context__ become Error.cause, and TypeScript can raise an
// instance of a Python-defined exception class (PyErr.from).

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";
import { jsErrorsHeld } from "../src/core/err.ts";

class AppError extends Error {
  override name = "AppError";
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

const CODE = `
def call(f):
    return f()

def wrapped(f):
    try:
        f()
    except RuntimeError as e:
        raise ValueError('wrapped') from e

def during(f):
    try:
        f()
    except RuntimeError:
        raise KeyError('k')

def hidden(f):
    try:
        f()
    except RuntimeError:
        raise LookupError('no cause') from None

def swallow(f):
    try:
        f()
    except Exception as e:
        return type(e).__name__, str(e).split(chr(10))[0]

class MyError(ValueError):
    pass
`;

for (const t of TIERS) {
  const { PyErr, PyValueError, PyKeyError, PyLookupError, PyTypeError } = t.api;

  Deno.test(`identity (${t.name}): a thrown JS error comes back through Python frames as the same object, with those frames`, () => {
    t.withGil((py) => {
      const g = py.eval("{}");
      py.run(CODE, g);
      const thrown = new AppError("payment declined", 402);
      const f = t.api.pyfunction(py, "charge()", () => {
        throw thrown;
      });
      let caught: unknown;
      try {
        py.eval("call", g).call1(f);
      } catch (e) {
        caught = e;
      }
      assert.equal(caught, thrown, "the same object");
      assert.ok(caught instanceof AppError);
      assert.equal((caught as AppError).code, 402);
      const tb = (caught as { pythonTraceback?: string }).pythonTraceback ?? "";
      assert.match(tb, /in call\n/);
      assert.match(tb, /RuntimeError: AppError: payment declined/);
      assert.ok(
        !Object.keys(thrown).includes("pythonTraceback"),
        "not enumerable",
      );
      // Python saw a proper exception, catchable as Exception.
      assert.deepEqual(py.eval("swallow", g).call1(f).toJs(), [
        "RuntimeError",
        "AppError: payment declined",
      ]);
    });
  });

  Deno.test(`identity (${t.name}): raise ... from e and implicit context become Error.cause; from None has none`, () => {
    t.withGil((py) => {
      const g = py.eval("{}");
      py.run(CODE, g);
      const thrown = new AppError("inner", 1);
      const f = t.api.pyfunction(py, "inner()", () => {
        throw thrown;
      });
      const errOf = (name: string): Error => {
        try {
          py.eval(name, g).call1(f);
        } catch (e) {
          return e as Error;
        }
        throw new Error("did not raise");
      };
      const w = errOf("wrapped");
      assert.ok(w instanceof PyValueError);
      assert.equal(w.cause, thrown);
      const d = errOf("during");
      assert.ok(d instanceof PyKeyError);
      assert.equal(d.cause, thrown);
      const h = errOf("hidden");
      assert.ok(h instanceof PyLookupError);
      assert.equal(h.cause, undefined);
      // A Python-only chain: the cause is a PyErr of its own type.
      let chain: Error | undefined;
      try {
        py.run(
          "try:\n    1/0\nexcept ZeroDivisionError as e:\n    raise OSError('disk') from e",
        );
      } catch (e) {
        chain = e as Error;
      }
      assert.ok(chain?.cause instanceof PyErr);
      assert.equal(
        (chain!.cause as InstanceType<typeof PyErr>).typeName,
        "ZeroDivisionError",
      );
      try {
        py.eval("int('x')");
      } catch (e) {
        assert.equal((e as Error).cause, undefined);
      }
    });
  });

  Deno.test(`identity (${t.name}): PyErr.from raises an instance of a Python-defined exception class`, () => {
    t.withGil((py) => {
      const g = py.eval("{}");
      py.run(CODE, g);
      const f = t.api.pyfunction(py, "refuse(x)", ({ x }) => {
        throw PyErr.from(py.eval("MyError", g).call1(`bad ${x.toJs()}`));
      });
      py.run(
        "def catch(f):\n    try:\n        f(7)\n    except MyError as e:\n        return 'caught ' + str(e)",
        g,
      );
      assert.equal(py.eval("catch", g).call1(f).toJs(), "caught bad 7");
      try {
        f.call1(8);
        assert.fail("did not throw");
      } catch (e) {
        assert.ok(
          e instanceof PyValueError,
          "the nearest builtin ancestor's class",
        );
        assert.equal((e as InstanceType<typeof PyErr>).typeName, "MyError");
        assert.equal((e as Error).message, "bad 8");
      }
      assert.throws(
        () => PyErr.from(py.eval("3")),
        (e: unknown) =>
          e instanceof PyTypeError && /not int/.test((e as Error).message),
      );
    });
  });

  Deno.test(`identity (${t.name}): errors Python swallows are not kept (10,000 thrown and caught in Python)`, () => {
    t.withGil((py) => {
      const g = py.eval("{}");
      py.run(CODE, g);
      const f = t.api.pyfunction(py, "fail()", () => {
        throw new AppError("x", 0);
      });
      const swallow = py.eval("swallow", g);
      for (let i = 0; i < 10_000; i++) swallow.call1(f);
      assert.ok(jsErrorsHeld() <= 2, `${jsErrorsHeld()} JS errors still held`);
      // A primitive thrown keeps today's behaviour: a RuntimeError, no identity.
      const s = t.api.pyfunction(py, "s()", () => {
        throw "a string";
      });
      assert.throws(
        () => s.call0(),
        (e: unknown) => e instanceof t.api.PyRuntimeError,
      );
    });
  });
}
