/**
 * Errors across the boundary:
 *
 * 1. a Python exception with its traceback, caught in TypeScript;
 * 2. a Python exception class defined in Python, matched with `isInstanceOf`;
 * 3. a TypeScript exception travelling into Python (as `RuntimeError`) and
 *    back out to TypeScript;
 * 4. a `PyErr` made in TypeScript (`PyKeyError.newErr`) reaching Python as
 *    that exact exception type.
 *
 * Run: `deno task example:errors`
 *
 * @module
 */

import {
  Extract,
  PyErr,
  PyException,
  pyfunction,
  PyKeyError,
  PyModule,
  Python,
  PyValueError,
  PyZeroDivisionError,
} from "../mod.ts";

Python.withGil((py) => {
  const mod = PyModule.fromCode(
    py,
    `
class InsufficientFunds(Exception):
    pass

def ratio(a, b):
    return a / b

def average_ratio(pairs):
    return sum(ratio(a, b) for a, b in pairs) / len(pairs)

def withdraw(balance, amount):
    if amount > balance:
        raise InsufficientFunds(f"balance {balance} < {amount}")
    return balance - amount

def call_and_catch(f, *args):
    try:
        return f"returned {f(*args)!r}"
    except Exception as e:
        return f"Python caught {type(e).__name__}: {e}"

def call(f, *args):
    return f(*args)
`,
    "bank.py",
    "bank",
  );

  // 1. A Python traceback.
  console.log("--- 1. Python exception with traceback");
  try {
    mod.callMethod1("average_ratio", [[1, 2], [3, 0]]);
  } catch (e) {
    if (!(e instanceof PyZeroDivisionError)) throw e;
    console.log(`${e.typeName}: ${e.message}`);
    console.log(e.traceback.trimEnd());
  }

  // 2. A user-defined exception: the nearest builtin class plus the exact type.
  console.log("\n--- 2. A Python-defined exception class");
  const insufficient = mod.getattr("InsufficientFunds");
  try {
    mod.callMethod1("withdraw", 10, 25);
  } catch (e) {
    if (!(e instanceof PyException)) throw e;
    console.log(`typeName: ${e.typeName}, message: ${e.message}`);
    console.log(
      "isInstanceOf(InsufficientFunds):",
      e.isInstanceOf(insufficient),
    );
  }

  // 3. A TS exception into Python and back.
  console.log("\n--- 3. A TypeScript exception travelling through Python");
  const parse = pyfunction(py, "parse_config(text)", ({ text }) => {
    const s = text.extract(Extract.str);
    return JSON.parse(s); // throws a JS SyntaxError on bad input
  });
  // Python catches it: any JS error arrives as RuntimeError.
  console.log(
    mod.callMethod1("call_and_catch", parse, "{not json").extract(Extract.str),
  );
  console.log(
    mod.callMethod1("call_and_catch", parse, '{"ok": true}').extract(
      Extract.str,
    ),
  );
  // Python does not catch it: TS gets the very SyntaxError back, with the
  // Python frames it crossed.
  try {
    mod.callMethod1("call", parse, "{not json");
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    console.log(`back in TS as the same ${e.constructor.name}: ${e.message}`);
    console.log(
      (e as SyntaxError & { pythonTraceback: string }).pythonTraceback
        .split("\n").slice(0, 3).join("\n"),
    );
  }
  // Python raises its own exception from it: the JS error is its cause.
  const ns = py.eval("{}");
  ns.setItem("parse_config", parse);
  try {
    py.run(
      "try:\n    parse_config('{')\nexcept RuntimeError as e:\n    raise ValueError('bad config') from e",
      ns,
    );
  } catch (e) {
    if (!(e instanceof PyValueError)) throw e;
    console.log(
      `${e.typeName}: ${e.message}, caused by the JS ${
        (e.cause as Error).constructor.name
      }`,
    );
  }

  // 4. A PyErr thrown in TS reaches Python as that exception type.
  console.log("\n--- 4. PyKeyError.newErr from TypeScript");
  const lookup = pyfunction(py, "lookup(key)", ({ key }) => {
    const k = key.extract(Extract.str);
    if (k !== "known") throw PyKeyError.newErr(k);
    return 42;
  });
  console.log(
    mod.callMethod1("call_and_catch", lookup, "unknown").extract(Extract.str),
  );
  try {
    mod.callMethod1("call", lookup, "unknown");
  } catch (e) {
    console.log(
      "caught in TS:",
      e instanceof PyKeyError,
      e instanceof PyErr && e.typeName,
    );
  }
});
