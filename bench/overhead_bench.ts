/**
 * Where a tier's time over the raw floor goes (issue 13): each group takes
 * one workload from the raw symbol table to the public API one library step
 * at a time, every member doing the previous member's work plus one step
 * (the steps call the library's own internal functions), so the difference
 * between two neighbouring rows is the cost of that step.
 *
 * - `getattr`: `math.pi` read as a float, the terminal
 *   `m.getattr("pi", Extract.float)` (no object made).
 * - `string round trip`: a 32-character `str` made from a JS string and read
 *   back, as the string round trip workload does;
 * - `new int`: a new `int` per operation, read back, as the temporaries
 *   workload makes them: the pool tier with one `withPool` per 100
 *   operations, the owned tier with an explicit dispose and with `using`.
 * - `callback`: a TypeScript function `f(x)` returning its argument, called
 *   by a Python loop: raw `METH_O`, raw `METH_FASTCALL | METH_KEYWORDS` with
 *   the trampoline's signature reading its argument as the library does,
 *   then `pyfunction` in each tier.
 *
 * Run: `deno task bench:overhead` (left out of `bench:report`: its members
 * are steps, not raw/pool/owned).
 *
 * @module
 */

import {
  O,
  P,
  type Ptr,
  rawIntern,
  rawStr,
  rawStrToJs,
  ssize,
  sym,
} from "./_common.ts";
import { strCache, strToJs, strToPy } from "../src/core/convert.ts";
import { extractorItem, extractResult } from "../src/types/extract.ts";
import { ptrOf, wrap } from "../src/types/any.ts";
import { tokenState } from "../src/types/python.ts";

/** What the members return, kept so that nothing is optimized away. */
export let sink: unknown;
const BATCH = 100;

function member(
  group: string,
  name: string,
  fn: () => unknown,
  baseline = false,
): void {
  Deno.bench({ name, group, baseline, fn: () => void (sink = fn()) });
}

// --- getattr math.pi + extract, terminal ------------------------------------
{
  const N = 10_000;
  const group = `getattr math.pi as a float, raw to API (x${N})`;
  const math = P.Python.withGil((py) => P.Py.from(py.import("math")));
  const mathOwned = O.Python.withGil((py) => py.import("math").unbind());
  const mathPtr = P.Python.withGil(() => math.unsafePtr); // kept by `math`
  const key = P.Python.withGil(() => rawIntern("pi"));
  const floatItem = extractorItem(P.Extract.float, "getattr");
  member(
    group,
    "raw: GetAttr + AsDouble + DecRef",
    () =>
      P.Python.withGil(() => {
        let s = 0;
        for (let i = 0; i < N; i++) {
          const v = sym.PyObject_GetAttr(mathPtr, key)!;
          s += sym.PyFloat_AsDouble(v);
          sym.Py_DecRef(v);
        }
        return s;
      }),
    true,
  );
  member(
    group,
    "+ name to interned key (strCache)",
    () =>
      P.Python.withGil(() => {
        let s = 0;
        for (let i = 0; i < N; i++) {
          const v = sym.PyObject_GetAttr(mathPtr, strCache("pi"))!;
          s += sym.PyFloat_AsDouble(v);
          sym.Py_DecRef(v);
        }
        return s;
      }),
  );
  member(group, "+ receiver check (ptrOf)", () =>
    P.Python.withGil((py) => {
      const m = math.bind(py);
      let s = 0;
      for (let i = 0; i < N; i++) {
        const v = sym.PyObject_GetAttr(ptrOf(m), strCache("pi"))!;
        s += sym.PyFloat_AsDouble(v);
        sym.Py_DecRef(v);
      }
      return s;
    }));
  member(
    group,
    "+ extractor (extractResult: checks, error test)",
    () =>
      P.Python.withGil((py) => {
        const m = math.bind(py);
        let s = 0;
        for (let i = 0; i < N; i++) {
          const v = sym.PyObject_GetAttr(ptrOf(m), strCache("pi"));
          s += extractResult(floatItem, v, py);
        }
        return s;
      }),
  );
  member(
    group,
    "pool API: m.getattr('pi', Extract.float)",
    () =>
      P.Python.withGil((py) => {
        const m = math.bind(py);
        let s = 0;
        for (let i = 0; i < N; i++) s += m.getattr("pi", P.Extract.float);
        return s;
      }),
  );
  member(group, "owned API: the same", () =>
    O.Python.withGil((py) => {
      using m = mathOwned.bind(py);
      let s = 0;
      for (let i = 0; i < N; i++) s += m.getattr("pi", O.Extract.float);
      return s;
    }));
}

// --- a new int per operation, read back --------------------------------------
{
  const N = 100_000;
  const group = `a new int per op, read back, raw to API (x${N})`;
  member(
    group,
    "raw: FromDouble + AsDouble + DecRef",
    () =>
      P.Python.withGil(() => {
        let t = 0;
        for (let i = 0; i < N; i++) {
          const x = sym.PyLong_FromDouble(i)!;
          t += sym.PyLong_AsDouble(x);
          sym.Py_DecRef(x);
        }
        return t;
      }),
    true,
  );
  member(
    group,
    "+ a withPool per 100 ops (raw inside)",
    () =>
      P.Python.withGil((py) => {
        let t = 0;
        for (let i = 0; i < N; i += BATCH) {
          t += py.withPool(() => {
            let b = 0;
            for (let j = i; j < i + BATCH; j++) {
              const x = sym.PyLong_FromDouble(j)!;
              b += sym.PyLong_AsDouble(x);
              sym.Py_DecRef(x);
            }
            return b;
          });
        }
        return t;
      }),
  );
  member(
    group,
    "+ the pool owns it (a Ref, released by withPool)",
    () =>
      P.Python.withGil((py) => {
        let t = 0;
        for (let i = 0; i < N; i += BATCH) {
          t += py.withPool(() => {
            let b = 0;
            const tier = tokenState(py).tier;
            for (let j = i; j < i + BATCH; j++) {
              const x = sym.PyLong_FromDouble(j)!;
              tier.adopt(x);
              b += sym.PyLong_AsDouble(x);
            }
            return b;
          });
        }
        return t;
      }),
  );
  member(
    group,
    "+ a PyInt wrapper (wrap, ptrOf)",
    () =>
      P.Python.withGil((py) => {
        let t = 0;
        for (let i = 0; i < N; i += BATCH) {
          t += py.withPool(() => {
            let b = 0;
            for (let j = i; j < i + BATCH; j++) {
              const x = wrap(py, sym.PyLong_FromDouble(j), P.PyInt);
              b += sym.PyLong_AsDouble(ptrOf(x));
            }
            return b;
          });
        }
        return t;
      }),
  );
  member(
    group,
    "pool API: PyInt.new(py, i).extract(Extract.int)",
    () =>
      P.Python.withGil((py) => {
        let t = 0;
        for (let i = 0; i < N; i += BATCH) {
          t += py.withPool(() => {
            let b = 0;
            for (let j = i; j < i + BATCH; j++) {
              b += P.PyInt.new(py, j).extract(P.Extract.int);
            }
            return b;
          });
        }
        return t;
      }),
  );
  member(
    group,
    "owned API, explicit [Symbol.dispose]()",
    () =>
      O.Python.withGil((py) => {
        let t = 0;
        for (let i = 0; i < N; i++) {
          const x = O.PyInt.new(py, i);
          t += x.extract(O.Extract.int);
          x[Symbol.dispose]();
        }
        return t;
      }),
  );
  member(group, "owned API, use(f)", () =>
    O.Python.withGil((py) => {
      let t = 0;
      for (let i = 0; i < N; i++) {
        t += O.PyInt.new(py, i).use((x) => x.extract(O.Extract.int));
      }
      return t;
    }));
  const usingOne = (py: O.Python, i: number): number => {
    using x = O.PyInt.new(py, i);
    return x.extract(O.Extract.int);
  };
  member(group, "owned API, using", () =>
    O.Python.withGil((py) => {
      let t = 0;
      for (let i = 0; i < N; i++) t += usingOne(py, i);
      return t;
    }));
}

// --- string round trip (32 characters) ----------------------------------------
{
  const N = 10_000;
  const S = "The quick brown fox jumps over 1";
  const group = `a 32-character str made and read back, raw to API (x${N})`;
  member(
    group,
    "raw: encode + DecodeUTF8, AsUTF8AndSize + read, DecRef",
    () =>
      P.Python.withGil(() => {
        let k = 0;
        for (let i = 0; i < N; i++) {
          const p = rawStr(S);
          k += rawStrToJs(p).length;
          sym.Py_DecRef(p);
        }
        return k;
      }),
    true,
  );
  member(
    group,
    "+ the library's conversions (strToPy, strToJs)",
    () =>
      P.Python.withGil(() => {
        let k = 0;
        for (let i = 0; i < N; i++) {
          const p = strToPy(S);
          k += strToJs(p).length;
          sym.Py_DecRef(p);
        }
        return k;
      }),
  );
  member(
    group,
    "+ a withPool per 100, the pool owns it (a Ref)",
    () =>
      P.Python.withGil((py) => {
        let k = 0;
        for (let i = 0; i < N; i += BATCH) {
          k += py.withPool(() => {
            let b = 0;
            const tier = tokenState(py).tier;
            for (let j = 0; j < BATCH; j++) {
              const p = strToPy(S);
              tier.adopt(p);
              b += strToJs(p).length;
            }
            return b;
          });
        }
        return k;
      }),
  );
  member(
    group,
    "+ a PyString wrapper (wrap, ptrOf)",
    () =>
      P.Python.withGil((py) => {
        let k = 0;
        for (let i = 0; i < N; i += BATCH) {
          k += py.withPool(() => {
            let b = 0;
            for (let j = 0; j < BATCH; j++) {
              const x = wrap(py, strToPy(S), P.PyString);
              b += strToJs(ptrOf(x)).length;
            }
            return b;
          });
        }
        return k;
      }),
  );
  member(
    group,
    "pool API: PyString.new(py, s).extract(Extract.str)",
    () =>
      P.Python.withGil((py) => {
        let k = 0;
        for (let i = 0; i < N; i += BATCH) {
          k += py.withPool(() => {
            let b = 0;
            for (let j = 0; j < BATCH; j++) {
              b += P.PyString.new(py, S).extract(P.Extract.str).length;
            }
            return b;
          });
        }
        return k;
      }),
  );
  member(group, "owned API, use(f)", () =>
    O.Python.withGil((py) => {
      let k = 0;
      for (let i = 0; i < N; i++) {
        k += O.PyString.new(py, S).use((p) => p.extract(O.Extract.str)).length;
      }
      return k;
    }));
  const usingOne = (py: O.Python): string => {
    using p = O.PyString.new(py, S);
    return p.extract(O.Extract.str);
  };
  member(group, "owned API, using", () =>
    O.Python.withGil((py) => {
      let k = 0;
      for (let i = 0; i < N; i++) k += usingOne(py).length;
      return k;
    }));
}

// --- a TypeScript function f(x) called from a Python loop ---------------------
{
  const N = 10_000;
  const group = `f(x) returning x, called from a Python loop (x${N})`;
  const keep: unknown[] = [];
  /** A `PyCFunction` over a `PyMethodDef` in JS memory whose method is `cb`. */
  const cfunction = (
    cb: { pointer: Deno.PointerObject; unref(): void },
    flags: number,
  ): Ptr => {
    cb.unref();
    const name = new TextEncoder().encode("f\0");
    const def = new BigUint64Array(4); // {ml_name, ml_meth, ml_flags, ml_doc}
    def[0] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(name)));
    def[1] = BigInt(Deno.UnsafePointer.value(cb.pointer));
    def[2] = BigInt(flags);
    keep.push(cb, name, def);
    return P.Python.withGil(() =>
      sym.PyCFunction_NewEx(Deno.UnsafePointer.of(def), null, null)!
    );
  };
  const rawO = cfunction(
    new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "pointer" } as const,
      (_self, x) => {
        sym.Py_IncRef(x);
        return x;
      },
    ),
    0x08, // METH_O
  );
  // The trampoline's signature and argument read: the argument vector copied
  // into a scratch tuple's items (memcpy), the item read back as a pointer.
  const scratch = P.Python.withGil(() => {
    const t = sym.PyTuple_New(ssize(4))!;
    sym.PyObject_GC_UnTrack(t);
    return t;
  });
  const items = Deno.UnsafePointer.offset(
    scratch,
    P.Python.withGil((py) =>
      py.eval("tuple.__basicsize__").extract(P.Extract.int)
    ),
  )!;
  const rawFast = cfunction(
    new Deno.UnsafeCallback(
      {
        parameters: ["i32", "pointer", "i32", "pointer"],
        result: "pointer",
      } as const,
      (_self, args, nargs, kwnames) => {
        if (nargs !== 1 || kwnames !== null) return null; // never in the bench
        sym.memcpyPtr(items, args, ssize(8));
        const x = sym.PyTuple_GetItem(scratch, ssize(0))!;
        sym.Py_IncRef(x);
        return x;
      },
    ),
    0x80 | 0x02, // METH_FASTCALL | METH_KEYWORDS
  );
  const tsPool = P.Python.withGil((py) =>
    P.Py.from(P.pyfunction(py, "f(x)", ({ x }) => x))
  );
  const tsOwned = O.Python.withGil((py) =>
    O.pyfunction(py, "f(x)", ({ x }) => x).unbind()
  );
  const loop = P.Python.withGil((py) => {
    py.run(`def _overhead_loop(f, n):\n    for i in range(n):\n        f(i)\n`);
    return P.Py.from(py.eval("_overhead_loop"));
  });
  const runLoop = (fn: () => Ptr): void => {
    P.Python.withGil((py) => {
      const f = fn();
      const l = loop.bind(py);
      const args = sym.PyTuple_New(ssize(2))!;
      sym.Py_IncRef(f);
      sym.PyTuple_SetItem(args, ssize(0), f);
      sym.PyTuple_SetItem(args, ssize(1), sym.PyLong_FromDouble(N)!);
      const r = sym.PyObject_Call(ptrOf(l), args, null);
      sym.Py_DecRef(args);
      if (r === null) throw new Error("the loop raised");
      sym.Py_DecRef(r);
    });
  };
  member(group, "raw METH_O (self, x)", () => runLoop(() => rawO), true);
  member(
    group,
    "raw, the trampoline's signature and argument read",
    () => runLoop(() => rawFast),
  );
  member(group, "pool pyfunction", () => runLoop(() => tsPool.unsafePtr));
  member(group, "owned pyfunction", () => runLoop(() => tsOwned.unsafePtr));
}

// --- the getattr group again, after the library's sites saw many classes ------
// Runs last: it changes V8's type feedback for every later member. A program
// uses many typed wrappers; each `PyAny` method and the checks inside it then
// see many receiver classes, and V8's inline caches there go megamorphic.
{
  const N = 10_000;
  const group =
    `getattr math.pi as a float, after ten receiver classes (x${N})`;
  const math = P.Python.withGil((py) => P.Py.from(py.import("math")));
  const mathPtr = P.Python.withGil(() => math.unsafePtr); // kept by `math`
  const key = P.Python.withGil(() => rawIntern("pi"));
  let polluted = false;
  const pollute = (): void => {
    if (polluted) return;
    polluted = true;
    P.Python.withGil((py) => {
      py.run("class C:\n    a = 1\n    s = 'x'\n    f = 1.5\n");
      const objects: P.PyAny[] = [
        py.eval("C()"),
        py.import("math"),
        P.PyDict.new(py),
        P.PyList.new(py, [1]),
        P.PyString.new(py, "ab"),
        P.PyInt.new(py, 3),
        P.PyFloat.new(py, 1.5),
        P.PyTuple.new(py, [1, 2]),
        P.PySet.new(py, [1]),
        P.PyBytes.new(py, new Uint8Array([1])),
      ];
      const c = objects[0];
      for (let r = 0; r < 2000; r++) {
        py.withPool(() => {
          for (const o of objects) o.getattr("__class__");
          c.getattr("a", P.Extract.int);
          c.getattr("s", P.Extract.str);
          c.getattr("f", P.Extract.float);
        });
      }
    });
  };
  member(group, "raw: GetAttr + AsDouble + DecRef", () => {
    pollute();
    return P.Python.withGil(() => {
      let s = 0;
      for (let i = 0; i < N; i++) {
        const v = sym.PyObject_GetAttr(mathPtr, key)!;
        s += sym.PyFloat_AsDouble(v);
        sym.Py_DecRef(v);
      }
      return s;
    });
  }, true);
  member(
    group,
    "pool API: m.getattr('pi', Extract.float)",
    () =>
      P.Python.withGil((py) => {
        const m = math.bind(py);
        let s = 0;
        for (let i = 0; i < N; i++) s += m.getattr("pi", P.Extract.float);
        return s;
      }),
  );
}
