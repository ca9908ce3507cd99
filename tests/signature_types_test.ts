// The handler of pyfunction/pymethod is typed from the signature string
// (issue 15, item 5): a misspelt parameter is a compile-time error. These
// are checked by `deno test`'s type check (a @ts-expect-error that is not an
// error fails it), and the handlers also run.

import assert from "node:assert/strict";
import {
  Extract,
  type PyAny,
  type PyArgsOf,
  type PyDict,
  pyfunction,
  pymethod,
  Python,
  type PyTuple,
} from "../mod.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
const check = <T extends true>(): T => true as T;

// Names and types, positional-only and keyword-only markers skipped.
check<
  Equal<
    PyArgsOf<"scale(x, factor=2.0, /, *values, clip=None, **options)">,
    { x: PyAny; factor: PyAny; values: PyTuple; clip: PyAny; options: PyDict }
  >
>();
check<Equal<PyArgsOf<"f()">, Record<never, never>>>();
check<Equal<PyArgsOf<" g( a ,  *, b = 'x' ) ">, { a: PyAny; b: PyAny }>>();
// A signature that is not a literal: any names.
check<Equal<PyArgsOf<string>, Record<string, PyAny>>>();

Deno.test("signature types: handlers get the parameters the signature names, typed; a misspelt one does not compile", () => {
  Python.withGil((py) => {
    const f = pyfunction(
      py,
      "f(a, b=1, *rest, k, **kw)",
      ({ a, b, rest, k, kw }) => {
        const tuple: PyTuple = rest;
        const dict: PyDict = kw;
        return a.extract(Extract.int) + b.extract(Extract.int) + tuple.len() +
          k.extract(Extract.int) + dict.len();
      },
    );
    assert.equal(
      f.call([1, 2, 3, 4], { k: 10, z: 0 }).toJs(),
      1 + 2 + 2 + 10 + 1,
    );
    // @ts-expect-error: `scal` is not a parameter of "g(x, *, scale=1.0)"
    pyfunction(py, "g(x, *, scale=1.0)", ({ x, scal }) => [x, scal]);
    // @ts-expect-error: `y` is not a parameter of pymethod "m(self, x)"
    pymethod(py, "m(self, x)", ({ self, y }) => [self, y]);
    const sig: string = "h(anything)";
    // A non-literal signature: any name type-checks (the runtime decides).
    const h = pyfunction(py, sig, ({ anything }) => anything);
    assert.equal(h.call1(5).toJs(), 5);
  });
});
