/**
 * Quickstart: import a Python module, call functions with positional and
 * keyword arguments, read the results back, and catch a Python exception.
 *
 * Run: `deno task demo`
 *
 * @module
 */

import { Extract, PyErr, PyKeyError, Python, PyValueError } from "../mod.ts";

Python.withGil((py) => {
  console.log(`Python ${Python.version.full.split(" ")[0]}`);

  // Import a module and call a function with positional arguments.
  const math = py.import("math");
  const hyp = math.callMethod1("hypot", 3, 4).extract(Extract.float);
  console.log("math.hypot(3, 4) =", hyp);

  // Keyword arguments: a plain object (or a Map) after the positional list.
  const builtins = py.builtins();
  const words = builtins.getattr("sorted").call(
    [["pear", "Fig", "apple"]],
    { key: builtins.getattr("str").getattr("lower"), reverse: true },
  );
  console.log("sorted(..., key=str.lower, reverse=True) =", words.toJs());

  // Read results back: typed extraction or a recursive toJs().
  const json = py.import("json");
  const parsed = json.callMethod1("loads", '{"a": [1, 2.5, null], "b": true}');
  console.log("json.loads(...).toJs() =", parsed.toJs());
  const big = py.eval("2 ** 100").extract(Extract.bigint);
  console.log("2 ** 100 =", big);

  // Catch a Python exception: the hierarchy is mirrored as JS classes.
  try {
    py.eval("{}['missing']");
  } catch (e) {
    if (e instanceof PyKeyError) console.log("caught KeyError:", e.message);
    else throw e;
  }
  try {
    math.callMethod1("sqrt", -1);
  } catch (e) {
    if (!(e instanceof PyValueError)) throw e;
    console.log(`caught ${e.typeName}: ${e.message}`);
    console.log("is PyErr:", e instanceof PyErr);
  }
});
