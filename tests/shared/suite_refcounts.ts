// Reference counts and use after release: part of the behavioural suite both tiers run (tests/shared/suite.ts
// explains the `region` abstraction; tests/stable_test.ts and tests/owned_test.ts
// register it).

import assert from "node:assert/strict";
import type * as Stable from "../../mod.ts";
import {
  type Any,
  assertReleasedIn,
  type Disposable_,
  type ErrClass,
  type Fix,
  type Keep,
  type Kind,
  kindsOf,
  requireGc,
  type SuiteContext,
  throwsLike,
  ticks,
  type Token,
} from "./suite.ts";

/** Registers the "Reference counts and use after release" tests for one tier. */
export function defineRefcountTests(ctx: SuiteContext): void {
  const {
    tier,
    isStable,
    test,
    region,
    fixFrom,
    freshFixture,
    fixtureModule,
    sysRefcount,
    immortal,
  } = ctx;
  const {
    Python,
    Py,
    PyAny,
    PyDict,
    PyList,
    PyTuple,
    PyString,
    PyBytes,
    PyByteArray,
    PyInt,
    PyFloat,
    PyBool,
    PySet,
    PyFrozenSet,
    PySlice,
    PyModule,
    Extract,
    PyTypeError,
    PyValueError,
  } = ctx.tier;

  // ==================================================================================
  // Reference counts
  // ==================================================================================

  type During = "more" | "same" | "any";
  interface Op {
    name: string;
    during: During;
    /** Which fixture object's count to watch (default `S`). */
    probe?: (f: Fix) => Any;
    run(py: Token, f: Fix, keep: Keep): void;
  }
  const noneDuring = (): During => (immortal() ? "any" : "more");
  /** An operation that holds one more reference to the probe while its result lives. */
  const more = (name: string, run: Op["run"]): Op => ({
    name,
    during: "more",
    run,
  });
  const OPS: Op[] = [
    more("getattr(str)", (_, f, k) => void k(f.box.getattr("attr"))),
    more(
      "getattr(PyString)",
      (py, f, k) => void k(f.box.getattr(k(PyString.new(py, "attr")))),
    ),
    {
      name: "setattr + hasattr + delattr",
      during: "same",
      run: (_, f) => {
        f.box.setattr("other", f.S);
        assert.ok(f.box.hasattr("other"));
        f.box.delattr("other");
      },
    },
    more("call0", (_, f, k) => void k(f.box.call0())),
    more(
      "call(args, kwargs object)",
      (_, f, k) => void k(f.box.call([f.S, 1], { k: f.S })),
    ),
    more(
      "call(args, Map kwargs)",
      (_, f, k) => void k(f.box.call([f.S], new Map([["k", f.S]]))),
    ),
    more(
      "call(args, PyDict kwargs)",
      (py, f, k) =>
        void k(f.box.call([], k(PyDict.fromEntries(py, { k: f.S })))),
    ),
    more(
      "call1 (same object many times)",
      (_, f, k) => void k(f.box.call1(f.S, f.S, f.S)),
    ),
    more(
      "callMethod",
      (_, f, k) => void k(f.box.callMethod("meth", [f.S], { k: f.S })),
    ),
    more("callMethod0", (_, f, k) => void k(f.box.callMethod0("meth"))),
    more("callMethod1", (_, f, k) => void k(f.box.callMethod1("meth", f.S))),
    more("PyAny.getItem", (_, f, k) => void k(f.box.getItem(0))),
    more("PyList.getItem(i) (borrowed)", (_, f, k) => void k(f.lst.getItem(1))),
    more("PyList.getItem(-1)", (_, f, k) => void k(f.lst.getItem(-1))),
    more(
      "PyTuple.getItem(i) (borrowed)",
      (_, f, k) => void k(f.tup.getItem(2)),
    ),
    more("PyTuple.getItem(-1)", (_, f, k) => void k(f.tup.getItem(-1))),
    more("PyDict.getItem (borrowed)", (_, f, k) => void k(f.dct.getItem("a")!)),
    {
      name: "PyDict.getItem missing -> undefined",
      during: "same",
      run: (_, f) => assert.equal(f.dct.getItem("zz"), undefined),
    },
    more("PyDict.keys", (_, f, k) => void k(f.dct.keys())),
    more("PyDict.values", (_, f, k) => void k(f.dct.values())),
    more("PyDict.items", (_, f, k) => void k(f.dct.items())),
    more("PyDict.copy", (_, f, k) => void k(f.dct.copy())),
    more(
      "PyDict.entries",
      (_, f, k) => {
        for (const [a, b] of f.dct.entries()) k(a), k(b);
      },
    ),
    more("PyDict.update", (py, f, k) => k(PyDict.new(py)).update(f.dct)),
    more(
      "PyDict.fromEntries(pairs)",
      (py, f, k) => void k(PyDict.fromEntries(py, [["k", f.S]])),
    ),
    more(
      "PyDict.fromEntries(Map)",
      (py, f, k) => void k(PyDict.fromEntries(py, new Map([[f.S, f.S]]))),
    ),
    more(
      "PyDict.fromEntries(object)",
      (py, f, k) => void k(PyDict.fromEntries(py, { a: f.S })),
    ),
    {
      name: "PyDict setItem/contains/delItem",
      during: "same",
      run: (py, f, k) => {
        const d = k(PyDict.new(py));
        d.setItem(f.S, f.S);
        assert.ok(d.contains(f.S));
        d.delItem(f.S);
      },
    },
    more("PyList.new", (py, f, k) => void k(PyList.new(py, [f.S, f.S]))),
    more(
      "PyList append/insert/toTuple/getSlice",
      (py, f, k) => {
        const l = k(PyList.new(py));
        l.append(f.S);
        l.insert(0, f.S);
        k(l.toTuple());
        k(l.getSlice(0, 1));
      },
    ),
    more(
      "PyTuple.new/toList/getSlice",
      (py, f, k) => {
        const t = k(PyTuple.new(py, [f.S]));
        k(t.toList());
        k(t.getSlice(0, 1));
      },
    ),
    more(
      "PySet new/add/discard/pop",
      (py, f, k) => {
        const s = k(PySet.new(py, [f.S]));
        s.add(f.S);
        assert.ok(s.contains(f.S));
        k(s.pop());
        s.add(f.S);
        s.discard(f.S);
        s.add(f.S);
      },
    ),
    more("PyFrozenSet.new", (py, f, k) => void k(PyFrozenSet.new(py, [f.S]))),
    more(
      "iter() + nextItem()",
      (_, f, k) => {
        const it = k(f.box.iter());
        k(it.nextItem()!);
        k(it.nextItem()!);
      },
    ),
    more(
      "for...of, run to the end",
      (_, f, k) => {
        for (const x of f.lst) k(x);
      },
    ),
    more(
      "for...of, break early",
      (_, f, k) => {
        for (const x of f.box) {
          k(x);
          break;
        }
      },
    ),
    more(
      "for...of, exception in the body",
      (_, f, k) => {
        assert.throws(() => {
          for (const x of f.lst) {
            k(x);
            throw new Error("body");
          }
        }, /body/);
      },
    ),
    {
      name: "getType",
      during: "more",
      probe: (f) => f.Sentinel,
      run: (_, f, k) => void k(f.S.getType()),
    },
    { name: "clone", during: "more", run: (_, f, k) => void k(f.S.clone()) },
    {
      name: "downcast (shares the reference)",
      during: "same",
      run: (_, f) => void f.S.downcast(PyAny),
    },
    more(
      "Py.from + bind + dispose",
      (py, f, k) => void k(k(Py.from(f.S)).bind(py)),
    ),
    more(
      "clone + unbind + bind + cloneRef",
      (py, f, k) => {
        const p = k(k(f.S.clone()).unbind());
        k(p.bind(py));
        k(k(p.cloneRef(py)).bind(py));
      },
    ),
    more("py.eval", (py, f, k) => void k(py.eval("S", f.g))),
    more(
      "py.run with locals",
      (py, f, k) => py.run("y = S", f.g, k(PyDict.new(py))),
    ),
    {
      name:
        "eq/ne/lt.. /is/contains/hash/repr/str/isTruthy/isCallable/isInstance",
      during: "same",
      run: (_, f) => {
        assert.ok(f.S.eq(f.S) && !f.S.ne(f.S) && f.S.is(f.S));
        assert.throws(() => f.S.lt(f.S));
        assert.ok(f.lst.contains(f.S));
        f.S.hash();
        f.S.repr();
        f.S.str();
        f.S.isTruthy();
        f.S.isCallable();
        assert.ok(f.S.isInstance(f.Sentinel));
        assert.ok(f.S.isInstanceOf(PyAny));
      },
    },
    {
      name: "Extract.list / tuple / dict / set over objects",
      during: "any",
      run: (_, f) => {
        const same = { extract: (o: Any) => o.is(f.S) };
        assert.deepEqual(f.lst.extract(Extract.list(same)), [true, true, true]);
        assert.deepEqual(f.tup.extract(Extract.tuple(same, same, same)), [
          true,
          true,
          true,
        ]);
        assert.equal(
          f.dct.extract(Extract.dict({
            extract: (o: Any) => o.repr(),
          }, { extract: () => 1 })).size,
          2,
        );
      },
    },
    {
      name: "toJs of a container",
      during: "same",
      probe: (f) => f.lst,
      run: (_, f) => void assert.throws(() => f.lst.toJs(), /no JS equivalent/),
    },
    more(
      "PyModule.add + dict + getattr",
      (py, f, k) => {
        const m = k(PyModule.new(py, "tmp_refcount_mod"));
        m.add("S", f.S);
        k(m.dict());
        k(m.getattr("S"));
      },
    ),
    more(
      "slice getItem",
      (py, f, k) => void k(f.lst.getItem(k(PySlice.new(py, 0, 2)))),
    ),
    {
      name: "py.None()",
      during: noneDuring(),
      probe: (f) => f.g.getItem("N")!,
      run: (py, _, k) => void k(py.None()),
    },
    {
      name: "PyBool.new",
      during: noneDuring(),
      probe: (f) => f.g.getItem("T")!,
      run: (py, _, k) => void k(PyBool.new(py, true)),
    },
    {
      name: "misuse: call1 with an unconvertible argument after S",
      during: "same",
      run: (_, f) =>
        void throwsLike(() => f.box.call1(f.S, f.S, Symbol("x")), PyTypeError),
    },
    {
      name: "misuse: call with unconvertible kwargs",
      during: "same",
      run: (_, f) =>
        void throwsLike(
          () => f.box.call([f.S], { k: f.S, bad: Symbol("x") }),
          PyTypeError,
        ),
    },
    {
      name:
        "misuse: PyList.new / fromEntries / setItem with an unconvertible value",
      during: "same",
      run: (py, f, k) => {
        throwsLike(
          () => PyList.new(py, [f.S, f.S, new Date()]),
          PyTypeError,
          /Date/,
        );
        throwsLike(
          () => PyDict.fromEntries(py, { a: f.S, b: Symbol("x") }),
          PyTypeError,
        );
        throwsLike(() => PyTuple.new(py, [f.S, Symbol("x")]), PyTypeError);
        throwsLike(() => PySet.new(py, [f.S, Symbol("x")]), PyTypeError);
        const d = k(PyDict.new(py));
        throwsLike(() => d.setItem(f.S, Symbol("x")), PyTypeError);
        throwsLike(() => f.box.setattr("x", [f.S, Symbol("x")]), PyTypeError);
        assert.equal(d.len(), 0);
      },
    },
    {
      name: "a raising call; error released",
      during: "same",
      run: (_, f) =>
        throwsLike(() => f.boom.call1(f.S), PyValueError, "boom")
          .releaseValue(),
    },
  ];

  test("refcounts: every operation is undone when its region ends (withPool / dispose)", async (t) => {
    for (const op of OPS) {
      await t.step(op.name, () =>
        Python.withGil((py) => {
          const f = freshFixture(py);
          const probe = op.probe ? op.probe(f) : f.S;
          const before = probe.refCnt();
          let during = -1;
          region(py, (keep) => {
            op.run(py, f, keep);
            during = probe.refCnt();
          });
          const after = probe.refCnt();
          assert.equal(
            after,
            before,
            `${op.name}: refcount ${before} -> ${after} after the region (during: ${during})`,
          );
          if (op.during === "more") {
            assert.ok(
              during > before,
              `${op.name}: held no reference during the region`,
            );
          }
          if (op.during === "same") {
            assert.equal(
              during,
              before,
              `${op.name}: changed the count during the region`,
            );
          }
        }));
    }
  });

  test("refcounts: every operation is undone when its withGil scope ends (sys.getrefcount)", async (t) => {
    for (const op of OPS) {
      await t.step(op.name, () => {
        const count = () =>
          Python.withGil((py) => {
            const f = fixFrom(fixtureModule(py).dict());
            const probe = op.probe ? op.probe(f) : f.S;
            return sysRefcount(py, probe);
          });
        const before = count();
        Python.withGil((py) => {
          const f = fixFrom(fixtureModule(py).dict());
          const pys: Disposable_[] = [];
          // leave tier objects to the scope; dispose only the Py handles (they outlive scopes)
          op.run(py, f, (o) => {
            if (o instanceof Py) pys.push(o);
            return o;
          });
          for (const p of pys) p[Symbol.dispose]();
        });
        assert.equal(
          count(),
          before,
          `${op.name}: sys.getrefcount changed across scopes`,
        );
      });
    }
  });

  test("refcounts: an abandoned for...of iterator is released with its scope, and throws afterwards", () => {
    const keep = Python.withGil((py) => Py.from(PyList.new(py, [1, 2, 3])));
    const count = () => Python.withGil((py) => keep.refCnt(py));
    const before = count();
    let stash: Iterator<Any> | undefined;
    Python.withGil((py) => {
      stash = keep.bind(py)[Symbol.iterator]();
      assert.equal(stash.next().value?.toJs(), 1);
      assert.equal(
        keep.refCnt(py),
        before + 2,
        "the bound list and the iterator hold it",
      );
    });
    assert.equal(count(), before, "the iterator was released with the scope");
    Python.withGil(() => throwsLike(() => stash!.next(), Error, /released/));
    assert.deepEqual(
      stash!.next(),
      { done: true, value: undefined },
      "a failed iterator is closed",
    );
    assert.equal(count(), before);
    assert.deepEqual(
      stash!.return!(),
      { done: true, value: undefined },
      "return() after release is harmless",
    );
    keep[Symbol.dispose]();
  });

  test("refcounts: clone, downcast, Py.from, unbind/bind, Py dispose (double dispose harmless)", () => {
    Python.withGil((py) => {
      const f = freshFixture(py);
      const base = f.S.refCnt();
      const c = f.S.clone();
      assert.equal(f.S.refCnt(), base + 1);
      const view = c.downcast(PyAny);
      assert.equal(f.S.refCnt(), base + 1, "downcast takes no new reference");
      const p = Py.from(f.S);
      assert.equal(f.S.refCnt(), base + 2);
      assert.equal(p.refCnt(py), base + 2);
      const b = p.bind(py);
      assert.equal(f.S.refCnt(), base + 3);
      assert.ok(b.is(f.S));
      p[Symbol.dispose]();
      assert.ok(p.disposed);
      assert.equal(f.S.refCnt(), base + 2, "Py dispose releases at once");
      p[Symbol.dispose]();
      assert.equal(f.S.refCnt(), base + 2, "a second dispose is harmless");
      throwsLike(() => p.bind(py), Error, /disposed/);
      throwsLike(() => p.cloneRef(py), Error, /disposed/);
      const cr = Py.from(f.S);
      const cr2 = cr.cloneRef(py);
      assert.equal(f.S.refCnt(), base + 4);
      cr[Symbol.dispose]();
      cr2[Symbol.dispose]();
      assert.equal(f.S.refCnt(), base + 2);
      assert.ok(view.is(c));
      // `using` works on Py
      {
        using q = Py.from(f.S);
        assert.equal(q.refCnt(py), base + 3);
      }
      assert.equal(f.S.refCnt(), base + 2);
      // disposing a tier object twice is harmless in both tiers
      b[Symbol.dispose]();
      b[Symbol.dispose]();
      c[Symbol.dispose]();
      c[Symbol.dispose]();
      assert.equal(
        f.S.refCnt(),
        isStable ? base + 2 : base,
        "stable: pool-owned until the pool ends",
      );
    });
  });

  test("refcounts: a Py keeps its object across scopes; disposing it outside any scope takes the GIL", () => {
    const kept = Python.withGil((py) => {
      const f = freshFixture(py);
      f.g.setItem("probe_holder", f.S);
      const p = Py.from(f.S);
      return { p, g: Py.from(f.g) };
    });
    Python.withGil((py) => {
      const g = kept.g.bind(py);
      const s = kept.p.bind(py);
      assert.ok(s.is(g.getItem("S")!));
      assert.equal(sysRefcount(py, s), 1 + s.refCnt());
    });
    const before = Python.withGil((py) =>
      kept.g.bind(py).getItem("S")!.refCnt()
    );
    throwsLike(() => kept.p.unsafePtr, Error, /without the GIL/);
    kept.p[Symbol.dispose](); // no GIL held here
    const after = Python.withGil((py) =>
      kept.g.bind(py).getItem("S")!.refCnt()
    );
    assert.equal(after, before - 1);
    kept.g[Symbol.dispose]();
    kept.g[Symbol.dispose]();
  });

  test("refcounts: an undisposed Py is released by the FinalizationRegistry backstop", async () => {
    const gc = requireGc();
    const g = Python.withGil((py) => Py.from(freshFixture(py).g));
    const count = () =>
      Python.withGil((py) => g.bind(py).getItem("S")!.refCnt());
    const before = count();
    (() => {
      Python.withGil((py) => {
        const s = g.bind(py).getItem("S")!;
        for (let i = 0; i < 100; i++) Py.from(s);
      });
    })();
    assert.equal(count(), before + 100);
    for (let i = 0; i < 10 && count() !== before; i++) {
      gc();
      await ticks();
    }
    assert.equal(count(), before, "the backstop released all 100 references");
    g[Symbol.dispose]();
  });

  test("refcounts: a PyErr's exception (traceback frames) is released with its scope, by releaseValue, or by GC once it escaped", async () => {
    const gc = requireGc();
    const g = Python.withGil((py) => Py.from(freshFixture(py).g));
    const count = () =>
      Python.withGil((py) => g.bind(py).getItem("S")!.refCnt());
    const before = count();
    // Caught inside the scope: released when the scope ends, deterministically.
    let caught: unknown;
    Python.withGil((py) => {
      const fx = fixFrom(g.bind(py));
      caught = throwsLike(() => fx.boom.call1(fx.S), PyValueError);
      assert.ok(count() > before, "the traceback's frame holds the argument");
      for (let i = 0; i < 20; i++) {
        throwsLike(() => fx.boom.call1(fx.S), PyValueError);
      }
    });
    assert.equal(count(), before, "released when the scope ended");
    const c = caught as Stable.PyErr;
    assert.equal(c.typeName, "ValueError");
    throwsLike(() => c.value, Error, /exception object was released/);
    // Thrown out of withGil: kept (GIL-independent) until releaseValue.
    let escaped: unknown;
    try {
      Python.withGil((py) => fixFrom(g.bind(py)).boom.call1(42));
    } catch (e) {
      escaped = e;
    }
    assert.ok(escaped instanceof PyValueError);
    assert.match((escaped as Stable.PyErr).traceback, /boom/);
    let kept: unknown;
    try {
      Python.withGil((py) => {
        const fx = fixFrom(g.bind(py));
        fx.boom.call1(fx.S);
      });
    } catch (e) {
      kept = e;
    }
    assert.ok(count() > before, "the escaped error keeps its traceback");
    (kept as Stable.PyErr).releaseValue();
    assert.equal(count(), before);
    (kept as Stable.PyErr).releaseValue(); // idempotent
    // Escaped and dropped: the backstop releases it.
    for (let i = 0; i < 20; i++) {
      try {
        Python.withGil((py) => {
          const fx = fixFrom(g.bind(py));
          fx.boom.call1(fx.S);
        });
      } catch {
        // dropped
      }
    }
    for (let i = 0; i < 10 && count() !== before; i++) {
      gc();
      await ticks();
    }
    assert.equal(
      count(),
      before,
      "dropped PyErrs are released by the backstop",
    );
    g[Symbol.dispose]();
  });

  // ==================================================================================
  // Use after release
  // ==================================================================================

  const KINDS = kindsOf(tier);
  const assertReleased = (o: Any, kind: Kind, where: string) =>
    assertReleasedIn(tier, o, kind, where);

  test("use after release: every concrete type, after its withGil scope ended", async (t) => {
    for (const kind of KINDS) {
      await t.step(kind.cls.name, () => {
        const o = Python.withGil((py) => {
          const o = kind.make(py);
          assert.ok(o instanceof (kind.cls as unknown as ErrClass));
          kind.use(o); // usable inside
          return o;
        });
        // outside any scope
        assertReleased(o, kind, "after withGil");
        // and when a later scope is open
        Python.withGil(() => assertReleased(o, kind, "inside a later withGil"));
      });
    }
  });

  test("use outside any GIL scope: stashed tokens, objects and Py never crash", () => {
    let stale: Token | undefined;
    let obj: Any | undefined;
    const p = Python.withGil((py) => {
      stale = py;
      obj = py.eval("[1, 2]");
      return Py.from(obj);
    });
    const tokenMsg = /outside its Python.withGil scope|without the GIL/;
    throwsLike(() => obj!.len(), Error, /released/);
    throwsLike(() => p.bind(stale!), Error, /without the GIL/);
    throwsLike(() => p.unsafePtr, Error, /without the GIL/);
    const py = stale!;
    const factories: [string, () => unknown][] = [
      ["py.eval", () => py.eval("1")],
      ["py.run", () => py.run("x = 1")],
      ["py.import", () => py.import("math")],
      ["py.builtins", () => py.builtins()],
      ["py.None", () => py.None()],
      ["PyDict.new", () => PyDict.new(py)],
      ["PyDict.fromEntries", () => PyDict.fromEntries(py, { a: 1 })],
      ["PyList.new", () => PyList.new(py, [1])],
      ["PyTuple.new", () => PyTuple.new(py, [1])],
      ["PyTuple.empty", () => PyTuple.empty(py)],
      ["PyString.new", () => PyString.new(py, "s")],
      ["PyString.intern", () => PyString.intern(py, "s")],
      ["PyBytes.new", () => PyBytes.new(py, new Uint8Array([1]))],
      ["PyByteArray.new", () => PyByteArray.new(py, new Uint8Array([1]))],
      ["PyInt.new", () => PyInt.new(py, 1)],
      ["PyFloat.new", () => PyFloat.new(py, 1.5)],
      ["PyBool.new", () => PyBool.new(py, true)],
      ["PySet.new", () => PySet.new(py, [1])],
      ["PyFrozenSet.new", () => PyFrozenSet.new(py, [1])],
      ["PySlice.new", () => PySlice.new(py, 1, 2)],
      ["PyModule.new", () => PyModule.new(py, "m")],
      [
        "PyModule.fromCode",
        () => PyModule.fromCode(py, "x = 1", "x.py", "pyembed_stale_x"),
      ],
      ["PyModule.import", () => PyModule.import(py, "math")],
      ["py.allowThreads", () => py.allowThreads(() => 1)],
    ];
    for (const [what, f] of factories) {
      const e = throwsLike(f, Error, tokenMsg);
      assert.ok(e.message.length > 0, what);
    }
    // the stale token inside a new scope: still rejected, and nothing leaks
    Python.withGil((py2) => {
      const probe = p.bind(py2);
      const base = probe.refCnt();
      for (const [, f] of factories) {
        throwsLike(f, Error, /outside its Python.withGil scope/);
      }
      throwsLike(() => p.bind(py), Error, /outside its Python.withGil scope/);
      assert.equal(probe.refCnt(), base, "a rejected bind took no reference");
    });
    p[Symbol.dispose]();
    assert.equal(
      Python.withGil((py2) => py2.eval("2 + 2").extract(Extract.int)),
      4,
    );
  });
}
