// Library discovery, through the public API (Python.initialize,
// Python.version, Python.libraryPath), for each source and each failure.
//
// CPython initializes once per process, so every case runs
// tests/fixtures/discover.ts in its own `deno run` with exactly the flags and
// environment (clearEnv) it is about. Needs --allow-run (the Deno binary,
// python3, the pyenv interpreters), --allow-read and --allow-env; files are
// only written by the python3 subprocesses (the temporary virtualenv).

import { runDeno } from "./fixtures/child.ts";
import assert from "node:assert/strict";
import { SYSTEM_LIBRARY_DIRS } from "../src/ffi/library.ts";

const FIXTURE = new URL("./fixtures/discover.ts", import.meta.url).pathname;
const FIXTURES = new URL("./fixtures", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;
const FFI_ONLY = ["--allow-ffi"];
const ENV_VARS = "--allow-env=PYTHON_LIBRARY,VIRTUAL_ENV,PYEMBED_DEBUG";
/** Makes every system library directory look empty, whatever is installed. */
const HIDE_SYSTEM = `--ignore-read=${SYSTEM_LIBRARY_DIRS.join(",")}`;

interface Outcome {
  code: number;
  stderr: string;
  ok: boolean;
  message?: string;
  path?: string;
  tier?: string;
  version?: { major: number; minor: number; micro: number; full: string };
  versionInfo?: number[];
  sysVersion?: string;
  sysPath?: string[];
  imported?: { ok: boolean; file?: string; value?: unknown; error?: string };
}

const decoder = new TextDecoder();

/** What the child inherits besides the variables under test. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PYENV_ROOT"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Run the fixture in a fresh Deno with `flags` and exactly `env`. */
async function discover(
  flags: string[],
  env: Record<string, string>,
  args: string[] = [],
): Promise<Outcome> {
  const out = await runDeno(
    ["run", "--no-config", ...flags, FIXTURE, ...args],
    {
      cwd: ROOT,
      env: { ...baseEnv(), ...env },
      clearEnv: true,
      timeoutMs: 120_000, // killed, not waited for, if discovery hangs
    },
  );
  const stdout = out.stdout;
  const stderr = out.timedOut ? `timed out\n${out.stderr}` : out.stderr;
  const line = stdout.trim().split("\n").at(-1) ?? "";
  let parsed: Omit<Outcome, "code" | "stderr">;
  try {
    parsed = JSON.parse(line);
  } catch {
    assert.fail(
      `fixture printed no JSON (exit ${out.code}).\nstdout: ${stdout}\nstderr: ${stderr}`,
    );
  }
  return { ...parsed, code: out.code, stderr };
}

type Loaded = Outcome & Required<Pick<Outcome, "path" | "version">>;

function loaded(o: Outcome): Loaded {
  if (!o.ok) {
    assert.fail(
      `expected CPython to load, got exit ${o.code}: ${o.message}\n${o.stderr}`,
    );
  }
  assert.equal(o.code, 0);
  return o as Loaded;
}

function failed(o: Outcome): string {
  if (o.ok) assert.fail(`expected discovery to fail, but it loaded ${o.path}`);
  assert.equal(o.code, 1);
  return o.message ?? "";
}

/** Run the fixture as `discover` does and expect it to fail; the message. */
async function failure(
  flags: string[],
  env: Record<string, string>,
  args: string[] = [],
): Promise<string> {
  return failed(await discover(flags, env, args));
}

/** `text` appears in the child's stderr (the debug log). */
function assertLogged(stderr: string, text: string): void {
  assert.ok(stderr.includes(text), stderr);
}

/** Broad permissions, with the system library directories hidden. */
const HIDDEN = ["--allow-ffi", "--allow-env", "--allow-read", HIDE_SYSTEM];
const HIDDEN_WITH_RUN = [...HIDDEN, "--allow-run=python3"];

/** Load from PYTHON_LIBRARY=`path` alone; the failure message, checked to start with `prefix` then `rest`. */
async function libraryFailure(path: string, rest = ""): Promise<string> {
  const message = await failure(["--allow-ffi", ENV_VARS], {
    PATH: emptyBin,
    PYTHON_LIBRARY: path,
  });
  assert.ok(
    message.startsWith(
      `Could not load CPython from PYTHON_LIBRARY (${path})${rest}`,
    ),
    message,
  );
  return message;
}

/** Python.version must agree with the interpreter's own sys.version_info. */
function assertVersionConsistent(o: Outcome): void {
  const v = o.version!;
  assert.deepEqual(o.versionInfo, [v.major, v.minor, v.micro]);
  assert.equal(o.sysVersion, v.full);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function runSync(exe: string, args: string[]) {
  try {
    const out = new Deno.Command(exe, {
      args,
      stdout: "piped",
      stderr: "piped",
    })
      .outputSync();
    return {
      ok: out.success,
      stdout: decoder.decode(out.stdout).trim(),
      stderr: decoder.decode(out.stderr).trim(),
    };
  } catch (e) {
    return { ok: false, stdout: "", stderr: String(e) };
  }
}

/** The library the python3 on PATH reports, as discovery should find it. */
function python3Library(): { path: string; minor: number } | undefined {
  const r = runSync("python3", [
    "-c",
    "import sys, sysconfig as s; v = s.get_config_var; " +
    "print(v('LIBDIR')); print(v('LDLIBRARY')); print(v('INSTSONAME')); print(sys.version_info[1])",
  ]);
  if (!r.ok) return undefined;
  const [libdir, ldlibrary, soname, minor] = r.stdout.split("\n");
  const path = [`${libdir}/${ldlibrary}`, `${libdir}/${soname}`].find(exists);
  return path ? { path, minor: Number(minor) } : undefined;
}

/** pyenv's libpython3.X.so for 3.8 to 3.13, by minor version. */
function pyenvLibraries(): Map<number, string> {
  const root = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
  const libs = new Map<number, string>();
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(`${root}/versions`)];
  } catch {
    return libs;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const m = /^3\.(\d+)\.\d+$/.exec(e.name);
    const minor = Number(m?.[1]);
    const path = `${root}/versions/${e.name}/lib/libpython3.${minor}.so`;
    if (m && minor >= 8 && minor <= 13 && exists(path)) libs.set(minor, path);
  }
  return libs;
}

/** The first library the system-path step would find, if any. */
function systemLibrary(): string | undefined {
  for (const dir of SYSTEM_LIBRARY_DIRS) {
    for (const minor of [13, 12, 11, 10, 9, 8]) {
      for (
        const name of [`libpython3.${minor}.so`, `libpython3.${minor}.so.1.0`]
      ) {
        if (exists(`${dir}/${name}`)) return `${dir}/${name}`;
      }
    }
  }
  return undefined;
}

const PATH = Deno.env.get("PATH") ?? "";
const onPath = python3Library();
const pyenv = pyenvLibraries();
/** The library the version matrix selected (.ci/run), else python3's. */
const selected = Deno.env.get("PYTHON_LIBRARY") || onPath?.path;
const systemLib = systemLibrary();
const noPython3 = !onPath;
/** A PATH with no python3 on it. */
const emptyBin = FIXTURES;

// --- sources ---------------------------------------------------------------

Deno.test({
  name:
    "discovery: options.library loads each pyenv CPython 3.8-3.13 with only --allow-ffi",
  ignore: pyenv.size === 0,
  async fn() {
    for (const [minor, lib] of pyenv) {
      const o = loaded(
        await discover(FFI_ONLY, { PATH: emptyBin }, [`--library=${lib}`]),
      );
      assert.equal(o.path, lib);
      assert.equal(o.version.major, 3);
      assert.equal(o.version.minor, minor, `${lib} reported ${o.version.full}`);
      assertVersionConsistent(o);
    }
  },
});

Deno.test({
  name: "discovery: options.library works in the experimental tier",
  ignore: !selected,
  async fn() {
    const o = loaded(
      await discover(FFI_ONLY, { PATH: emptyBin }, [
        `--library=${selected}`,
        "--tier=experimental",
      ]),
    );
    assert.equal(o.tier, "experimental");
    assert.equal(o.path, selected);
    assertVersionConsistent(o);
  },
});

Deno.test({
  name:
    "discovery: PYTHON_LIBRARY needs only --allow-env=PYTHON_LIBRARY, and wins over python3",
  ignore: pyenv.size === 0,
  async fn() {
    // A version other than python3's, so taking python3's would show.
    const [minor, lib] = [...pyenv].find(([m]) => m !== onPath?.minor) ??
      [...pyenv][0];
    const o = loaded(
      await discover([
        "--allow-ffi",
        "--allow-env=PYTHON_LIBRARY",
        "--allow-run=python3",
      ], {
        PATH,
        PYTHON_LIBRARY: lib,
      }),
    );
    assert.equal(o.path, lib);
    assert.equal(o.version.minor, minor);
    assertVersionConsistent(o);
  },
});

Deno.test({
  name:
    "discovery: the python3 on PATH is asked for its library (--allow-run=python3)",
  ignore: noPython3,
  async fn() {
    const o = loaded(
      await discover(["--allow-ffi", ENV_VARS, "--allow-run=python3"], {
        PATH,
        PYEMBED_DEBUG: "1",
      }),
    );
    assert.equal(o.path, onPath!.path);
    assert.equal(o.version.minor, onPath!.minor);
    assertVersionConsistent(o);
    assert.match(o.stderr, /\[pyembed\] PYTHON_LIBRARY is not set/);
    assert.ok(
      o.stderr.includes(
        `[pyembed] loaded ${onPath!.path} (from python3 on PATH, Python 3.${
          onPath!.minor
        })`,
      ),
      o.stderr,
    );
  },
});

Deno.test({
  name:
    "discovery: a virtualenv's python3 finds the library and its site-packages is importable",
  ignore: noPython3,
  async fn(t) {
    // python3 writes the files, so the test itself needs no --allow-write.
    const tmp = runSync("python3", [
      "-c",
      "import tempfile; print(tempfile.mkdtemp(prefix='pyembed-venv-'))",
    ]);
    assert.ok(tmp.ok, tmp.stderr);
    try {
      await venvCases(t, `${tmp.stdout}/venv`);
    } finally {
      runSync("python3", [
        "-c",
        "import shutil, sys; shutil.rmtree(sys.argv[1])",
        tmp.stdout,
      ]);
    }
  },
});

async function venvCases(t: Deno.TestContext, venv: string): Promise<void> {
  const made = runSync("python3", ["-m", "venv", "--without-pip", venv]);
  assert.ok(made.ok, made.stderr);
  const written = runSync(`${venv}/bin/python3`, [
    "-c",
    "import pathlib, sysconfig; p = pathlib.Path(sysconfig.get_path('purelib')); " +
    "(p / 'pyembed_venv_probe.py').write_text('VALUE = \"from the venv\"\\n'); print(p)",
  ]);
  assert.ok(written.ok, written.stderr);
  const purelib = written.stdout;
  assert.ok(purelib.startsWith(venv), purelib);
  const probe = ["--import=pyembed_venv_probe"];
  const activated = { PATH: `${venv}/bin:${PATH}`, VIRTUAL_ENV: venv };

  await t.step("VIRTUAL_ENV set and activated", async () => {
    const o = loaded(
      await discover(["--allow-ffi", ENV_VARS, "--allow-run=python3"], {
        ...activated,
        PYEMBED_DEBUG: "1",
      }, probe),
    );
    assert.equal(o.path, onPath!.path);
    assert.deepEqual(o.imported, {
      ok: true,
      file: `${purelib}/pyembed_venv_probe.py`,
      value: "from the venv",
    });
    assertLogged(o.stderr, `(from VIRTUAL_ENV (${venv}/bin/python3)`);
    assertLogged(o.stderr, `added virtualenv site-packages ${purelib}`);
    // The virtualenv's packages come before the base interpreter's.
    const sysPath = o.sysPath ?? [];
    const base = sysPath.findIndex((p) =>
      p !== purelib && /(site|dist)-packages$/.test(p)
    );
    assert.ok(sysPath.includes(purelib), sysPath.join(":"));
    assert.ok(
      base === -1 || sysPath.indexOf(purelib) < base,
      sysPath.join(":"),
    );
  });

  await t.step(
    "activated, VIRTUAL_ENV not readable: python3 on PATH reports the site-packages",
    async () => {
      const o = loaded(
        await discover(
          [
            "--allow-ffi",
            "--allow-env=PYTHON_LIBRARY",
            "--allow-run=python3",
          ],
          activated,
          probe,
        ),
      );
      assert.equal(o.imported?.value, "from the venv");
    },
  );

  await t.step(
    "PYTHON_LIBRARY with VIRTUAL_ENV set: the site-packages still counts",
    async () => {
      const o = loaded(
        await discover(["--allow-ffi", ENV_VARS], {
          ...activated,
          PYTHON_LIBRARY: onPath!.path,
        }, probe),
      );
      assert.equal(o.path, onPath!.path);
      assert.equal(o.imported?.value, "from the venv");
    },
  );

  await t.step(
    "control: without the virtualenv the module is not importable",
    async () => {
      const o = loaded(
        await discover(["--allow-ffi", ENV_VARS, "--allow-run=python3"], {
          PATH,
        }, probe),
      );
      assert.equal(o.imported?.ok, false);
      assert.match(
        o.imported?.error ?? "",
        /No module named 'pyembed_venv_probe'/,
      );
    },
  );
}

Deno.test({
  name: `discovery: system paths find ${
    systemLib ?? "(no system libpython installed)"
  }`,
  ignore: systemLib === undefined,
  async fn() {
    const o = loaded(
      await discover([
        "--allow-ffi",
        ENV_VARS,
        "--allow-read",
        "--allow-run=python3",
      ], {
        PATH: emptyBin,
        PYEMBED_DEBUG: "1",
      }),
    );
    assert.equal(o.path, systemLib);
    assertVersionConsistent(o);
    assertLogged(o.stderr, `loaded ${systemLib} (from system path)`);
    // PATH itself is not readable with these flags, so absence is not proven.
    assertLogged(
      o.stderr,
      "python3 on PATH: not run (no run permission for it, or no python3 on PATH)",
    );
  },
});

Deno.test({
  name:
    "discovery: with no system libpython installed, the error lists every directory searched",
  ignore: systemLib !== undefined,
  async fn() {
    const message = failed(
      await discover([
        "--allow-ffi",
        "--allow-env",
        "--allow-read",
        "--allow-run=python3",
      ], { PATH: emptyBin }),
    );
    assert.match(message, /no libpython3\.8 to libpython3\.13 in/);
    for (const dir of SYSTEM_LIBRARY_DIRS) {
      assert.ok(message.includes(dir), dir);
    }
  },
});

// --- failures --------------------------------------------------------------

Deno.test("discovery fails: without --allow-ffi, naming the flag", async () => {
  for (
    const [flags, args] of [
      [["--allow-env", "--allow-read", "--allow-run=python3"], []],
      [[], selected ? [`--library=${selected}`] : []],
    ]
  ) {
    const message = failed(await discover(flags, { PATH }, args));
    assert.match(
      message,
      /^Loading CPython needs FFI access: run with --allow-ffi\./,
    );
  }
});

Deno.test({
  name:
    "discovery fails: --allow-ffi scoped to the library is not enough, and says so",
  ignore: !selected,
  async fn() {
    const message = failed(
      await discover([`--allow-ffi=${selected}`], { PATH: emptyBin }, [
        `--library=${selected}`,
      ]),
    );
    assert.match(
      message,
      /run with --allow-ffi\. It cannot be narrowed to the library's path/,
    );
    assert.match(message, /UnsafePointerView/);
  },
});

Deno.test("discovery fails: PYTHON_LIBRARY set but unreadable names --allow-env=PYTHON_LIBRARY", async () => {
  const message = failed(
    await discover(FFI_ONLY, {
      PATH: emptyBin,
      PYTHON_LIBRARY: selected ?? "/usr/lib/libpython3.11.so",
    }),
  );
  assert.match(message, /^Could not find a CPython shared library/);
  assert.match(
    message,
    /- PYTHON_LIBRARY: not read \(no env permission for it\)/,
  );
  assert.match(message, /run with --allow-env=PYTHON_LIBRARY and set it/);
});

Deno.test({
  name: "discovery fails: without --allow-run=python3, naming the flag",
  ignore: noPython3,
  async fn() {
    const message = await failure(HIDDEN, { PATH });
    assert.match(
      message,
      /- python3 on PATH: not run \(no run permission for it\)\n/,
    );
    assert.match(
      message,
      /to ask python3 where its library is, run with --allow-run=python3/,
    );
  },
});

Deno.test("discovery fails: without --allow-read, the system paths are reported unsearched", async () => {
  const message = failed(
    await discover(["--allow-ffi", "--allow-env", "--allow-run=python3"], {
      PATH: emptyBin,
    }),
  );
  // Without read permission PATH cannot be searched either: both causes named.
  assert.ok(
    message.includes(
      "- python3 on PATH: not run (no run permission for it, or no python3 on PATH)\n",
    ),
  );
  assert.match(message, /not searched \(no read permission\)/);
  for (const dir of SYSTEM_LIBRARY_DIRS) assert.ok(message.includes(dir), dir);
  assert.match(
    message,
    /to search the system library directories, run with --allow-read/,
  );
});

Deno.test("discovery fails: a PYTHON_LIBRARY that does not exist, by path and reason", async () => {
  const path = `${FIXTURES}/missing/libpython3.11.so`;
  const message = await libraryFailure(path, ": the file does not exist.");
  assert.match(
    message,
    /set PYTHON_LIBRARY to the path of a libpython3\.X\.so \(CPython 3\.8 to 3\.13\), or unset it/,
  );
});

Deno.test("discovery fails: a PYTHON_LIBRARY that is not a library, by path and reason", async () => {
  const cases: [string, RegExp][] = [
    [FIXTURE, /: it is not a shared library \(invalid ELF header\)\./],
    [FIXTURES, /: it is a directory, not a library file\./],
  ];
  const libc = [
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/aarch64-linux-gnu/libc.so.6",
    "/lib64/libc.so.6",
  ]
    .find(exists);
  if (libc) cases.push([libc, /: it is a shared library, but not CPython's/]);
  for (const [path, reason] of cases) {
    assert.match(await libraryFailure(path), reason);
  }
});

Deno.test({
  name:
    "discovery fails: a wrong options.library is reported, never silently replaced",
  ignore: noPython3,
  async fn() {
    const path = `${FIXTURES}/nowhere/libpython3.12.so`;
    const message = failed(
      await discover(
        ["--allow-ffi", ENV_VARS, "--allow-read", "--allow-run=python3"],
        { PATH },
        [
          `--library=${path}`,
        ],
      ),
    );
    assert.ok(
      message.startsWith(
        `Could not load CPython from options.library (${path}): the file does not exist.`,
      ),
    );
    assert.match(
      message,
      /pass Python\.initialize\(\{ library \}\) the path of a libpython3\.X\.so/,
    );
  },
});

Deno.test("discovery fails: no python3 and no system library names the package to install", async () => {
  const message = await failure(HIDDEN_WITH_RUN, { PATH: emptyBin });
  assert.match(message, /- python3 on PATH: no python3 found on PATH\n/);
  assert.match(message, /no libpython3\.8 to libpython3\.13 in /);
  for (const dir of SYSTEM_LIBRARY_DIRS) assert.ok(message.includes(dir), dir);
  assert.match(
    message,
    /Debian\/Ubuntu: apt-get install libpython3\.X \(libpython3\.11 on Debian 12\)/,
  );
  assert.match(
    message,
    /Python\.initialize\(\{ library: "\/path\/to\/libpython3\.X\.so" \}\)/,
  );
});

Deno.test("discovery fails: a python3 without its shared library names the matching package", async () => {
  // A stand-in python3 like Debian's without the libpython3.12 package.
  const bin = `${FIXTURES}/fake-python`;
  const message = await failure(HIDDEN_WITH_RUN, { PATH: bin });
  assert.match(
    message,
    /- python3 on PATH, Python 3\.12: \/nonexistent\/lib\/libpython3\.12\.so: the file does not exist/,
  );
  assert.match(message, /Debian\/Ubuntu: apt-get install libpython3\.12;/);
});

// --- PYEMBED_DEBUG -----------------------------------------------------------

Deno.test({
  name:
    "discovery: PYEMBED_DEBUG logs which library loaded and why, and only when set",
  ignore: !selected,
  async fn() {
    const flags = ["--allow-ffi", "--allow-env=PYTHON_LIBRARY,PYEMBED_DEBUG"];
    const on = loaded(
      await discover(flags, {
        PATH: emptyBin,
        PYTHON_LIBRARY: selected!,
        PYEMBED_DEBUG: "1",
      }),
    );
    assertLogged(
      on.stderr,
      `[pyembed] loaded ${selected} (from PYTHON_LIBRARY)`,
    );
    assertLogged(on.stderr, `initialized from ${selected} (PYTHON_LIBRARY)`);
    const off = loaded(
      await discover(flags, { PATH: emptyBin, PYTHON_LIBRARY: selected! }),
    );
    assert.equal(off.path, selected);
    assert.doesNotMatch(off.stderr, /\[pyembed\]/);
  },
});

Deno.test("discovery: PYEMBED_DEBUG explains each skipped source", async () => {
  const o = await discover([
    "--allow-ffi",
    "--allow-env",
    "--allow-run=python3",
  ], {
    PATH: emptyBin,
    PYEMBED_DEBUG: "1",
  });
  failed(o);
  assert.match(o.stderr, /\[pyembed\] PYTHON_LIBRARY is not set/);
  assert.match(
    o.stderr,
    /\[pyembed\] python3 on PATH: not run/,
  );
  assert.match(
    o.stderr,
    /\[pyembed\] system paths: .* not searched \(no read permission\)/,
  );
});
