// Differential test of TypeScript functions called from Python.
//
// For every signature below, Python defines an equivalent `def` and the test
// makes a `pyfunction` with the same name and signature. Both return the same
// canonical description of what they received (each parameter's repr, the
// *args tuple's repr, the **kwargs items sorted). Python code then generates
// call shapes (positional counts, keyword sets incl. unknown, duplicated and
// positional-only names, literal `f(a, k=v)` calls through vectorcall and
// `f(*xs, **kws)` calls) and calls both functions from Python: the outcome
// must be the same value, or the same exception type and message, word for
// word. Runs in both tiers. Other Pythons: PYTHON_LIBRARY=/path/libpython3.X.so.

import assert from "node:assert/strict";
import { TIERS } from "./fixtures/pyfunction_tiers.ts";

const SIGNATURES = [
  "()",
  "(a)",
  "(a, b)",
  "(a, b=2)",
  "(a=1, b='two')",
  "(a, /)",
  "(a, b, /)",
  "(a, b=2, /)",
  "(a, /, b)",
  "(a, /, b, c=3)",
  "(*args)",
  "(a, *args)",
  "(a, b=2, *args)",
  "(*, k)",
  "(*, k=None)",
  "(a, *, k)",
  "(a, *, k, m=(1, 2))",
  "(**kwargs)",
  "(a, **kwargs)",
  "(a, /, **kwargs)",
  "(*args, **kwargs)",
  "(a, b=2, /, c=3, *args, d, e=-5, **kwargs)",
  "(a, /, *, b)",
  "(x, y=None, /, *rest, z=True, **kw)",
  "(a, b, c, d=4, e=5)",
  "(*, a, b, c)",
  "(a, b, /, c, *, d, e)",
  "(p, q=b'x', /, *a, r=1.5, s, **k)",
];

const HARNESS = String.raw`
import inspect, random

def _params(fn):
    return [(p.name, p.kind.name) for p in inspect.signature(fn).parameters.values()]

_PARAMS = {}

def _desc(fn, loc):
    out = []
    for name, kind in _PARAMS[fn.__name__]:
        v = loc[name]
        if kind == "VAR_POSITIONAL":
            out.append("*%s=%r" % (name, v))
        elif kind == "VAR_KEYWORD":
            out.append("**%s=%s" % (name, ",".join("%s=%r" % kv for kv in sorted(v.items()))))
        else:
            out.append("%s=%r" % (name, v))
    return "|".join(out)

def _shapes(name, rng, n):
    ps = _PARAMS[name]
    npos = sum(k in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD") for _, k in ps)
    named = [p for p, k in ps]
    pool = list(dict.fromkeys(named + ["zz", "args", "kwargs", "extra"]))
    seen = set()
    shapes = []
    def add(s):
        if s not in seen:
            seen.add(s)
            shapes.append(s)
    # Systematic: every positional count, then every single keyword.
    for k in range(npos + 3):
        add((k, (), 0))
    for kw in pool:
        add((0, (kw,), 0))
        add((1, (kw,), 0))
    # Shapes that bind: k positionals, the rest of the named parameters by keyword.
    keywordable = [p for p, kd in ps if kd in ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")]
    for k in range(npos + 1):
        rest = [p for i, (p, kd) in enumerate(ps) if p in keywordable and (kd == "KEYWORD_ONLY" or i >= k)]
        for star in (0, 1, 2):
            add((k, tuple(rest), star))
            add((k, tuple(rest) + ("zz",), star))
            if rest:
                add((k, tuple(rest[:-1]), star))
    tries = 0
    while len(shapes) < n and tries < 10000:
        tries += 1
        k = rng.randint(0, npos + 2)
        kws = tuple(rng.sample(pool, rng.randint(0, min(len(pool), 5))))
        star = rng.choice((0, 0, 1, 2))  # 0 literal, 1 all starred, 2 mixed
        if star and rng.random() < 0.2:
            kws = kws + ("not-an-identifier",)
        add((k, kws, star))
    return shapes

def _source(name, shape):
    k, kws, star = shape
    pos = [repr(100 + i) for i in range(k)]
    kw = [(n, repr("v_" + n)) for n in kws]
    if star == 0:
        parts = pos + ["%s=%s" % item for item in kw]
    elif star == 1:
        parts = ["*[%s]" % ", ".join(pos), "**{%s}" % ", ".join("%r: %s" % item for item in kw)]
    else:
        h, j = len(pos) // 2, len(kw) // 2
        parts = pos[:h] + ["*(%s)" % "".join(p + ", " for p in pos[h:])]
        parts += ["%s=%s" % item for item in kw[:j]]
        parts += ["**{%s}" % ", ".join("%r: %s" % item for item in kw[j:])]
    return "%s(%s)" % (name, ", ".join(parts))

def _outcome(call, f):
    try:
        return ("ok", call(f))
    except Exception as e:
        return ("err", type(e).__name__, str(e))

def _differential(names, ts_functions, per_signature, seed):
    rng = random.Random(seed)
    total = ok = err = 0
    mismatches = []
    for name in names:
        ref, ts = globals()[name], ts_functions[name]
        for shape in _shapes(name, rng, per_signature):
            src = _source(name, shape)
            call = eval("lambda %s: %s" % (name, src))
            a, b = _outcome(call, ref), _outcome(call, ts)
            total += 1
            if a[0] == "ok":
                ok += 1
            else:
                err += 1
            if a != b:
                mismatches.append([src, repr(a), repr(b)])
    return {"total": total, "ok": ok, "err": err, "mismatches": mismatches}
`;

for (const tier of TIERS) {
  Deno.test(`pyfunction differential vs Python def, ${SIGNATURES.length} signatures (${tier.name})`, () => {
    const { api } = tier;
    const result = tier.withGil((py) => {
      const g = api.PyDict.new(py);
      py.run(HARNESS, g);
      const tsFunctions = api.PyDict.new(py);
      SIGNATURES.forEach((sig, i) => {
        const name = `s${String(i).padStart(2, "0")}`;
        py.run(`def ${name}${sig}:\n    return _desc(${name}, locals())\n`, g);
        py.run(`_PARAMS[${JSON.stringify(name)}] = _params(${name})`, g);
        const info = g.getItem("_PARAMS")!.getItem(name).toJs() as [
          string,
          string,
        ][];
        const f = api.pyfunction(py, `${name}${sig}`, (params, hpy) => {
          if (!(hpy instanceof tier.Python)) return "WRONG TOKEN CLASS";
          if (Object.keys(params).length !== info.length) {
            return `WRONG PARAMETER SET ${Object.keys(params)}`;
          }
          const out: string[] = [];
          for (const [pname, kind] of info) {
            const v = params[pname];
            if (kind === "VAR_POSITIONAL") out.push(`*${pname}=${v.repr()}`);
            else if (kind === "VAR_KEYWORD") {
              const items: [string, string][] = [];
              for (const k of v) items.push([k.str(), v.getItem(k).repr()]);
              items.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
              out.push(
                `**${pname}=${items.map(([k, r]) => `${k}=${r}`).join(",")}`,
              );
            } else out.push(`${pname}=${v.repr()}`);
          }
          return out.join("|");
        });
        assert.ok(f instanceof api.PyCFunction);
        tsFunctions.setItem(name, f);
      });
      g.setItem("_ts", tsFunctions);
      return py.eval(
        `_differential(sorted(_ts), _ts, 60, 20240501)`,
        g,
      ).toJs() as Map<string, unknown>;
    });
    const mismatches = result.get("mismatches") as string[][];
    const total = result.get("total") as number;
    const ok = result.get("ok") as number;
    const err = result.get("err") as number;
    console.log(
      `  ${tier.name}: ${SIGNATURES.length} signatures, ${total} call shapes ` +
        `(${ok} bound, ${err} raised), ${mismatches.length} mismatches`,
    );
    assert.deepEqual(mismatches.slice(0, 10), []);
    assert.equal(mismatches.length, 0);
    assert.ok(SIGNATURES.length >= 20);
    assert.ok(total >= 500, `only ${total} call shapes`);
    assert.ok(
      ok >= 150 && err >= 150,
      `ok=${ok} err=${err}: both outcomes must be well covered`,
    );
  });
}

// The harness can fail: a handler that binds differently from the `def`
// is reported as a mismatch (guards against a comparison that always passes).
Deno.test("pyfunction differential: a wrong description is caught", () => {
  const tier = TIERS[0];
  const { api } = tier;
  const mismatches = tier.withGil((py) => {
    const g = api.PyDict.new(py);
    py.run(HARNESS, g);
    py.run(
      `def t0(a, b=2):\n    return _desc(t0, locals())\n_PARAMS["t0"] = _params(t0)`,
      g,
    );
    const ts = api.PyDict.new(py);
    ts.setItem(
      "t0",
      api.pyfunction(
        py,
        "t0(a, b=3)",
        ({ a, b }) => `a=${a.repr()}|b=${b.repr()}`,
      ),
    );
    g.setItem("_ts", ts);
    return py.eval(`_differential(["t0"], _ts, 20, 1)["mismatches"]`, g)
      .toJs() as unknown[];
  });
  assert.ok(mismatches.length > 0);
});
