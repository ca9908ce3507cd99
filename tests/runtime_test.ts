// The runtime in-process: initialization, GIL scopes (re-entrancy, Promise
// callbacks), py.allowThreads with a real Python thread, the version, and
// numpy. Runs in both tiers. Needs --allow-ffi and, for discovery,
// --allow-env, --allow-read and --allow-run=python3. Picks up PYTHON_LIBRARY
// (the CI version matrix sets it).

import assert from "node:assert/strict";
import {
  Extract,
  type PyAny,
  PyDict,
  PyModule,
  Python as Stable,
  type PythonBase,
  type PythonVersion,
} from "../mod.ts";
import { Python as Experimental } from "../experimental/mod.ts";

/** What both tiers' `Python` classes offer. */
interface Tier {
  initialize(options?: { library?: string }): void;
  readonly version: PythonVersion;
  readonly libraryPath: string;
  withGil<R>(f: (py: PythonBase) => R): R;
}

const TIERS: [string, Tier][] = [["stable", Stable], [
  "experimental",
  Experimental,
]];

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Block the JS thread for `ms` without yielding to the event loop. */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

const isReleased = (e: unknown) =>
  e instanceof Error && /released/.test(e.message);
const isNoGil = (e: unknown) =>
  e instanceof Error && /without the GIL/.test(e.message);

let counters = 0;

/**
 * A Python thread, started from Python code, that counts while it can take
 * the GIL. `count()` reads the counter through the C API only (no bytecode
 * runs, so the GIL cannot be handed over while reading).
 */
class Counter {
  readonly module: string;
  constructor(tier: Tier) {
    this.module = `pyembed_counter_${++counters}`;
    tier.withGil((py) => {
      PyModule.fromCode(
        py,
        [
          "import threading, time",
          "state = {'n': 0, 'stop': False}",
          "def work():",
          "    while not state['stop']:",
          "        state['n'] += 1",
          "        time.sleep(0.0005)",
          "thread = threading.Thread(target=work, daemon=True)",
          "thread.start()",
        ].join("\n"),
        `${this.module}.py`,
        this.module,
      );
    });
  }
  count(py: PythonBase): number {
    const state = py.import(this.module).getattr("state").downcast(PyDict);
    return state.getItem("n")!.extract(Extract.int);
  }
  /** Wait until the thread has counted past `n` (GIL released meanwhile), or give up. */
  waitPast(tier: Tier, n: number): number {
    for (let i = 0; i < 200; i++) {
      const now = tier.withGil((py) => this.count(py));
      if (now > n) return now;
      sleepSync(5);
    }
    return n;
  }
  stop(tier: Tier): void {
    tier.withGil((py) => {
      const m = py.import(this.module);
      m.getattr("state").setItem("stop", true);
      m.getattr("thread").callMethod1("join", 5); // join releases the GIL while waiting
      assert.equal(
        m.getattr("thread").callMethod0("is_alive").extract(Extract.bool),
        false,
      );
    });
  }
}

for (const [name, Python] of TIERS) {
  Deno.test(`${name}: Python.initialize is idempotent`, () => {
    Python.initialize();
    const path = Python.libraryPath;
    const version = Python.version;
    Python.initialize();
    Python.initialize({ library: path });
    assert.equal(Python.libraryPath, path);
    assert.deepEqual(Python.version, version);
    assert.equal(
      Python.withGil((py) => py.eval("40 + 2").extract(Extract.int)),
      42,
    );
  });

  Deno.test(`${name}: Python.initialize with another library after start-up throws`, () => {
    Python.initialize();
    const other = "/elsewhere/libpython3.9.so";
    assert.throws(
      () => Python.initialize({ library: other }),
      (e: Error) =>
        e.message.includes(`already initialized from ${Python.libraryPath}`) &&
        e.message.includes(JSON.stringify(other)),
    );
    assert.notEqual(Python.libraryPath, other);
  });

  Deno.test(`${name}: Python.version matches sys.version_info and the loaded library`, () => {
    const v = Python.version;
    const [info, full] = Python.withGil((py) => [
      py.eval("list(__import__('sys').version_info[:3])").toJs(),
      py.import("sys").getattr("version").extract(Extract.str),
    ]);
    assert.deepEqual(info, [v.major, v.minor, v.micro]);
    assert.equal(full, v.full);
    assert.equal(v.major, 3);
    assert.ok(v.minor >= 8 && v.minor <= 13, `unsupported ${v.full}`);
    assert.ok(
      Python.libraryPath.includes(`libpython3.${v.minor}`),
      Python.libraryPath,
    );
    const selected = Deno.env.get("PYTHON_LIBRARY");
    if (selected) assert.equal(Python.libraryPath, selected);
  });

  Deno.test(`${name}: nested withGil shares the outer scope`, () => {
    let kept: PyAny | undefined;
    Python.withGil((outer) => {
      const list = outer.eval("[1, 2, 3]");
      const inner = Python.withGil((py) => {
        assert.equal(list.len(), 3); // an outer object, used inside
        list.callMethod1("append", 4);
        return py.eval("{'k': 'v'}");
      });
      // The nested call did not end the scope: its result is still alive.
      assert.equal(inner.getItem("k").extract(Extract.str), "v");
      assert.deepEqual(list.toJs(), [1, 2, 3, 4]);
      kept = inner;
    });
    assert.throws(() => kept!.len(), isReleased);
  });

  Deno.test(`${name}: a withGil callback returning a Promise is a TypeError, and the GIL is released`, () => {
    const counter = new Counter(Python);
    try {
      let leaked: PyAny | undefined;
      assert.throws(
        () =>
          Python.withGil((py) => {
            leaked = py.eval("[1]");
            return Promise.resolve(1);
          }),
        (e: Error) =>
          e instanceof TypeError &&
          /returned a Promise: GIL scopes are synchronous/.test(e.message),
      );
      assert.throws(
        () =>
          Python.withGil(async () => {
            await null;
            return 1;
          }),
        TypeError,
      );
      assert.throws(() => leaked!.len(), isReleased);
      // A later scope works, and between scopes the Python thread runs.
      const before = Python.withGil((py) => counter.count(py));
      assert.ok(
        counter.waitPast(Python, before) > before,
        "the Python thread made no progress after the error",
      );
    } finally {
      counter.stop(Python);
    }
  });

  Deno.test(`${name}: a Python thread runs between scopes and inside allowThreads, not while the GIL is held`, () => {
    const counter = new Counter(Python);
    try {
      const start = Python.withGil((py) => counter.count(py));
      // Between scopes the GIL is free.
      const between = counter.waitPast(Python, start);
      assert.ok(between > start, "no progress between withGil scopes");
      Python.withGil((py) => {
        // Held: the thread cannot count, however long JS waits.
        const a = counter.count(py);
        sleepSync(40);
        assert.equal(
          counter.count(py),
          a,
          "the thread ran while the GIL was held",
        );
        // Released by allowThreads: it counts while JS waits.
        const during = py.allowThreads(() => {
          sleepSync(40);
          return "done";
        });
        assert.equal(during, "done");
        assert.ok(counter.count(py) > a, "no progress during allowThreads");
      });
    } finally {
      counter.stop(Python);
    }
  });

  Deno.test(`${name}: Python objects and the token throw inside allowThreads, and work after it`, () => {
    Python.withGil((py) => {
      const list = py.eval("[1, 2]");
      assert.throws(() => py.allowThreads(() => list.len()), isNoGil);
      assert.throws(() => py.allowThreads(() => py.eval("1")), isNoGil);
      assert.throws(() => py.allowThreads(() => PyDict.new(py)), isNoGil);
      assert.throws(
        () => py.allowThreads(() => py.allowThreads(() => 1)),
        /without the GIL/,
      );
      assert.equal(list.len(), 2);
      // A new scope inside allowThreads takes the GIL again (PyO3's with_gil in allow_threads).
      const sum = py.allowThreads(() =>
        Python.withGil((py2) => py2.eval("20 + 22").extract(Extract.int))
      );
      assert.equal(sum, 42);
      assert.equal(list.len(), 2);
    });
  });
}

/** Is numpy installed for the loaded interpreter? (Found, not imported.) */
const hasNumpy = Stable.withGil((py) =>
  py.eval("__import__('importlib.util').util.find_spec('numpy') is not None")
    .isTruthy()
);

for (const [name, Python] of TIERS) {
  Deno.test({
    name: `${name}: import numpy works and computes`,
    ignore: !hasNumpy,
    fn() {
      Python.withGil((py) => {
        const np = py.import("numpy");
        assert.match(
          np.getattr("__version__").extract(Extract.str),
          /^\d+\.\d+/,
        );
        const a = np.callMethod1("arange", 10);
        assert.equal(a.callMethod0("sum").extract(Extract.int), 45);
        const m = np.callMethod1("array", [[2, 1], [1, 3]]);
        const det = np.getattr("linalg").callMethod1("det", m).extract(
          Extract.float,
        );
        assert.ok(Math.abs(det - 5) < 1e-9, `det = ${det}`);
        assert.deepEqual(
          np.callMethod1("dot", m, [1, 1]).callMethod0("tolist").toJs(),
          [3, 4],
        );
      });
    },
  });
}
