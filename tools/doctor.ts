/**
 * `deno task doctor`: what pyembed finds on this machine, and with which
 * permissions.
 *
 * Prints the Deno permissions granted (ffi, env, read, run, each queried, never
 * prompted for), then the discovered CPython: library path and the source that
 * found it, version, `sys.prefix`, `sys.executable` and whether it matches
 * the library (it is run, through Python's `subprocess`, and must report the
 * same version; the line says `MISMATCH` otherwise), the site-packages
 * directories on `sys.path`, and whether numpy imports (and its version). When no CPython can
 * be loaded it prints the discovery error, which names what was tried and how
 * to fix it, and exits with status 1.
 *
 * ```sh
 * deno task doctor
 * PYTHON_LIBRARY=/path/to/libpython3.12.so deno task doctor
 * ```
 *
 * @module
 */

import { Extract, PyDict, Python } from "../mod.ts";
import { initialize } from "../src/core/runtime.ts";
import { interpreterFor, SYSTEM_LIBRARY_DIRS } from "../src/ffi/library.ts";

type Query = [label: string, desc: Deno.PermissionDescriptor];

const PERMISSIONS: [
  name: string,
  all: Deno.PermissionDescriptor,
  scoped: Query[],
][] = [
  ["ffi", { name: "ffi" }, []],
  ["env", { name: "env" }, [
    ["PYTHON_LIBRARY", { name: "env", variable: "PYTHON_LIBRARY" }],
    ["VIRTUAL_ENV", { name: "env", variable: "VIRTUAL_ENV" }],
    ["PYEMBED_DEBUG", { name: "env", variable: "PYEMBED_DEBUG" }],
  ]],
  [
    "read",
    { name: "read" },
    SYSTEM_LIBRARY_DIRS.map((d): Query => [d, { name: "read", path: d }]),
  ],
  ["run", { name: "run" }, [["python3", { name: "run", command: "python3" }]]],
];

const row = (label: string, value: string) =>
  console.log(`  ${label.padEnd(14)} ${value}`);
const state = (desc: Deno.PermissionDescriptor) =>
  Deno.permissions.querySync(desc).state;

console.log("pyembed doctor");
row("deno", `${Deno.version.deno} (${Deno.build.os} ${Deno.build.arch})`);

console.log("Permissions");
for (const [name, all, scoped] of PERMISSIONS) {
  if (state(all) === "granted") {
    row(name, "granted");
    continue;
  }
  const yes = scoped.filter(([, d]) => state(d) === "granted").map(([l]) => l);
  const no = scoped.filter(([, d]) => state(d) !== "granted").map(([l]) => l);
  row(
    name,
    yes.length === 0
      ? "not granted"
      : `granted for ${yes.join(", ")}${
        no.length ? `; not for ${no.join(", ")}` : ""
      }`,
  );
}
for (const variable of ["PYTHON_LIBRARY", "VIRTUAL_ENV"]) {
  if (state({ name: "env", variable }) === "granted") {
    row(variable, Deno.env.get(variable) ?? "(not set)");
  }
}

const CHECK_EXECUTABLE = [
  "import subprocess, sys",
  "try:",
  "    r = subprocess.run([sys.executable, '-c', 'import sys; print(sys.version.split()[0])'],",
  "        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)",
  "    ran = r.stdout.strip() if r.returncode == 0 else 'exit status %d' % r.returncode",
  "except Exception as e:",
  "    ran = '%s: %s' % (type(e).__name__, e)",
].join("\n");

/**
 * Does `sys.executable` run the version of the loaded library? It is run
 * through Python's `subprocess` (outside Deno's permissions, as any Python
 * code), and compared with `interpreterFor`, the binary pyembed looks for.
 */
function checkExecutable(
  py: Parameters<Parameters<typeof Python.withGil>[0]>[0],
): string {
  const { major, minor, micro } = Python.version;
  const want = `${major}.${minor}.${micro}`;
  let venv: string | undefined;
  if (state({ name: "env", variable: "VIRTUAL_ENV" }) === "granted") {
    venv = Deno.env.get("VIRTUAL_ENV") || undefined;
  }
  const expected = interpreterFor(Python.libraryPath, minor, venv);
  const hint = expected === null
    ? `no python${major}.${minor} was found next to the library (PREFIX/bin for PREFIX/lib/libpython)`
    : `expected ${expected}`;
  const exe = py.import("sys").getattr("executable");
  if (!exe.isTruthy()) return `MISMATCH: sys.executable is empty; ${hint}`;
  const ns = py.import("__main__").getattr("__dict__").downcast(PyDict); // the doctor owns __main__
  py.run(CHECK_EXECUTABLE, ns);
  const ran = ns.getItem("ran")!.extract(Extract.str);
  if (ran === want) return `runs Python ${ran}, as the library`;
  return `MISMATCH: it runs ${
    /^\d+\.\d+/.test(ran) ? `Python ${ran}` : `nothing (${ran})`
  }, the library is Python ${want}; ${hint}`;
}

let source: string;
try {
  source = initialize().source;
} catch (e) {
  console.log("Python");
  console.log("  not found:");
  console.log(
    (e as Error).message.split("\n").map((l) => `    ${l}`).join("\n"),
  );
  Deno.exit(1);
}

console.log("Python");
row("library", Python.libraryPath);
row("found by", source);
row("version", Python.version.full.replace(/\s+/g, " "));
Python.withGil((py) => {
  const sys = py.import("sys");
  row("sys.prefix", sys.getattr("prefix").extract(Extract.str));
  const exe = sys.getattr("executable");
  row("sys.executable", exe.isTruthy() ? exe.toString() : "(empty)");
  row("interpreter", checkExecutable(py));
  const sitePackages = sys.getattr("path").extract(Extract.list(Extract.str))
    .filter((p) => /(site|dist)-packages$/.test(p));
  row(
    "site-packages",
    sitePackages.length
      ? sitePackages.join("\n" + " ".repeat(17))
      : "(none on sys.path)",
  );
  // What Python may read without --allow-read under
  // Python.initialize({ permissions: "deno" }): the absolute sys.path
  // directories (the rule of src/core/permissions_py.ts, `implied`).
  const implied = py.eval(
    "sorted({__import__('os').path.normpath(p) for p in __import__('sys').path " +
      "if isinstance(p, str) and p.startswith('/')} - {'/', '//'})",
  ).extract(Extract.list(Extract.str));
  row(
    "implied read",
    (implied.length ? implied.join("\n" + " ".repeat(17)) : "(none)") +
      "\n" + " ".repeat(17) + '(readable by Python under permissions: "deno")',
  );
  let numpy: string;
  try {
    numpy = py.import("numpy").getattr("__version__").extract(Extract.str);
  } catch (e) {
    numpy = `not importable (${(e as Error).message.split("\n")[0]})`;
  }
  row("numpy", numpy);
});
