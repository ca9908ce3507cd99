// Conversions (properties and edges) and Extract: part of the behavioural suite both tiers run (tests/shared/suite.ts
// explains the `region` abstraction; tests/stable_test.ts and tests/owned_test.ts
// register it).

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type Any,
  anyBigint,
  anyNumber,
  anyString,
  anyValue,
  assertRejects,
  expectedJs,
  POWERS,
  pyLiteral,
  type SuiteContext,
  throwsLike,
} from "./suite.ts";

/** Registers the "Conversions (properties and edges) and Extract" tests for one tier. */
export function defineConversionTests(ctx: SuiteContext): void {
  const { tier, test, region, identity } = ctx;
  const {
    Python,
    Py,
    PyList,
    PyInt,
    Extract,
    PyTypeError,
    PyOverflowError,
    PyArithmeticError,
  } = ctx.tier;

  // ==================================================================================
  // Conversions
  // ==================================================================================

  test("conversion property: JS -> Python -> JS is the identity (modulo the documented rules)", () => {
    Python.withGil((py) => {
      const id = identity(py, (o) => o);
      fc.assert(
        fc.property(anyValue, (v) =>
          region(py, (k) => {
            assert.deepStrictEqual(k(id.call1(v)).toJs(), expectedJs(v));
            assert.deepStrictEqual(k(PyList.new(py, [v])).toJs(), [
              expectedJs(v),
            ]);
          })),
        { numRuns: 300 },
      );
    });
  });

  test("conversion property: repr of the converted value equals repr(eval(python literal))", () => {
    Python.withGil((py) => {
      const id = identity(py, (o) => o);
      fc.assert(
        fc.property(anyValue, (v) =>
          region(py, (k) => {
            const lit = pyLiteral(v);
            assert.equal(k(id.call1(v)).repr(), k(py.eval(lit)).repr(), lit);
          })),
        { numRuns: 300 },
      );
    });
  });

  test("conversion property: Python literal -> JS matches (strings, numbers, bigints)", () => {
    Python.withGil((py) => {
      fc.assert(
        fc.property(
          fc.oneof(anyString, anyNumber, anyBigint),
          (v) =>
            region(py, (k) => {
              const o = k(py.eval(pyLiteral(v)));
              assert.deepStrictEqual(o.toJs(), expectedJs(v));
              if (typeof v === "string") {
                assert.equal(o.extract(Extract.str), v);
              }
              if (typeof v === "bigint") {
                assert.equal(o.extract(Extract.bigint), v);
              }
              if (typeof v === "number") {
                assert.ok(Object.is(o.extract(Extract.float), v));
              }
            }),
        ),
        { numRuns: 500 },
      );
    });
  });

  test("conversions: undefined -> None, -0 -> float, unsafe integral numbers -> float", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const id = identity(py, k);
        assert.equal(k(id.call1(undefined)).repr(), "None");
        assert.equal(k(id.call1(-0)).repr(), "-0.0");
        assert.equal(k(id.call1(0)).repr(), "0");
        assert.equal(k(id.call1(3)).getType().repr(), "<class 'int'>");
        assert.equal(k(id.call1(3.5)).getType().repr(), "<class 'float'>");
        assert.equal(
          k(id.call1(2 ** 53)).repr(),
          k(py.eval("float(2**53)")).repr(),
        );
        assert.equal(k(id.call1(2 ** 63)).repr(), "9.223372036854776e+18");
        assert.equal(
          k(id.call1(Number.MAX_SAFE_INTEGER)).repr(),
          "9007199254740991",
        );
        assert.equal(k(id.call1(3n)).repr(), "3");
        assert.equal(k(id.call1(new Uint8Array([1]))).repr(), "b'\\x01'");
        assert.equal(
          k(id.call1(new Uint8Array([1]).buffer)).repr(),
          "b'\\x01'",
        );
        assert.equal(k(id.call1(new Set())).repr(), "set()");
        assert.equal(k(id.call1({})).repr(), "{}");
        assert.equal(k(id.call1([])).repr(), "[]");
        assert.equal(k(id.call1(new Map())).repr(), "{}");
        // an object with [toPyObject](py)
        const custom = {
          [tier.toPyObject]: (_py: unknown) => ({ custom: [1, 2] }),
        };
        assert.equal(k(id.call1(custom)).repr(), "{'custom': [1, 2]}");
        // tier objects and Py convert to themselves
        const l = k(PyList.new(py, [1]));
        assert.ok(k(id.call1(l)).is(l));
        const p = k(Py.from(l));
        assert.ok(k(id.call1(p)).is(l));
        assert.ok(k(id.call1([l, { l }])).getItem(0).is(l));
      })
    );
  });

  test("integers are exact at 2^31, 2^32, 2^53, 2^63, 2^64, 2^200, both directions, in containers", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const id = identity(py, k);
        for (const v of POWERS) {
          const s = String(v);
          const e = expectedJs(v);
          // JS -> Python
          assert.equal(k(id.call1(v)).repr(), s);
          assert.ok(k(id.call1(v)).eq(k(py.eval(s))), s);
          if (typeof e === "number") {
            assert.equal(k(id.call1(e)).repr(), s, "as a safe number");
          }
          // Python -> JS
          const o = k(py.eval(s));
          assert.equal(o.toJs(), e, s);
          assert.equal(o.extract(Extract.bigint), v);
          assert.equal(k(PyInt.new(py, v)).value(), e);
          if (typeof e === "number") {
            assert.equal(o.extract(Extract.int), e);
          } else {throwsLike(
              () => o.extract(Extract.int),
              PyOverflowError,
              /too large/,
            );}
          // inside containers, both directions
          const want = [e, new Map([[e, [e, new Set([e])]]])];
          assert.deepStrictEqual(
            k(py.eval(`[${s}, {${s}: (${s}, {${s}})}]`)).toJs(),
            want,
          );
          assert.deepStrictEqual(
            k(py.eval(`(${s}, {${s}: [${s}, frozenset({${s}})]})`)).toJs(),
            want,
          );
          const lit = `[${s}, {${s}: [${s}, {${s}}]}]`;
          assert.equal(
            k(id.call1([v, new Map([[v, [v, new Set([v])]]])])).repr(),
            k(py.eval(lit)).repr(),
          );
          assert.ok(
            k(id.call1([v, new Map([[v, [v, new Set([v])]]])])).eq(
              k(py.eval(lit)),
            ),
            lit,
          );
          assert.deepStrictEqual(
            k(py.eval(`(${s}, ${s})`)).extract(
              Extract.tuple(Extract.bigint, Extract.bigint),
            ),
            [v, v],
          );
        }
        // the boundaries of Extract.int: ±(2^53 - 1) pass, ±2^53 overflow
        assert.equal(
          k(py.eval("2**53 - 1")).extract(Extract.int),
          Number.MAX_SAFE_INTEGER,
        );
        assert.equal(
          k(py.eval("-(2**53 - 1)")).extract(Extract.int),
          Number.MIN_SAFE_INTEGER,
        );
        throwsLike(
          () => k(py.eval("2**53")).extract(Extract.int),
          PyOverflowError,
        );
        throwsLike(
          () => k(py.eval("-(2**53)")).extract(Extract.int),
          PyOverflowError,
        );
        throwsLike(
          () => k(py.eval("2**64")).extract(Extract.int),
          PyOverflowError,
        );
      })
    );
  });

  test("Extract: int, bigint, float, str, bool, bytes with CPython's wording", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const ev = (c: string) => k(py.eval(c));
        assert.equal(ev("42").extract(Extract.int), 42);
        assert.equal(ev("True").extract(Extract.int), 1);
        assert.equal(
          ev("type('I', (), {'__index__': lambda s: 7})()").extract(
            Extract.int,
          ),
          7,
        );
        assert.equal(
          ev("type('I', (), {'__index__': lambda s: -3})()").extract(
            Extract.int,
          ),
          -3,
        );
        assertRejects(ev, [
          [
            "'x'",
            Extract.int,
            PyTypeError,
            "'str' object cannot be interpreted as an integer",
          ],
          [
            "1.5",
            Extract.int,
            PyTypeError,
            "'float' object cannot be interpreted as an integer",
          ],
          [
            "None",
            Extract.int,
            PyTypeError,
            "'NoneType' object cannot be interpreted as an integer",
          ],
        ]);
        const ov = throwsLike(
          () => ev("2**100").extract(Extract.int),
          PyOverflowError,
        );
        assert.ok(
          ov instanceof PyArithmeticError && ov.typeName === "OverflowError",
        );
        assert.equal(ev("-2**100").extract(Extract.bigint), -(2n ** 100n));
        assert.equal(
          ev("type('I', (), {'__index__': lambda s: 2**70})()").extract(
            Extract.bigint,
          ),
          2n ** 70n,
        );
        assertRejects(ev, [
          [
            "'x'",
            Extract.bigint,
            PyTypeError,
            "'str' object cannot be interpreted as an integer",
          ],
          [
            "2.0",
            Extract.bigint,
            PyTypeError,
            "'float' object cannot be interpreted as an integer",
          ],
        ]);
        assert.equal(ev("2.5").extract(Extract.float), 2.5);
        assert.equal(ev("3").extract(Extract.float), 3);
        assert.equal(
          ev("__import__('fractions').Fraction(1, 2)").extract(Extract.float),
          0.5,
        );
        assertRejects(ev, [
          ["'x'", Extract.float, PyTypeError, "must be real number, not str"],
          [
            "2**2000",
            Extract.float,
            PyOverflowError,
            "int too large to convert to float",
          ],
        ]);
        assert.equal(ev("'é\\x00'").extract(Extract.str), "é\0");
        assertRejects(ev, [
          [
            "1",
            Extract.str,
            PyTypeError,
            "'int' object cannot be converted to 'PyString'",
          ],
          [
            "b'x'",
            Extract.str,
            PyTypeError,
            "'bytes' object cannot be converted to 'PyString'",
          ],
        ]);
        assert.equal(ev("True").extract(Extract.bool), true);
        assert.equal(ev("False").extract(Extract.bool), false);
        assertRejects(ev, [
          [
            "1",
            Extract.bool,
            PyTypeError,
            "'int' object cannot be converted to 'PyBool'",
          ],
          [
            "None",
            Extract.bool,
            PyTypeError,
            "'NoneType' object cannot be converted to 'PyBool'",
          ],
        ]);
        assert.deepEqual(
          ev("b'\\x00\\xff'").extract(Extract.bytes),
          new Uint8Array([0, 255]),
        );
        throwsLike(
          () => ev("'x'").extract(Extract.bytes),
          PyTypeError,
          "'str' object cannot be converted to 'PyBytes'",
        );
      })
    );
  });

  test("Extract: list, tuple, dict, set, optional, nested, with CPython's wording", () => {
    Python.withGil((py) =>
      region(py, (k) => {
        const ev = (c: string) => k(py.eval(c));
        assert.deepEqual(ev("[1, 2]").extract(Extract.list(Extract.int)), [
          1,
          2,
        ]);
        assert.deepEqual(ev("(1.5, 2)").extract(Extract.list(Extract.float)), [
          1.5,
          2,
        ]);
        assert.deepEqual(ev("[]").extract(Extract.list(Extract.str)), []);
        assertRejects(ev, [
          [
            "'abc'",
            Extract.list(Extract.str),
            PyTypeError,
            "Can't extract `str` to `Vec`",
          ],
          [
            "1",
            Extract.list(Extract.int),
            PyTypeError,
            "'int' object cannot be converted to 'PySequence'",
          ],
          [
            "[1, 'a']",
            Extract.list(Extract.int),
            PyTypeError,
            "'str' object cannot be interpreted as an integer",
          ],
        ]);
        assert.deepEqual(
          ev("(1, 'a', None)").extract(
            Extract.tuple(
              Extract.int,
              Extract.str,
              Extract.optional(Extract.int),
            ),
          ),
          [1, "a", null],
        );
        assertRejects(ev, [
          [
            "(1, 2, 3)",
            Extract.tuple(Extract.int, Extract.int),
            PyTypeError,
            "expected tuple of length 2, but got tuple of length 3",
          ],
          [
            "[1, 2]",
            Extract.tuple(Extract.int, Extract.int),
            PyTypeError,
            "'list' object cannot be converted to 'PyTuple'",
          ],
        ]);
        assert.deepEqual(
          ev("{'a': [1], 'b': []}").extract(
            Extract.dict(Extract.str, Extract.list(Extract.int)),
          ),
          new Map([["a", [1]], ["b", []]]),
        );
        assertRejects(ev, [
          [
            "[('a', 1)]",
            Extract.dict(Extract.str, Extract.int),
            PyTypeError,
            "'list' object cannot be converted to 'PyDict'",
          ],
          [
            "{1: 1}",
            Extract.dict(Extract.str, Extract.int),
            PyTypeError,
            "'int' object cannot be converted to 'PyString'",
          ],
        ]);
        assert.deepEqual(
          ev("{1, 2}").extract(Extract.set(Extract.int)),
          new Set([1, 2]),
        );
        assert.deepEqual(
          ev("frozenset({'x'})").extract(Extract.set(Extract.str)),
          new Set(["x"]),
        );
        throwsLike(
          () => ev("[1]").extract(Extract.set(Extract.int)),
          PyTypeError,
          "'list' object cannot be converted to 'PySet'",
        );
        assert.equal(ev("None").extract(Extract.optional(Extract.str)), null);
        assert.equal(ev("'s'").extract(Extract.optional(Extract.str)), "s");
        throwsLike(
          () => ev("1").extract(Extract.optional(Extract.str)),
          PyTypeError,
          "'int' object cannot be converted to 'PyString'",
        );
        assert.deepEqual(
          ev("{'k': [(1, {2**64}), None]}").extract(
            Extract.dict(
              Extract.str,
              Extract.list(
                Extract.optional(
                  Extract.tuple(Extract.int, Extract.set(Extract.bigint)),
                ),
              ),
            ),
          ),
          new Map([["k", [[1, new Set([2n ** 64n])], null]]]),
        );
        // a custom FromPyObject
        const upper = {
          extract: (o: Any) => o.extract(Extract.str).toUpperCase(),
        };
        assert.deepEqual(ev("['a', 'b']").extract(Extract.list(upper)), [
          "A",
          "B",
        ]);
      })
    );
  });
}
