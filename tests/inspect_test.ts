// Inspection (issue 15, item 4), both tiers: console.log shows the Python
// repr (Deno.customInspect), String() is str(), JSON.stringify follows
// json.dumps or throws its error, String(Python.version) is "3.X.Y".

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const inspect = (v: unknown): string => Deno.inspect(v, { colors: false });

for (const t of TIERS) {
  const { PyTypeError, PyValueError, Py } = t.api;

  Deno.test(`inspect (${t.name}): Deno.inspect/console.log show repr(), nested too; String() is str()`, () => {
    t.withGil((py) => {
      const l = py.eval("[1, 'a', {'k': (1, 2)}, None]");
      assert.equal(inspect(l), "[1, 'a', {'k': (1, 2)}, None]");
      assert.equal(inspect({ l }), "{ l: [1, 'a', {'k': (1, 2)}, None] }");
      assert.equal(inspect([py.eval("'x'")]), "[ 'x' ]");
      assert.equal(String(py.eval("'x'")), "x");
      assert.equal(`${py.eval("3.5")}`, "3.5");
      py.run("class Bad:\n    def __repr__(self): raise ValueError('no repr')");
      assert.equal(inspect(py.eval("Bad()")), "<PyAny: no repr>");
      assert.equal(py.eval("1 + 1").toJs(), 2, "the repr error was cleared");
    });
  });

  Deno.test(`inspect (${t.name}): a released object and a disposed Py show why, never throw`, () => {
    let kept: unknown;
    const ref = t.withGil((py) => {
      const d = py.eval("{'a': 1}");
      kept = d;
      return Py.from(d);
    });
    assert.equal(inspect(kept), "<PyAny: This Python object was released>");
    assert.equal(inspect(ref), "Py({'a': 1})", "a Py takes the GIL itself");
    ref[Symbol.dispose]();
    assert.equal(inspect(ref), "Py(<disposed>)");
  });

  Deno.test(`inspect (${t.name}): JSON.stringify writes what json.dumps writes, or throws its error`, () => {
    t.withGil((py) => {
      assert.equal(
        JSON.stringify({
          data: py.eval("{'a': (1, 2.5), 'b': None, 'c': [True, 'x']}"),
        }),
        '{"data":{"a":[1,2.5],"b":null,"c":[true,"x"]}}',
      );
      assert.equal(
        JSON.stringify(py.eval("{1: 'int keys become strings'}")),
        '{"1":"int keys become strings"}',
      );
      assert.throws(
        () => JSON.stringify(py.eval("{1, 2}")),
        (e: unknown) =>
          e instanceof PyTypeError &&
          /set is not JSON serializable/.test(e.message),
      );
      assert.throws(
        () => JSON.stringify([py.eval("float('nan')")]),
        (e: unknown) =>
          e instanceof PyValueError && /not JSON compliant/.test(e.message),
      );
      assert.equal(
        JSON.stringify(py.eval("[2**53 - 1, 1e300]")),
        "[9007199254740991,1e+300]",
      );
      assert.throws(
        () => JSON.stringify(py.eval("{'n': 2**70}")),
        (e: unknown) =>
          e instanceof TypeError &&
          /1180591620717411303424 is beyond 2\^53/.test(e.message),
      );
    });
  });

  Deno.test(`inspect (${t.name}): String(Python.version) is "major.minor.micro"; the object keeps its four fields`, () => {
    const v = t.api.Python.version;
    assert.equal(String(v), `${v.major}.${v.minor}.${v.micro}`);
    assert.match(v.full, new RegExp(`^${v.major}\\.${v.minor}\\.${v.micro}`));
    assert.deepEqual(Object.keys(v), ["major", "minor", "micro", "full"]);
    assert.deepEqual(JSON.parse(JSON.stringify(v)), {
      major: v.major,
      minor: v.minor,
      micro: v.micro,
      full: v.full,
    });
  });
}
