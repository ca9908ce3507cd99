// Issue 12: the embedded interpreter behaves as the same python3 would
// (sys.executable, output and atexit at exit, SIGXFSZ). Every case runs in
// a child Deno process (tests/fixtures/host_child.ts) with a timeout,
// because exit and signal behaviour can hang or kill the process.

import assert from "node:assert/strict";
import { Python } from "../mod.ts";
import {
  type ChildOutput,
  pyenvLibraries,
  runCommand,
} from "./fixtures/child.ts";

const CHILD = new URL("./fixtures/host_child.ts", import.meta.url).pathname;
const FLAGS = [
  "--allow-ffi",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-run",
];
/** Run `cmd` with `args` (without PYTHONUNBUFFERED), killed after `timeoutMs`. */
async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<ChildOutput> {
  const base = Deno.env.toObject();
  delete base.PYTHONUNBUFFERED; // the defect it hides is what is tested
  const res = await runCommand(cmd, args, {
    env: { ...base, ...env },
    clearEnv: true,
    timeoutMs,
  });
  assert.ok(!res.timedOut, `timed out: ${JSON.stringify(res)}`);
  return res;
}

function child(
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildOutput> {
  return run(Deno.execPath(), ["run", ...FLAGS, CHILD, ...args], env);
}

/** The library this run selected (PYTHON_LIBRARY, else discovery's). */
function selectedEnv(): Record<string, string> {
  const lib = Deno.env.get("PYTHON_LIBRARY");
  return lib ? { PYTHON_LIBRARY: lib } : {};
}

const versions = pyenvLibraries();

Deno.test({
  name:
    "host: sys.executable is the loaded library's interpreter, for every CPython in the matrix",
  ignore: versions.length === 0,
  async fn() {
    const results = await Promise.all(
      versions.map(([, lib]) => child(["exe"], { PYTHON_LIBRARY: lib })),
    );
    versions.forEach(([minor, lib], i) => {
      const o = results[i];
      assert.equal(o.code, 0, o.stdout + o.stderr);
      const got = JSON.parse(o.stdout.trim().split("\n").at(-1)!);
      const prefix = lib.slice(0, lib.lastIndexOf("/lib/"));
      assert.equal(got.version.minor, minor);
      assert.equal(got.executable, `${prefix}/bin/python3.${minor}`);
      assert.equal(got.base, got.executable);
      assert.equal(got.prefix, prefix);
      assert.deepEqual(got.argv, [""]);
      assert.equal(got.sub, `[3, ${minor}]`, o.stderr);
    });
  },
});

/** The first existing path of `paths`, else undefined. */
function existing(...paths: string[]): string | undefined {
  return paths.find((p) => {
    try {
      Deno.statSync(p);
      return true;
    } catch {
      return false;
    }
  });
}

const debian = existing(
  ...[13, 12, 11, 10, 9, 8].map((m) =>
    `/usr/lib/${Deno.build.arch}-linux-gnu/libpython3.${m}.so.1.0`
  ),
);

Deno.test({
  name:
    "host: Debian's /usr/lib/TRIPLET/libpython3.X.so.1.0 gives /usr/bin/python3.X",
  ignore: debian === undefined ||
    existing(`/usr/bin/python3.${/3\.(\d+)/.exec(debian!)?.[1]}`) ===
      undefined,
  async fn() {
    const minor = Number(/3\.(\d+)/.exec(debian!)![1]);
    const o = await child(["exe"], { PYTHON_LIBRARY: debian! });
    assert.equal(o.code, 0, o.stdout + o.stderr);
    const got = JSON.parse(o.stdout.trim().split("\n").at(-1)!);
    assert.equal(got.executable, `/usr/bin/python3.${minor}`);
    assert.equal(got.prefix, "/usr");
    assert.equal(got.sub, `[3, ${minor}]`);
  },
});

/** Run `cmd args`, its trimmed stdout (this test has no --allow-write). */
async function sh(cmd: string, ...args: string[]): Promise<string> {
  const o = await run(cmd, args);
  assert.equal(o.code, 0, o.stderr);
  return o.stdout.trim();
}

Deno.test({
  name: "host: inside a virtualenv, sys.executable is its bin/python, as there",
  ignore: existing(
    ...(Deno.env.get("PATH") ?? "").split(":").map((d) => `${d}/python3`),
  ) === undefined,
  async fn() {
    const dir = await sh("mktemp", "-d");
    try {
      const venv = `${dir}/venv`;
      await sh("python3", "-m", "venv", "--without-pip", venv);
      const code =
        "import sys, json; print(json.dumps([sys.executable, sys._base_executable, sys.prefix, sys.base_prefix, list(sys.version_info[:2])]))";
      const [exe, base, prefix, basePrefix, version] = JSON.parse(
        await sh(`${venv}/bin/python`, "-c", code),
      );
      const o = await child(["exe"], {
        VIRTUAL_ENV: venv,
        PATH: `${venv}/bin:${Deno.env.get("PATH") ?? ""}`,
        PYTHON_LIBRARY: "",
      });
      assert.equal(o.code, 0, o.stdout + o.stderr);
      const got = JSON.parse(o.stdout.trim().split("\n").at(-1)!);
      assert.equal(exe, `${venv}/bin/python`);
      assert.equal(got.executable, exe);
      assert.equal(got.base, base);
      assert.equal(got.prefix, prefix);
      assert.notEqual(basePrefix, prefix);
      assert.equal(got.sub, `[${version.join(", ")}]`);
    } finally {
      await sh("rm", "-rf", dir);
    }
  },
});

Deno.test("host: a multiprocessing 'spawn' Pool map returns", async () => {
  const o = await child(["pool"], selectedEnv());
  assert.equal(o.code, 0, o.stdout + o.stderr);
  assert.equal(o.stdout.trim(), "[-1,-2,-3]", o.stderr);
});

for (const end of ["natural", "exit", "throw"]) {
  Deno.test(`host: Python's buffered stdout/stderr reach a pipe at exit (${end} end)`, async () => {
    const o = await child(["print", end], selectedEnv());
    assert.equal(o.code, end === "throw" ? 1 : 0, o.stderr);
    const lines = o.stdout.split("\n");
    assert.equal(lines.length, 1001);
    assert.equal(lines[999], "line 999");
    assert.equal(lines[1000], "stdout-tail");
    if (end === "throw") {
      // flushed before Deno reports the error
      assert.match(o.stderr, /^stderr-line\nstderr-tail.*Uncaught.*uncaught/s);
    } else assert.equal(o.stderr, "stderr-line\nstderr-tail");
  });
}

const TMP = Deno.env.get("TMPDIR") || "/tmp";

for (
  const [end, status] of [["natural", 0], ["exit", 0], ["exit3", 3]] as const
) {
  Deno.test(`host: atexit handlers run at exit (${end} end), a failing one is reported`, async () => {
    // written by Python in the child (this test has no --allow-write)
    const file = `${TMP}/pyembed-host-atexit-${crypto.randomUUID()}`;
    try {
      const o = await child(["atexit", file, end], selectedEnv());
      assert.equal(o.code, status, o.stdout + o.stderr);
      assert.equal(await Deno.readTextFile(file), "atexit ran");
      assert.equal(o.stdout, "atexit printed");
      // handlers run last-registered first; the failing one after `done`
      assert.match(o.stderr, /ValueError: from an atexit handler/);
    } finally {
      await new Deno.Command("rm", { args: ["-f", file] }).output();
    }
  });
}

Deno.test("host: writing past RLIMIT_FSIZE raises OSError(EFBIG), SIGXFSZ is ignored", async () => {
  const cmd = [
    Deno.execPath(),
    "run",
    "--no-code-cache",
    ...FLAGS,
    CHILD,
    "efbig",
  ]
    .map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  // Deno itself must not write its cache under the limit: fill it first.
  const cached = await run(Deno.execPath(), ["cache", CHILD]);
  assert.equal(cached.code, 0, cached.stderr);
  // 1 block (512 bytes in dash, 1024 in bash); the child writes 100 KB
  const o = await run("sh", ["-c", `ulimit -f 1; exec ${cmd}`], selectedEnv());
  assert.equal(o.signal, null, o.stderr);
  assert.equal(o.code, 0, o.stdout + o.stderr);
  assert.equal(o.stdout.trim(), "EFBIG");
});

Deno.test("host: os.fork() raises RuntimeError naming subprocess and 'spawn'; subprocess works", async () => {
  const o = await child(["fork"], selectedEnv());
  assert.equal(o.signal, null, o.stderr);
  assert.equal(o.code, 0, o.stdout + o.stderr);
  const [fork, forkpty, pool, sub] = JSON.parse(o.stdout.trim());
  assert.match(
    fork,
    /^os\.fork\(\) is not available in Python embedded in Deno/,
  );
  assert.match(fork, /Use subprocess, or multiprocessing with the 'spawn'/);
  assert.equal(forkpty, fork);
  assert.equal(pool, `fork pool: ${fork.slice(0, 30)}`);
  assert.equal(sub, "42");
});

Deno.test("host: in this process too, sys.executable runs this version", () => {
  Python.withGil((py) => {
    const sys = py.import("sys");
    assert.equal(typeof sys.getattr("executable").toJs(), "string");
    assert.deepEqual(sys.getattr("argv").toJs(), [""]);
  });
});
