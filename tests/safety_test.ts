// Issue 10: misuse at the boundary, through the public API of both tiers.
// Each case here crashed, corrupted memory, leaked or let a JS exception
// escape before the fix; now each is a clear JS error or Python exception.
// User JS running inside an operation (a [toPyObject] method, a getter, a
// Proxy, a callback) that releases the objects the operation is using; a
// non-dict kwargs object; iterator type checks; use without the GIL;
// unforgeable internals; errors that never escape the callback layer; the
// recursion bound; Promise-returning handlers; DataView; deterministic
// ownership of exception objects.

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";
import { throwsLike } from "./shared/suite.ts";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const SENTINEL = "class _Sentinel:\n    pass\n_S = _Sentinel()\n";

for (const { name, withGil, api } of TIERS) {
  const t = (title: string, fn: () => void | Promise<void>) =>
    Deno.test(`safety (${name}): ${title}`, fn);
  const owned = name === "owned";
  const dispose = (o: { [Symbol.dispose](): void }) => o[Symbol.dispose]();
  const tp = api.toPyObject;

  // ---- 1. user code releasing what an operation in flight uses ------------

  t(
    "a [toPyObject] that disposes the receiver: append, setItem, call1, eq, callMethod, contains",
    () => {
      withGil((py) => {
        const other = api.PyList.new(py, [1, 2, 3]);
        const cases: [
          string,
          (self: stable.PyAny, evil: unknown) => unknown,
        ][] = [
          ["append", (l, e) => (l as stable.PyList).append(e)],
          ["setItem", (l, e) => l.setItem(0, e)],
          ["eq", (l, e) => l.eq(e)],
          ["contains", (l, e) => l.contains(e)],
          ["callMethod", (l, e) => l.callMethod("count", [e])],
        ];
        for (const [what, op] of cases) {
          const l = api.PyList.new(py, [0]);
          const before = other.toJs();
          const evil = {
            [tp]: () => {
              dispose(l);
              return 7;
            },
          };
          op(l, evil);
          assert.deepEqual(
            other.toJs(),
            before,
            `${what}: other list untouched`,
          );
          if (owned) throwsLike(() => l.len(), Error, /released.*disposed/s);
        }
        // A Python function disposed by its own argument's conversion.
        const f = py.eval("lambda *a: sum(a)");
        const got = f.call1(1, {
          [tp]: () => {
            dispose(f);
            return 41;
          },
        });
        assert.equal(got.toJs(), 42);
        // A getter of a plain object, and a Proxy, releasing a dict mid-setItem.
        const d = api.PyDict.new(py);
        d.setItem("k", {
          get x() {
            dispose(d);
            return 1;
          },
        });
        const d2 = api.PyDict.new(py);
        const proxy = new Proxy({ a: 1 }, {
          ownKeys(target) {
            dispose(d2);
            return Reflect.ownKeys(target);
          },
        });
        d2.setItem("p", proxy);
        if (owned) {
          throwsLike(() => d.len(), Error, /released/);
          throwsLike(() => d2.len(), Error, /released/);
        }
      });
    },
  );

  t(
    "a TS callback that disposes the function Python is running, and its caller's objects",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        py.run(SENTINEL, g);
        const s = g.getItem("_S")!;
        const base = s.refCnt();
        const held: stable.PyAny[] = [];
        const cb = api.pyfunction(py, "cb(x)", ({ x }) => {
          for (const h of held) dispose(h);
          return x;
        });
        const f = py.eval("lambda cb, x: [cb(x) for _ in range(3)]");
        held.push(f, s.clone());
        const r = f.call1(cb, s);
        assert.equal(r.len(), 3);
        dispose(r);
        if (owned) {
          throwsLike(() => f.call1(cb, 1), Error, /released/);
          assert.equal(s.refCnt(), base, "released once the operation ended");
        }
      });
    },
  );

  t(
    "objects a [toPyObject] makes and drops itself are released at once (no growth)",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        py.run(SENTINEL, g);
        const s = g.getItem("_S")!;
        const base = s.refCnt();
        const l = api.PyList.new(py, []);
        for (let i = 0; i < 200; i++) {
          l.append({
            [tp]: () => {
              const c = s.clone();
              dispose(c);
              return i;
            },
          });
        }
        assert.equal(l.len(), 200);
        if (owned) assert.equal(s.refCnt(), base);
      });
    },
  );

  // ---- 2. kwargs that are not a dict ----------------------------------------

  t(
    "a non-dict PyAny as kwargs: a list is Python's TypeError, a mapping is unpacked",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        py.run(
          "def f(a=0, b=0):\n    return a * 10 + b\n" +
            "class M:\n    def keys(self):\n        return ['b']\n" +
            "    def __getitem__(self, k):\n        return 5\n",
          g,
        );
        const f = g.getItem("f")!;
        throwsLike(
          () => f.call([], py.eval("[1, 2]")),
          api.PyTypeError,
          /argument after \*\* must be a mapping, not list/,
        );
        assert.equal(f.call([1], g.getItem("M")!.call0()).toJs(), 15);
        assert.equal(f.call([], py.eval("{'a': 2}")).toJs(), 20);
        throwsLike(
          () => f.call([], py.eval("{1: 2}")),
          api.PyTypeError,
          /keywords must be strings/,
        );
      });
    },
  );

  // ---- 4. iterator checks ------------------------------------------------------

  t(
    "downcast(PyIterator) follows PyIter_Check: a type object is refused, instances pass",
    () => {
      withGil((py) => {
        const type = py.eval("type(iter([]))");
        assert.equal(type.isInstanceOf(api.PyIterator), false);
        throwsLike(
          () => type.downcast(api.PyIterator),
          api.PyTypeError,
          "'type' object cannot be converted to 'PyIterator'",
        );
        const it = py.eval("iter([1, 2])").downcast(api.PyIterator);
        assert.equal(it.nextItem()!.toJs(), 1);
        const gen = py.eval("(x for x in 'ab')");
        assert.equal(gen.isInstanceOf(api.PyIterator), true);
        assert.equal(py.eval("[1]").isInstanceOf(api.PyIterator), false);
      });
    },
  );

  // ---- 5, 6. no Python without the GIL ----------------------------------------

  t(
    "released objects and tokens outside withGil, and objects inside allowThreads, throw",
    () => {
      let n = 0;
      const stash = withGil((py) => {
        const m = api.PyModule.new(py, `_pyembed_safety_${name}`);
        const f = api.pyfunction(py, "f()", () => 1);
        return { py, m, f, l: py.eval("[1]"), err: api.PyKeyError.newErr("k") };
      });
      const uses: [string, () => unknown][] = [
        ["getattr (new name)", () => stash.l.getattr(`never_seen_${n++}`)],
        ["hasattr", () => stash.l.hasattr(`never_seen_${n++}`)],
        ["delattr", () => stash.l.delattr(`never_seen_${n++}`)],
        ["PyModule.name", () => stash.m.name()],
        ["addFunction", () => stash.m.addFunction(stash.f)],
        ["register", () => stash.m.register()],
        ["PyCFunction.name", () => stash.f.name()],
        ["lazy PyErr pointer", () => stash.err.unsafeValuePtr],
        ["pyfunctionTableSize", () => api.pyfunctionTableSize()],
        ["PyDict.new(stale token)", () => api.PyDict.new(stash.py)],
        ["py.import", () => stash.py.import("os")],
      ];
      for (let round = 0; round < 50; round++) {
        for (const [what, use] of uses) {
          assert.throws(use, Error, what);
        }
      }
      // The lazy error still works where the GIL can be taken.
      assert.equal(stash.err.isInstanceOf(api.PyKeyError), true);
      withGil((py) => {
        const l = py.eval("[1]");
        const threw = py.allowThreads(() => {
          const out: string[] = [];
          for (const use of [() => l.getattr("__class__"), () => l.len()]) {
            try {
              use();
            } catch (e) {
              out.push((e as Error).message);
            }
          }
          return out;
        });
        assert.equal(threw.length, 2);
        for (const m of threw) assert.match(m, /allowThreads/);
        assert.equal(l.len(), 1, "usable again after allowThreads");
      });
    },
  );

  // ---- 8. internals are unreachable ---------------------------------------------

  t(
    "nothing forged passes for a Python object, and internal constructors refuse",
    () => {
      withGil((py) => {
        const l = api.PyList.new(py, [1]);
        for (const sym of Object.getOwnPropertySymbols(api.PyAny.prototype)) {
          if (
            sym === Symbol.dispose || sym === Symbol.iterator ||
            sym === Symbol.for("Deno.customInspect")
          ) continue; // well-known symbols, not brands
          const forged = { [sym]: () => Deno.UnsafePointer.create(8n) };
          throwsLike(() => l.append(forged), api.PyTypeError, /cannot convert/);
        }
        const fake = Object.create(api.PyAny.prototype);
        throwsLike(() => l.append(fake), api.PyTypeError, /cannot convert/);
        const proxy = new Proxy(l, {});
        throwsLike(() => l.append(proxy), api.PyTypeError, /cannot convert/);
        assert.equal(
          (api.Py as unknown as { fromOwnedPtr?: unknown }).fromOwnedPtr,
          undefined,
        );
        const PyCtor = api.Py as unknown as new (...a: unknown[]) => unknown;
        throwsLike(
          () => new PyCtor(Deno.UnsafePointer.create(8n), api.PyAny),
          TypeError,
          /cannot be constructed/,
        );
        assert.equal(l.len(), 1);
      });
    },
  );

  t(
    "an own unsafePtr planted on an object, or a look-alike type, is never used as a pointer",
    () => {
      withGil((py) => {
        const l = api.PyList.new(py, [1]);
        const bogus = () => Deno.UnsafePointer.create(8n)!;
        Object.defineProperty(l, "unsafePtr", { get: bogus });
        assert.equal(l.len(), 1);
        const outer = api.PyList.new(py, []);
        outer.append(l);
        assert.equal(outer.getItem(0).len(), 1);
        assert.equal(api.Py.from(l).bind(py).len(), 1);
        const err = api.PyKeyError.newErr("k");
        throwsLike(
          () => err.isInstanceOf({ unsafePtr: bogus() }),
          TypeError,
          /Python type object/,
        );
        assert.equal(err.isInstanceOf(py.eval("KeyError")), true);
      });
    },
  );

  // ---- exceptions never escape the callback layer ---------------------------------

  t(
    "thrown values whose conversion throws reach Python as one RuntimeError",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        const hostile: unknown[] = [
          new Proxy({}, {
            get() {
              throw 1;
            },
            getPrototypeOf() {
              throw 2;
            },
            has() {
              throw 3;
            },
          }),
          (() => {
            const e = new Error("x");
            Object.defineProperty(e, "message", {
              get() {
                throw Symbol("bad");
              },
            });
            return e;
          })(),
          { toString: () => ({}) },
          Symbol("thrown"),
          // Every trap throws a value whose every trap throws again.
          (() => {
            const traps = (): ProxyHandler<object> => ({
              get: trap,
              getPrototypeOf: trap,
              has: trap,
              ownKeys: trap,
              getOwnPropertyDescriptor: trap,
            });
            const trap = (): never => {
              throw new Proxy({}, traps());
            };
            return new Proxy({}, traps());
          })(),
        ];
        let i = 0;
        g.setItem(
          "h",
          api.pyfunction(py, "h()", () => {
            throw hostile[i++];
          }),
        );
        py.run(
          "out = []\nfor _ in range(5):\n    try:\n        h()\n" +
            "    except BaseException as e:\n        out.append(type(e).__name__)\n",
          g,
        );
        assert.deepEqual(
          g.getItem("out")!.toJs(),
          Array(5).fill("RuntimeError"),
        );
        // Nothing left set, nothing delivered later.
        assert.equal(py.eval("1 + 1").toJs(), 2);
      });
    },
  );

  t(
    "JS <-> Python recursion ends in RecursionError, state restored, no leak",
    () => {
      // Python's default recursion limit; with 20 Python frames a level it is
      // Python's own limit that ends the recursion, else the TS call bound.
      for (const perLevel of [0, 20]) {
        withGil((py) => {
          const g = api.PyDict.new(py);
          py.run(SENTINEL, g);
          const s = g.getItem("_S")!;
          const base = s.refCnt();
          let deepest = 0;
          const f = api.pyfunction(py, "f(n, s)", ({ n, s }) => {
            const k = n.extract(api.Extract.int);
            deepest = Math.max(deepest, k);
            return g.getItem("pyf")!.call1(k + 1, s, perLevel);
          });
          g.setItem("f", f);
          py.run(
            "def pyf(n, s, d):\n    return pyf(n, s, d - 1) if d > 0 else f(n, s)\n",
            g,
          );
          const err = throwsLike(
            () => f.call1(0, s),
            api.PyRecursionError,
            /maximum recursion depth exceeded/,
          );
          assert.ok(deepest > 5, `recursed ${deepest} levels`);
          err.releaseValue(); // its traceback's frames hold the sentinel
          py.run("import gc\ngc.collect()", g);
          assert.equal(s.refCnt(), base, "sentinel references released");
        });
        // The library is usable afterwards (no scope state left behind).
        assert.equal(withGil((py) => py.eval("2 * 21").toJs()), 42);
      }
    },
  );

  t(
    "a handler returning a Promise gives Python a TypeScriptPromise; a rejection nobody awaits is handled",
    async () => {
      const g = withGil((py) => {
        const d = api.PyDict.new(py);
        d.setItem(
          "later",
          api.pyfunction(py, "later()", () => Promise.reject(new Error("no"))),
        );
        py.run("p = later()\nfirst = repr(p)", d);
        assert.equal(
          d.getItem("first")!.toJs(),
          "<TypeScriptPromise of later() pending>",
        );
        return api.Py.from(d);
      });
      // An unhandled rejection would fail this test after these ticks.
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
      withGil((py) => {
        const d = g.bind(py);
        py.run(
          "last = repr(p)\ntry:\n    p.result()\nexcept RuntimeError as e:\n    msg = str(e)\n" +
            "err = str(p._cf.exception()).split(chr(10))[0]\ndel p",
          d,
        );
        assert.equal(
          d.getItem("last")!.toJs(),
          "<TypeScriptPromise of later() rejected>",
        );
        assert.match(d.getItem("msg")!.toJs() as string, /on the JS thread/);
        assert.equal(d.getItem("err")!.toJs(), "Error: no");
      });
      g[Symbol.dispose]();
    },
  );

  // ---- wrong results made clear ------------------------------------------------------

  t("DataView is a clear TypeError", () => {
    withGil((py) => {
      throwsLike(
        () => py.eval("len").call1(new DataView(new ArrayBuffer(4))),
        api.PyTypeError,
        /DataView/,
      );
    });
  });

  t(
    "a PyErr caught in a scope owns its exception until the scope ends, then says it was released",
    () => {
      let kept: stable.PyErr | undefined;
      withGil((py) => {
        py.run("class MyErr(KeyError):\n    pass\n");
        const MyErr = py.eval("MyErr");
        try {
          py.run("raise MyErr('m')");
        } catch (e) {
          kept = e as stable.PyErr;
        }
        assert.ok(kept instanceof api.PyKeyError);
        assert.equal(kept.isInstanceOf(MyErr), true);
      });
      assert.equal(kept!.typeName, "MyErr");
      assert.ok(kept instanceof api.PyKeyError);
      withGil((py) => {
        throwsLike(
          () => kept!.isInstanceOf(py.eval("MyErr")),
          Error,
          /exception object was released/,
        );
      });
    },
  );

  t("errors raised and dropped in a loop do not grow Python's memory", () => {
    withGil((py) => {
      const sys = py.import("sys");
      const blocks = () => {
        py.run("import gc; gc.collect()");
        return sys.callMethod0("getallocatedblocks").extract(api.Extract.int);
      };
      const g = api.PyDict.new(py);
      g.setItem(
        "raiser",
        api.pyfunction(py, "raiser()", () => {
          throw api.PyValueError.newErr("x");
        }),
      );
      py.run(
        "def catch(n):\n    for _ in range(n):\n        try:\n            raiser()\n" +
          "        except ValueError:\n            pass\n",
        g,
      );
      const katch = g.getItem("catch")!;
      const boom = py.eval("int");
      const once = () => {
        dispose(katch.call1(2000));
        for (let i = 0; i < 2000; i++) {
          try {
            boom.call1("not a number");
          } catch (e) {
            if (!(e instanceof api.PyValueError)) throw e;
            e.releaseValue(); // the experimental tier's idiom; the pool's is withPool
          }
        }
      };
      once();
      const before = blocks();
      for (let k = 0; k < 5; k++) once();
      const growth = blocks() - before;
      assert.ok(growth < 1000, `grew ${growth} blocks over 20,000 raises`);
    });
  });
}

Deno.test("safety: the two tiers' tokens cannot forge one another's objects", () => {
  // The stable and experimental `Python` differ; every class is shared.
  assert.notEqual(stable.Python, experimental.Python);
  assert.equal(stable.PyAny, experimental.PyAny);
});
