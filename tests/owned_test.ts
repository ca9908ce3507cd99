// Issue 4: the experimental tier (experimental/mod.ts), owned references
// (PyO3 PR #3205's `PyAny<'py>`, later `Bound`). The shared suite runs first;
// the tests below cover what only the owned model does: release at
// `[Symbol.dispose]()`, `using`, `unbind()` as a move, no `withPool`.

import assert from "node:assert/strict";
import * as experimental from "../experimental/mod.ts";
import * as prelude from "../experimental/prelude.ts";
import * as stable from "../mod.ts";
import {
  Extract,
  Py,
  type PyAny,
  PyDict,
  PyList,
  Python,
} from "../experimental/mod.ts";
import {
  assertReleasedIn,
  FIXTURE,
  kindsOf,
  throwsLike,
  type TierModule,
} from "./shared/suite.ts";
import { defineSuite } from "./shared/define_suite.ts";

const tier = experimental as unknown as TierModule;
defineSuite("owned", tier);

function sentinel(py: Python): { g: PyDict; S: PyAny } {
  const g = PyDict.new(py);
  py.run(FIXTURE, g);
  return { g, S: g.getItem("S")! };
}

Deno.test("[owned-only] the entry points export the same names; only Python differs", () => {
  const a = Object.keys(stable).sort();
  const b = Object.keys(experimental).sort();
  assert.deepEqual(b, a);
  for (const k of a) {
    const same = (stable as Record<string, unknown>)[k] ===
      (experimental as Record<string, unknown>)[k];
    assert.equal(same, k !== "Python", `${k} shared between tiers`);
  }
  for (const [k, v] of Object.entries(prelude)) {
    assert.equal(
      v,
      (experimental as Record<string, unknown>)[k],
      `prelude ${k}`,
    );
  }
  assert.equal(prelude.Python, Python);
  Python.withGil((py) => {
    assert.equal("withPool" in py, false, "there is no withPool in this tier");
  });
});

Deno.test("[owned-only] use after release: every concrete type, after dispose and after unbind", async (t) => {
  for (const kind of kindsOf(tier)) {
    await t.step(kind.cls.name, () => {
      Python.withGil((owned) => {
        const py = owned as unknown as stable.Python; // the kinds are typed for the stable token
        const a = kind.make(py);
        a[Symbol.dispose]();
        assertReleasedIn(tier, a, kind, "after dispose");
        const b = kind.make(py);
        const p = b.unbind();
        assertReleasedIn(tier, b, kind, "after unbind");
        const c = p.bind(owned);
        kind.use(c); // the Py still holds it
        p[Symbol.dispose]();
        kind.use(c); // the bound object has its own reference
        c[Symbol.dispose]();
        throwsLike(() => kind.use(c), Error, /released/);
      });
    });
  }
});

Deno.test("[owned-only] release messages say why", () => {
  Python.withGil((py) => {
    const a = py.eval("[]");
    a[Symbol.dispose]();
    throwsLike(() => a.len(), Error, /released.*disposed/s);
    const b = py.eval("[]");
    b.unbind()[Symbol.dispose]();
    throwsLike(() => b.len(), Error, /unbind/);
  });
  const c = Python.withGil((py) => py.eval("[]"));
  throwsLike(() => c.len(), Error, /released.*withGil scope ended/s);
});

Deno.test("[owned-only] dispose releases at once; double dispose and dispose after scope end are harmless", () => {
  const after = Python.withGil((py) => {
    const { S } = sentinel(py);
    const base = S.refCnt();
    const c = S.clone();
    assert.equal(S.refCnt(), base + 1);
    c[Symbol.dispose]();
    assert.equal(S.refCnt(), base, "released at once");
    c[Symbol.dispose]();
    assert.equal(S.refCnt(), base, "idempotent");
    {
      using u = S.clone();
      assert.equal(S.refCnt(), base + 1);
      assert.ok(u.is(S));
    }
    assert.equal(S.refCnt(), base, "`using` released at block end");
    return S.clone();
  });
  after[Symbol.dispose](); // released by the scope already: a no-op
  after[Symbol.dispose]();
});

Deno.test("[owned-only] clone is independent; downcast shares the reference", () => {
  Python.withGil((py) => {
    const { S } = sentinel(py);
    const base = S.refCnt();
    const a = S.clone();
    const b = a.clone();
    a[Symbol.dispose]();
    assert.ok(b.is(S), "the clone outlives the original");
    b[Symbol.dispose]();
    assert.equal(S.refCnt(), base);
    const any = py.eval("{'k': 1}");
    const d = any.downcast(PyDict);
    assert.equal(d.getItem("k")?.toJs(), 1);
    d[Symbol.dispose]();
    throwsLike(() => any.len(), Error, /released/);
  });
});

Deno.test("[owned-only] unbind moves the reference; bind makes a new owned object each time", () => {
  Python.withGil((py) => {
    const { S } = sentinel(py);
    const base = S.refCnt();
    const c = S.clone();
    const p = c.unbind();
    assert.equal(S.refCnt(), base + 1, "a move: no new reference");
    throwsLike(() => c.repr(), Error, /unbind/);
    c[Symbol.dispose](); // harmless after a move
    assert.equal(S.refCnt(), base + 1);
    const b1 = p.bind(py);
    const b2 = p.bind(py);
    assert.equal(S.refCnt(), base + 3);
    b1[Symbol.dispose]();
    b2[Symbol.dispose]();
    assert.equal(S.refCnt(), base + 1);
    p[Symbol.dispose]();
    assert.equal(S.refCnt(), base);
  });
});

Deno.test("[owned-only] an object neither disposed nor unbound is released at scope end", () => {
  const keep = Python.withGil((py) => Py.from(sentinel(py).g));
  const count = () =>
    Python.withGil((py) => {
      using d = keep.bind(py);
      using s = d.getItem("S")!;
      return s.refCnt();
    });
  const base = count();
  const stash: PyAny[] = [];
  Python.withGil((py) => {
    using d = keep.bind(py);
    using s = d.getItem("S")!;
    for (let i = 0; i < 50; i++) stash.push(s.clone());
    assert.equal(s.refCnt(), base + 50);
    // a nested withGil shares the scope: its objects live to the outer end
    Python.withGil(() => stash.push(s.clone()));
    assert.equal(stash.at(-1)!.refCnt(), base + 51);
  });
  assert.equal(count(), base);
  for (const o of stash) throwsLike(() => o.repr(), Error, /released/);
  keep[Symbol.dispose]();
});

Deno.test("[owned-only] for (using x of obj) releases items as it goes", () => {
  Python.withGil((py) => {
    const { g, S } = sentinel(py);
    using lst = g.getItem("lst")!;
    const base = S.refCnt();
    let n = 0;
    for (using x of lst) {
      assert.ok(x.is(S));
      assert.equal(S.refCnt(), base + 1, "only the current item is held");
      n++;
    }
    assert.equal(n, 3);
    assert.equal(S.refCnt(), base);
    // without `using`, items are held until disposed or the scope ends
    const items = [...lst];
    assert.equal(S.refCnt(), base + 3);
    for (const x of items) x[Symbol.dispose]();
    assert.equal(S.refCnt(), base);
  });
});

Deno.test("[owned-only] Extract and toJs release their temporaries at once", () => {
  Python.withGil((py) => {
    const { g, S } = sentinel(py);
    using lst = g.getItem("lst")!;
    using dct = g.getItem("dct")!;
    const base = S.refCnt();
    const lstBase = lst.refCnt();
    let seen = -1;
    lst.extract(Extract.list({
      extract: (o: PyAny) => {
        seen = S.refCnt();
        return o.is(S);
      },
    }));
    assert.equal(seen, base + 1, "one item at a time");
    assert.equal(S.refCnt(), base);
    assert.equal(lst.refCnt(), lstBase, "the iterator was released");
    dct.extract(
      Extract.dict({ extract: (o: PyAny) => o.repr() }, { extract: () => 0 }),
    );
    assert.equal(S.refCnt(), base);
  });
});

Deno.test("[owned-only] a using loop reuses its slot: a long loop holds nothing", () => {
  Python.withGil((py) => {
    const { g, S } = sentinel(py);
    using box = g.getItem("box")!;
    const base = S.refCnt();
    for (let i = 0; i < 100_000; i++) {
      using _v = box.getattr("attr");
      if (i % 25_000 === 0) assert.equal(S.refCnt(), base + 1);
    }
    assert.equal(S.refCnt(), base);
  });
});

Deno.test("[owned-only] disposing a live object inside allowThreads throws, it does not decref without the GIL", () => {
  Python.withGil((py) => {
    const l = PyList.new(py, [1]);
    throwsLike(
      () => py.allowThreads(() => l[Symbol.dispose]()),
      Error,
      /without the GIL/,
    );
    assert.deepEqual(l.toJs(), [1], "still alive");
    l[Symbol.dispose]();
  });
});
