// How the trampoline reads a call's arguments (src/function/pyfunction.ts):
// fastcall's argv through a private scratch tuple, varargs' tuple directly.
// Through the public API, in both tiers: calls wider than the scratch tuple,
// nested calls that reuse it while the outer handler still reads its
// arguments, a garbage collection inside the handler (the scratch tuple must
// never show the collector references it does not own), reference counts,
// the handler's argument object (own keys, a parameter called `__proto__`),
// and arguments borrowed from the caller (no reference of their own:
// disposing, keeping past the call, unbind).
// Needs --allow-ffi --allow-env --allow-read --allow-run=python3.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

for (const { name, withGil, api } of TIERS) {
  const t = (title: string, fn: () => void) =>
    Deno.test({ name: `pyfunction args (${name}): ${title}`, fn });

  t("calls wider than the scratch tuple bind every argument", () => {
    withGil((py) => {
      const names = Array.from({ length: 70 }, (_, i) => `p${i}`);
      const wide = api.pyfunction(
        py,
        `wide(${names.join(", ")}, *rest, **kw)`,
        (args) => {
          const a = args as Record<string, InstanceType<typeof api.PyAny>>;
          let sum = 0;
          for (const n of names) sum += a[n].extract(api.Extract.int);
          return [sum, a.rest.len(), a.kw.len()];
        },
      );
      const g = api.PyDict.new(py);
      g.setItem("wide", wide);
      // 70 named + 130 more positional + 40 keywords: 240 pointers in argv.
      const r = py.eval(
        "wide(*range(200), **{f'k{i}': i for i in range(40)})",
        g,
      );
      assert.equal(r.repr(), `[${(69 * 70) / 2}, 130, 40]`);
      // A narrow call after the scratch tuple grew.
      const narrow = api.pyfunction(
        py,
        "narrow(a, b)",
        ({ a, b }) => a.extract(api.Extract.int) - b.extract(api.Extract.int),
      );
      g.setItem("narrow", narrow);
      assert.equal(py.eval("narrow(10, 3)", g).extract(api.Extract.int), 7);
    });
  });

  t("a nested call does not disturb the outer call's arguments", () => {
    withGil((py) => {
      const g = api.PyDict.new(py);
      g.setItem(
        "inner",
        api.pyfunction(
          py,
          "inner(x, y, z)",
          ({ x, y, z }) =>
            x.extract(api.Extract.int) + y.extract(api.Extract.int) +
            z.extract(api.Extract.int),
        ),
      );
      g.setItem(
        "outer",
        api.pyfunction(py, "outer(a, b, c, *, f)", ({ a, b, c, f }) => {
          // Python calls back into TypeScript before the outer handler
          // reads its own arguments.
          const n = f.call([100, 200, 300]).extract(api.Extract.int);
          return [
            a.extract(api.Extract.str),
            b.extract(api.Extract.str),
            c.extract(api.Extract.str),
            n,
          ];
        }),
      );
      assert.equal(
        py.eval("outer('a', 'b', 'c', f=inner)", g).repr(),
        "['a', 'b', 'c', 600]",
      );
    });
  });

  t("a garbage collection inside the handler keeps the arguments alive", () => {
    withGil((py) => {
      const g = api.PyDict.new(py);
      py.run(
        String.raw`
import gc
class Node:
    def __init__(self, v):
        self.v = v
        self.me = self        # a cycle: only the collector could free it
`,
        g,
      );
      g.setItem(
        "f",
        api.pyfunction(py, "f(a, b)", ({ a, b }) => {
          py.eval("gc.collect()", g);
          return a.getattr("v").extract(api.Extract.int) +
            b.getattr("v").extract(api.Extract.int);
        }),
      );
      // The arguments are temporaries: the caller's references are the only ones.
      assert.equal(
        py.eval("sum(f(Node(i), Node(1)) for i in range(50))", g).extract(
          api.Extract.int,
        ),
        (49 * 50) / 2 + 50,
      );
    });
  });

  t("reference counts of the arguments are unchanged by 1000 calls", () => {
    withGil((py) => {
      const g = api.PyDict.new(py);
      g.setItem(
        "f",
        api.pyfunction(py, "f(a, b=None, *rest, k=None, **kw)", () => null),
      );
      py.run(
        String.raw`
import sys
o = object()
before = sys.getrefcount(o)
for _ in range(1000):
    f(o)
    f(o, o, o, o, k=o, x=o)
after = sys.getrefcount(o)
`,
        g,
      );
      assert.equal(
        g.getItem("after")!.extract(api.Extract.int),
        g.getItem("before")!.extract(api.Extract.int),
      );
    });
  });

  t("the handler's arguments are own properties; `__proto__` is a name", () => {
    withGil((py) => {
      let keys: string[] = [];
      const f = api.pyfunction(
        py,
        "f(a, __proto__, /, *va, kwo=1, **kws)",
        (args) => {
          keys = Object.keys(args);
          const p = Object.getOwnPropertyDescriptor(args, "__proto__")!.value;
          return p.extract(api.Extract.int);
        },
      );
      assert.equal(f.call([1, 42]).extract(api.Extract.int), 42);
      assert.deepEqual(keys, ["a", "__proto__", "kwo", "va", "kws"]);
    });
  });

  t(
    "borrowed arguments: dispose, keep past the call, unbind, defaults",
    () => {
      withGil((py) => {
        const g = api.PyDict.new(py);
        py.run("import sys\no = object()", g);
        const rc = (code: string) =>
          py.eval(`sys.getrefcount(${code})`, g).extract(api.Extract.int);
        const before = rc("o");
        let kept: InstanceType<typeof api.PyAny> | undefined;
        let held: ReturnType<typeof api.Py.from> | undefined;
        let keptPlain: InstanceType<typeof api.PyAny> | undefined;
        let disposedUse = "";
        g.setItem(
          "f",
          api.pyfunction(py, "f(a, b, c=(1, 2))", ({ a, b, c }) => {
            // Disposing an argument drops nothing of the caller's (owned tier:
            // the object is released; pool tier: the pool still owns it).
            a[Symbol.dispose]();
            try {
              a.repr();
            } catch (e) {
              disposedUse = (e as Error).message;
            }
            if (held === undefined) {
              kept = b;
              held = b.unbind(); // a reference of its own (owned: b is moved)
            } else if (keptPlain === undefined) keptPlain = b;
            return c;
          }),
        );
        py.run("dflt = f(o, o)", g);
        assert.equal(rc("o"), before + 1); // the Py's reference only
        // The owned tier releases at dispose; the pool's dispose leaves it to the pool.
        if (name === "owned") assert.match(disposedUse, /released/);
        else assert.equal(disposedUse, "");
        assert.throws(() => kept!.repr(), /released/);
        held![Symbol.dispose]();
        assert.equal(rc("o"), before);
        // The default handed out 1000 more times: its count comes back.
        const dflt = rc("dflt");
        py.run("for _ in range(1000): f(o, o)", g);
        assert.equal(rc("dflt"), dflt);
        assert.equal(rc("o"), before);
        assert.equal(py.eval("dflt", g).repr(), "(1, 2)");
        // An argument kept past its call without unbind is released with the
        // call, and says so as its tier says it.
        assert.throws(
          () => keptPlain!.repr(),
          name === "owned"
            ? /released: its Python.withGil scope ended.*unbind/s
            : /released: the pool that owned it ended/,
        );
      });
    },
  );
}
