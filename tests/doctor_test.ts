// `deno task doctor` (tools/doctor.ts), run as the task runs it: the flags are
// read from deno.json, so the task's narrow permissions are what is tested.
// Needs --allow-run (the Deno binary, python3), --allow-read and --allow-env.

import { runDeno } from "./fixtures/child.ts";
import assert from "node:assert/strict";
import { SYSTEM_LIBRARY_DIRS } from "../src/ffi/library.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** The doctor task's command line, from deno.json. */
function doctorArgs(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
  const [deno, ...args] = String(config.tasks?.doctor ?? "").trim().split(
    /\s+/,
  );
  assert.equal(deno, "deno", `unexpected doctor task: ${config.tasks?.doctor}`);
  assert.equal(args[0], "run");
  assert.ok(
    !args.includes("-A") && !args.includes("--allow-all"),
    "the doctor task must not use -A",
  );
  return args;
}

async function doctor(env: Record<string, string>) {
  const base: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PYENV_ROOT"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) base[name] = value;
  }
  const out = await runDeno(doctorArgs(), {
    cwd: ROOT,
    env: { ...base, ...env },
    clearEnv: true,
    timeoutMs: 120_000, // killed, not waited for, if the doctor hangs
  });
  return {
    code: out.code,
    stdout: out.stdout,
    stderr: out.timedOut ? `timed out\n${out.stderr}` : out.stderr,
  };
}

function python3(code: string): string | undefined {
  try {
    const out = new Deno.Command("python3", {
      args: ["-c", code],
      stdout: "piped",
      stderr: "null",
    })
      .outputSync();
    return out.success ? decoder.decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** A "label  value" line of the doctor's output. */
function field(stdout: string, label: string): string | undefined {
  const line = stdout.split("\n").find((l) =>
    l.startsWith(`  ${label.padEnd(14)} `)
  );
  return line?.slice(17);
}

const PATH = Deno.env.get("PATH") ?? "";
const python3Info = python3(
  "import sys, sysconfig as s, os; v = s.get_config_var; " +
    "lib = os.path.join(v('LIBDIR'), v('LDLIBRARY')); " +
    "print(lib if os.path.exists(lib) else os.path.join(v('LIBDIR'), v('INSTSONAME'))); " +
    "print('%d.%d.%d' % sys.version_info[:3]); print(sys.base_prefix)",
)?.split("\n");
const python3Numpy = python3("import numpy; print(numpy.__version__)");

Deno.test({
  name:
    "doctor: reports the python3 on PATH, its version, prefix, numpy and the permissions",
  ignore: python3Info === undefined,
  async fn() {
    const [lib, version, prefix] = python3Info!;
    const { code, stdout, stderr } = await doctor({ PATH });
    assert.equal(code, 0, stdout + stderr);
    assert.equal(field(stdout, "library"), lib);
    assert.equal(
      field(stdout, "found by"),
      `python3 on PATH, Python ${version.split(".").slice(0, 2).join(".")}`,
    );
    assert.ok(field(stdout, "version")?.startsWith(`${version} `), stdout);
    assert.equal(field(stdout, "sys.prefix"), prefix);
    const minor = version.split(".").slice(0, 2).join(".");
    assert.equal(
      field(stdout, "sys.executable"),
      `${prefix}/bin/python${minor}`,
    );
    assert.equal(
      field(stdout, "interpreter"),
      `runs Python ${version}, as the library`,
    );
    assert.ok(field(stdout, "site-packages")?.startsWith(prefix), stdout);
    // The directories permissions: "deno" lets Python read: the stdlib's among them.
    assert.ok(field(stdout, "implied read")?.startsWith(prefix), stdout);
    assert.match(stdout, /\(readable by Python under permissions: "deno"\)/);
    if (python3Numpy) assert.equal(field(stdout, "numpy"), python3Numpy);
    else {assert.match(
        field(stdout, "numpy") ?? "",
        /^not importable \(No module named 'numpy'\)/,
      );}
    assert.equal(field(stdout, "ffi"), "granted");
    assert.equal(
      field(stdout, "env"),
      "granted for PYTHON_LIBRARY, VIRTUAL_ENV, PYEMBED_DEBUG",
    );
    assert.equal(field(stdout, "run"), "granted for python3");
    assert.equal(
      field(stdout, "read"),
      `granted for ${SYSTEM_LIBRARY_DIRS.join(", ")}`,
    );
  },
});

/** A pyenv CPython other than 3.11 (python3's), as [library, version]. */
function otherPyenv(): [string, string] | undefined {
  const root = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
  let found: [string, string] | undefined;
  try {
    for (const e of Deno.readDirSync(`${root}/versions`)) {
      const m = /^3\.(8|9|10|12|13)\.\d+$/.exec(e.name);
      const path = `${root}/versions/${e.name}/lib/libpython3.${m?.[1]}.so`;
      if (!m) continue;
      try {
        Deno.statSync(path);
        found = [path, e.name];
      } catch {
        // built without --enable-shared
      }
    }
  } catch {
    // no pyenv
  }
  return found;
}
const other = otherPyenv();

Deno.test({
  name: "doctor: follows PYTHON_LIBRARY",
  ignore: other === undefined,
  async fn() {
    const [lib, version] = other!;
    const { code, stdout, stderr } = await doctor({
      PATH,
      PYTHON_LIBRARY: lib,
    });
    assert.equal(code, 0, stdout + stderr);
    assert.equal(field(stdout, "PYTHON_LIBRARY"), lib);
    assert.equal(field(stdout, "library"), lib);
    assert.equal(field(stdout, "found by"), "PYTHON_LIBRARY");
    assert.ok(field(stdout, "version")?.startsWith(`${version} `), stdout);
    assert.equal(
      field(stdout, "sys.executable"),
      `${lib.slice(0, lib.lastIndexOf("/lib/"))}/bin/python${
        version.split(".").slice(0, 2).join(".")
      }`,
    );
    assert.equal(
      field(stdout, "interpreter"),
      `runs Python ${version}, as the library`,
    );
  },
});

Deno.test({
  name:
    "doctor: flags a sys.executable that does not run the library's version",
  ignore: other === undefined || python3Info === undefined,
  async fn() {
    // The library alone in a directory with no bin/python3.X beside it:
    // CPython then takes the python3 on PATH (3.11 here), another version.
    const [lib, version] = other!;
    // made with mktemp/ln (this test has no --allow-write)
    const sh = async (cmd: string, ...args: string[]) =>
      decoder.decode(
        (await new Deno.Command(cmd, { args, stdout: "piped" }).output())
          .stdout,
      ).trim();
    const dir = await sh("mktemp", "-d");
    try {
      const link = `${dir}/lib/${lib.slice(lib.lastIndexOf("/") + 1)}`;
      await sh("mkdir", `${dir}/lib`);
      await sh("ln", "-s", lib, link);
      const { code, stdout, stderr } = await doctor({
        PATH,
        PYTHON_LIBRARY: link,
      });
      assert.equal(code, 0, stdout + stderr);
      const minor = version.split(".").slice(0, 2).join(".");
      assert.equal(
        field(stdout, "interpreter"),
        `MISMATCH: it runs Python ${
          python3Info![1]
        }, the library is Python ${version}; ` +
          `no python${minor} was found next to the library (PREFIX/bin for PREFIX/lib/libpython)`,
      );
    } finally {
      await sh("rm", "-rf", dir);
    }
  },
});

Deno.test("doctor: without a loadable CPython it prints the discovery error and exits 1", async () => {
  const missing = `${ROOT}tests/fixtures/missing/libpython3.11.so`;
  const { code, stdout } = await doctor({ PATH, PYTHON_LIBRARY: missing });
  assert.equal(code, 1, stdout);
  assert.ok(
    stdout.includes(
      `  not found:\n    Could not load CPython from PYTHON_LIBRARY (${missing}): the file does not exist.`,
    ),
    stdout,
  );
  assert.match(stdout, /set PYTHON_LIBRARY to the path of a libpython3\.X\.so/);
  assert.equal(field(stdout, "library"), undefined);
});
