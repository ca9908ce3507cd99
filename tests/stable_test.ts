// Issue 3: the stable tier (mod.ts), pool-owned references (PyO3 0.20's
// GILPool). The shared suite runs first; the tests below cover what only the
// pool model does: `py.withPool`, `[Symbol.dispose]` as a no-op, `unbind` as
// `Py.from`, and accumulation without a nested pool.

import assert from "node:assert/strict";
import * as stable from "../mod.ts";
import {
  Extract,
  Py,
  type PyAny,
  PyDict,
  PyList,
  Python,
  PyValueError,
} from "../mod.ts";
import {
  assertReleasedIn,
  FIXTURE,
  kindsOf,
  throwsLike,
} from "./shared/suite.ts";
import { defineSuite } from "./shared/define_suite.ts";

defineSuite("stable", stable);

function sentinel(py: Python): { g: PyDict; S: PyAny } {
  const g = PyDict.new(py);
  py.run(FIXTURE, g);
  return { g, S: g.getItem("S")! };
}

Deno.test("[stable-only] use after release: every concrete type, after py.withPool ended", async (t) => {
  for (const kind of kindsOf(stable)) {
    await t.step(kind.cls.name, () => {
      Python.withGil((py) => {
        const outer = kind.make(py);
        const inner = py.withPool(() => {
          const o = kind.make(py);
          kind.use(o);
          return o;
        });
        // the pool ended while the GIL scope is still open
        assertReleasedIn(stable, inner, kind, "after withPool");
        kind.use(outer); // an object of the enclosing pool is untouched
        assert.ok(outer.refCnt() > 0);
      });
    });
  }
});

Deno.test("[stable-only] withPool releases temporaries at its end; outer objects survive", () => {
  Python.withGil((py) => {
    const { g, S } = sentinel(py);
    const box = g.getItem("box")!;
    const base = S.refCnt();
    const r = py.withPool((py2) => {
      assert.equal(py2, py, "withPool hands back the same token");
      for (let i = 0; i < 100; i++) box.getattr("attr");
      assert.equal(S.refCnt(), base + 100, "each result is pooled");
      return "js value";
    });
    assert.equal(r, "js value");
    assert.equal(S.refCnt(), base, "the nested pool released all 100");
    assert.ok(box.getattr("attr").is(S), "outer objects still work");
  });
});

Deno.test("[stable-only] nested withPool, and a throwing withPool still releases", () => {
  Python.withGil((py) => {
    const { g, S } = sentinel(py);
    const box = g.getItem("box")!;
    const base = S.refCnt();
    py.withPool(() => {
      box.getattr("attr");
      py.withPool(() => {
        box.getattr("attr");
        box.getattr("attr");
        assert.equal(S.refCnt(), base + 3);
      });
      assert.equal(
        S.refCnt(),
        base + 1,
        "the inner pool released only its own",
      );
    });
    assert.equal(S.refCnt(), base);
    throwsLike(
      () =>
        py.withPool(() => {
          box.getattr("attr");
          py.eval("boom()", g);
        }),
      PyValueError,
      "boom",
    );
    // the PyErr holds its traceback (frames); the pooled result is gone
    assert.equal(S.refCnt(), base);
    assert.throws(() =>
      py.withPool(() => {
        box.getattr("attr");
        throw new Error("js");
      }), /js/);
    assert.equal(S.refCnt(), base);
  });
});

Deno.test("[stable-only] without withPool, a loop's temporaries accumulate until the scope ends", () => {
  const keep = Python.withGil((py) => Py.from(sentinel(py).g));
  const count = () =>
    Python.withGil((py) => keep.bind(py).getItem("S")!.refCnt());
  const base = count();
  Python.withGil((py) => {
    const d = keep.bind(py);
    const s = d.getItem("S")!;
    const start = s.refCnt();
    for (let i = 0; i < 1000; i++) d.getItem("S");
    assert.equal(s.refCnt(), start + 1000, "PyO3 #1056: the pool grows");
  });
  assert.equal(count(), base, "all released when the withGil scope ended");
  keep[Symbol.dispose]();
});

Deno.test("[stable-only] [Symbol.dispose] is a no-op: the pool owns the reference", () => {
  Python.withGil((py) => {
    const { S } = sentinel(py);
    const base = S.refCnt();
    py.withPool(() => {
      const c = S.clone();
      assert.equal(S.refCnt(), base + 1);
      c[Symbol.dispose]();
      assert.equal(S.refCnt(), base + 1, "still owned by the pool");
      assert.ok(c.is(S), "and still usable");
      {
        using u = S.clone();
        assert.ok(u.is(S));
      }
      assert.equal(S.refCnt(), base + 2);
    });
    assert.equal(S.refCnt(), base);
  });
});

Deno.test("[stable-only] unbind is Py.from: the object stays usable", () => {
  Python.withGil((py) => {
    const { S } = sentinel(py);
    const base = S.refCnt();
    const p = S.unbind();
    assert.equal(S.refCnt(), base + 1);
    assert.ok(S.is(p.bind(py)), "the original is still usable");
    p[Symbol.dispose]();
  });
});

Deno.test("[stable-only] Py.from keeps an object past its withPool and its scope", () => {
  const p = Python.withGil((py) =>
    py.withPool(() => Py.from(PyList.new(py, ["kept"])))
  );
  assert.deepEqual(Python.withGil((py) => p.bind(py).toJs()), ["kept"]);
  p[Symbol.dispose]();
});

Deno.test("[stable-only] Extract and toJs inside withPool leave nothing behind", () => {
  Python.withGil((py) => {
    const { g, S } = sentinel(py);
    const lst = g.getItem("lst")!;
    const base = S.refCnt();
    py.withPool(() => {
      lst.extract(Extract.list({ extract: (o: PyAny) => o.is(S) }));
      assert.ok(S.refCnt() > base, "the items are pooled");
    });
    assert.equal(S.refCnt(), base);
  });
});
