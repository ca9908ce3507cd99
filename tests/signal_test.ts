// Issue 12, defect 5: Ctrl-C. SIGINT while the JS thread is inside
// Python.withGil raises KeyboardInterrupt there (a PyKeyboardInterrupt in
// JS); outside, Deno's default (the process ends, killed by SIGINT, or a
// Deno.addSignalListener listener runs). Each case runs in a child Deno
// process (tests/fixtures/signal_child.ts) that gets a real SIGINT after it
// prints a "ready" line, with a timeout so a hang fails instead of stalling.

import assert from "node:assert/strict";
import { Python } from "../mod.ts";
import { sigintActive, sigintChecked } from "../src/core/signals.ts";

const CHILD = new URL("./fixtures/signal_child.ts", import.meta.url).pathname;
const FLAGS = ["--allow-ffi", "--allow-env", "--allow-read", "--allow-run"];
const LINUX = Deno.build.os === "linux";
const decoder = new TextDecoder();

interface Out {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
  /** How many SIGINTs were sent. */
  sent: number;
}

/**
 * Run the child with `args` on `lib`; after each stdout line starting with
 * "ready", wait `delayMs` and send it SIGINT. Killed after `timeoutMs`.
 */
async function child(
  lib: string,
  args: string[],
  delayMs = 50,
  timeoutMs = 60_000,
): Promise<Out> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", ...FLAGS, CHILD, ...args],
    env: { PYTHON_LIBRARY: lib },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      proc.kill("SIGKILL");
    } catch { /* already ended */ }
  }, timeoutMs);
  const stderr = new Response(proc.stderr).text();
  let stdout = "";
  let pending = "";
  let sent = 0;
  try {
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        stdout += line + "\n";
        if (line.startsWith("ready")) {
          await new Promise((r) => setTimeout(r, delayMs));
          try {
            proc.kill("SIGINT");
            sent++;
          } catch { /* already ended */ }
        }
      }
    }
    const status = await proc.status;
    const out = {
      code: status.code,
      signal: status.signal,
      stdout: stdout + pending,
      stderr: await stderr,
      sent,
    };
    assert.ok(!timedOut, `timed out: ${JSON.stringify(out)}`);
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** The last stdout line, parsed; the child must have exited 0. */
function result(o: Out): Record<string, unknown> {
  assert.equal(o.code, 0, JSON.stringify(o));
  return JSON.parse(o.stdout.trim().split("\n").at(-1)!);
}

/** Ended as Deno ends a process on SIGINT: killed by it. */
function endedBySigint(o: Out, what: string): void {
  assert.equal(o.signal, "SIGINT", `${what}: ${JSON.stringify(o)}`);
  assert.equal(o.code, 130, `${what}: ${JSON.stringify(o)}`);
}

/** The pyenv CPython 3.8-3.13 shared libraries, as [minor, path]. */
function matrix(): [number, string][] {
  const root = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
  const found: [number, string][] = [];
  try {
    for (const e of Deno.readDirSync(`${root}/versions`)) {
      const m = /^3\.(\d+)\.\d+$/.exec(e.name);
      if (!m || Number(m[1]) < 8 || Number(m[1]) > 13) continue;
      const lib = `${root}/versions/${e.name}/lib/libpython3.${m[1]}.so`;
      try {
        Deno.statSync(lib);
        found.push([Number(m[1]), lib]);
      } catch { /* built without --enable-shared */ }
    }
  } catch { /* no pyenv */ }
  return found.sort((a, b) => a[0] - b[0]);
}

const all = matrix();
/** The oldest, 3.11 (else the middle one) and the newest of the matrix. */
const three = [
  ...new Set([
    all[0],
    all.find(([m]) => m === 11) ?? all[Math.floor(all.length / 2)],
    all.at(-1),
  ]),
].filter((v): v is [number, string] => v !== undefined);

/** `f` over `items`, at most `n` at a time (two cores are shared). */
async function pool<T, R>(
  items: T[],
  f: (t: T) => Promise<R>,
  n = 3,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

Deno.test({
  name:
    "signal: SIGINT during a Python loop is a PyKeyboardInterrupt, twice, and Python goes on working (3.8-3.13)",
  ignore: !LINUX || all.length === 0,
  async fn() {
    const outs = await pool(all, ([, lib]) => child(lib, ["loop", "2"]));
    all.forEach(([minor], i) => {
      const o = outs[i];
      assert.equal(o.sent, 2, `3.${minor}: ${JSON.stringify(o)}`);
      assert.deepEqual(result(o), {
        results: ["caught KeyboardInterrupt", "caught KeyboardInterrupt"],
        after: 42,
      }, `3.${minor}`);
    });
  },
});

Deno.test({
  name:
    "signal: the same after Deno installed its own SIGINT handler; time.sleep is interrupted; a handler Python sets runs inside Python only",
  ignore: !LINUX || three.length === 0,
  async fn() {
    await pool(three, async ([minor, lib]) => {
      const late = await child(lib, ["loop", "2", "late"]);
      assert.deepEqual(result(late), {
        results: ["caught KeyboardInterrupt", "caught KeyboardInterrupt"],
        after: 42,
      }, `3.${minor} late`);
      const sleep = await child(lib, ["sleep"]);
      assert.deepEqual(result(sleep), {
        got: "caught KeyboardInterrupt",
        fast: true,
        after: 42,
      }, `3.${minor} sleep`);
      const custom = await child(lib, ["custom"]);
      assert.equal(custom.sent, 2, JSON.stringify(custom));
      assert.ok(custom.stdout.includes('{"got":[2]}'), JSON.stringify(custom));
      endedBySigint(custom, `3.${minor} custom, outside Python`);
    });
  },
});

Deno.test({
  name:
    "signal: SIGINT outside Python ends the process as Deno's default, idle or in a busy JS loop, whichever handler came first",
  ignore: !LINUX || three.length === 0,
  async fn() {
    const cases = three.flatMap(([minor, lib]) =>
      ["idle", "idle-late", "idle-after", "busy"].map((mode) =>
        [minor, lib, mode] as const
      )
    );
    const outs = await pool(cases, ([, lib, mode]) => child(lib, [mode]));
    cases.forEach(([minor, , mode], i) => {
      const o = outs[i];
      assert.equal(o.sent, 1, JSON.stringify(o));
      assert.ok(!o.stdout.includes("ended"), JSON.stringify(o));
      endedBySigint(o, `3.${minor} ${mode}`);
    });
  },
});

Deno.test({
  name:
    "signal: a Deno.addSignalListener listener hears SIGINT outside Python; inside, it is a PyKeyboardInterrupt the listener does not hear",
  ignore: !LINUX || three.length === 0,
  async fn() {
    const outs = await pool(three, ([, lib]) => child(lib, ["listener"]));
    three.forEach(([minor], i) => {
      assert.deepEqual(result(outs[i]), {
        heardIdle: 1,
        inPython: "caught KeyboardInterrupt",
        heard: 1,
      }, `3.${minor}`);
    });
  },
});

Deno.test({
  name:
    "signal: _thread.interrupt_main() raises KeyboardInterrupt in the JS thread's Python code; getsignal(SIGINT) is default_int_handler (3.8-3.13)",
  ignore: !LINUX || all.length === 0,
  async fn() {
    const outs = await pool(all, ([, lib]) => child(lib, ["interrupt"]));
    all.forEach(([minor], i) => {
      assert.deepEqual(result(outs[i]), {
        got: "caught KeyboardInterrupt",
        handler: "default_int_handler",
        after: 42,
      }, `3.${minor}`);
    });
  },
});

Deno.test({
  name:
    "signal: SIGINT while JS code runs inside withGil is thrown when the scope ends (with err.ts's hook), else by the next Python code",
  ignore: !LINUX || three.length === 0,
  async fn() {
    Python.withGil(() => {}); // evaluates err.ts: is the hook registered?
    const checked = sigintChecked();
    const outs = await pool(three, ([, lib]) => child(lib, ["js-inside"]));
    three.forEach(([minor], i) => {
      assert.deepEqual(
        result(outs[i]),
        checked
          ? { scope: "caught KeyboardInterrupt", next: "42", after: 42 }
          : { scope: "returned", next: "caught KeyboardInterrupt", after: 42 },
        `3.${minor}`,
      );
    });
  },
});

Deno.test({
  name:
    "signal: outside Python.withGil the process's SIGINT disposition is what it was before (in this process)",
  ignore: !LINUX,
  fn() {
    const libc = Deno.dlopen("libc.so.6", {
      sigaction: { parameters: ["i32", "pointer", "buffer"], result: "i32" },
    });
    try {
      const handler = (): bigint => {
        const act = new BigUint64Array(32);
        assert.equal(libc.symbols.sigaction(2, null, act), 0);
        return act[0];
      };
      const before = handler();
      let inside = 0n;
      Python.withGil((py) => {
        inside = handler();
        py.run(
          "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)",
        );
      });
      assert.equal(sigintActive(), true);
      assert.notEqual(inside, before);
      assert.equal(handler(), before);
    } finally {
      libc.close();
    }
  },
});
