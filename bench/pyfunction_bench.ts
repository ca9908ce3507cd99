// Calling a TypeScript function from Python, per call, against a pure-Python
// function of the same signature (the baseline). Each bench runs a Python
// `for` loop of N calls, so the per-call cost dominates; divide by N.
// Run: deno bench --allow-ffi --allow-env --allow-read --allow-run=python3 bench/pyfunction_bench.ts
//
// The "callback floor" groups put `pyfunction` beside the least any
// TypeScript function called from Python can cost: a raw `Deno.UnsafeCallback`
// behind a `PyMethodDef` (`METH_FASTCALL`, `(self, args, nargs)`) in memory,
// made into a `PyCFunction` as the library makes its functions, doing nothing
// but returning `None` (issue 13: pyfunction at most 2x that floor, with the
// same arity).

import * as stable from "../mod.ts";
import * as experimental from "../experimental/mod.ts";
import { rawIntern, rt, ssize, sym } from "./_common.ts";

const N = 10_000;

const SETUP = String.raw`
def _bench_py_noargs():
    return None
def _bench_py_pos(a, b, c):
    return a
def _bench_py_kw(a, *, scale=1, offset=0):
    return a
def _bench_py_var(*args, **kwargs):
    return len(args)

def _bench_loop_noargs(f):
    for _ in range(${N}):
        f()
def _bench_loop_pos(f):
    for i in range(${N}):
        f(i, 2, 3)
def _bench_loop_kw(f):
    for i in range(${N}):
        f(i, scale=2, offset=3)
def _bench_loop_var(f):
    for i in range(${N}):
        f(i, 2, x=1, y=2)
def _bench_loop_floor0(f):
    for _ in range(${N}):
        f()
def _bench_loop_floor3(f):
    for _ in range(${N}):
        f(1, 2, 3)
`;

// --- the raw floor: one UnsafeCallback, METH_FASTCALL, returns None ---------
const METH_FASTCALL = 0x80;
const none = rt.none;
const rawCallback = new Deno.UnsafeCallback(
  { parameters: ["pointer", "pointer", "isize"], result: "pointer" } as const,
  (_self, _args, _nargs): Deno.PointerValue => {
    sym.Py_IncRef(none);
    return none;
  },
);
rawCallback.unref();

/**
 * Store, as `__main__.<name>`, a `PyCFunction` over a calloc'ed `PyMethodDef`
 * (both kept for the process) whose `ml_meth` is the raw callback.
 */
function rawFunction(globals: Deno.PointerObject, name: string): void {
  const nameBytes = new TextEncoder().encode(name + "\0");
  const namePtr = sym.calloc(BigInt(nameBytes.length), 1n)!;
  sym.memcpyTo(namePtr, nameBytes, ssize(nameBytes.length));
  const def = sym.calloc(1n, 32n)!;
  const buf = new DataView(new ArrayBuffer(32));
  buf.setBigUint64(0, BigInt(Deno.UnsafePointer.value(namePtr)), true);
  buf.setBigUint64(
    8,
    BigInt(Deno.UnsafePointer.value(rawCallback.pointer)),
    true,
  );
  buf.setInt32(16, METH_FASTCALL, true);
  sym.memcpyTo(def, new Uint8Array(buf.buffer), ssize(32));
  const f = sym.PyCFunction_NewEx(def, null, null);
  if (f === null) throw new Error("PyCFunction_NewEx failed");
  const key = rawIntern(name);
  if (sym.PyDict_SetItem(globals, key, f) !== 0) {
    throw new Error("PyDict_SetItem failed");
  }
  sym.Py_DecRef(f);
}

stable.Python.withGil((py) => {
  const g = py.import("__main__").dict();
  py.run(SETUP);
  rawFunction(g.unsafePtr, "_bench_raw_floor");
  g.setItem("_bench_pool_floor0", stable.pyfunction(py, "f()", () => null));
  g.setItem(
    "_bench_pool_floor3",
    stable.pyfunction(py, "f(a, b, c)", () => null),
  );
  experimental.Python.withGil((p) => {
    g.setItem(
      "_bench_owned_floor0",
      experimental.pyfunction(p, "f()", () => null),
    );
    g.setItem(
      "_bench_owned_floor3",
      experimental.pyfunction(p, "f(a, b, c)", () => null),
    );
  });
  const tiers = [["pool", stable], ["owned", experimental]] as const;
  for (const [tier, api] of tiers) {
    const make = (p: stable.PythonBase) => {
      g.setItem(
        `_bench_${tier}_noargs`,
        api.pyfunction(p, "noargs()", () => null),
      );
      g.setItem(
        `_bench_${tier}_pos`,
        api.pyfunction(p, "pos(a, b, c)", ({ a }) => a),
      );
      g.setItem(
        `_bench_${tier}_kw`,
        api.pyfunction(p, "kw(a, *, scale=1, offset=0)", ({ a }) => a),
      );
      g.setItem(
        `_bench_${tier}_var`,
        api.pyfunction(p, "var(*args, **kwargs)", ({ args }) => args.len()),
      );
    };
    if (tier === "pool") make(py);
    else experimental.Python.withGil((p) => make(p));
  }
});

// The floor groups: raw UnsafeCallback (baseline) against pyfunction, same arity.
for (const arity of [0, 3] as const) {
  const group = `callback floor: f(${
    arity === 0 ? "" : "1, 2, 3"
  }) from a Python loop (x${N})`;
  const loop = `_bench_loop_floor${arity}`;
  Deno.bench({
    name: "raw UnsafeCallback",
    group,
    baseline: true,
    fn: () => {
      stable.Python.withGil((py) => {
        py.eval(`${loop}(_bench_raw_floor)`);
      });
    },
  });
  Deno.bench({
    name: "pool",
    group,
    fn: () => {
      stable.Python.withGil((py) => {
        py.eval(`${loop}(_bench_pool_floor${arity})`);
      });
    },
  });
  Deno.bench({
    name: "owned",
    group,
    fn: () => {
      experimental.Python.withGil((py) => {
        using _ = py.eval(`${loop}(_bench_owned_floor${arity})`);
      });
    },
  });
}

const shapes = [
  ["no args", "noargs"],
  ["positional args f(i, 2, 3)", "pos"],
  ["keyword args f(i, scale=2, offset=3)", "kw"],
  ["*args/**kwargs f(i, 2, x=1, y=2)", "var"],
] as const;

for (const [title, key] of shapes) {
  const group = `pyfunction call from Python: ${title} (x${N})`;
  Deno.bench({
    name: "python def",
    group,
    baseline: true,
    fn: () => {
      stable.Python.withGil((py) => {
        py.eval(`_bench_loop_${key}(_bench_py_${key})`);
      });
    },
  });
  Deno.bench({
    name: "pool",
    group,
    fn: () => {
      stable.Python.withGil((py) => {
        py.eval(`_bench_loop_${key}(_bench_pool_${key})`);
      });
    },
  });
  Deno.bench({
    name: "owned",
    group,
    fn: () => {
      experimental.Python.withGil((py) => {
        using _ = py.eval(`_bench_loop_${key}(_bench_owned_${key})`);
      });
    },
  });
}
