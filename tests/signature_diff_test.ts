// Tests for src/function/signature.ts: a differential check against real CPython
// interpreters: every signature below is compiled as a `def` by Python and
// called with generated call shapes (through both `PyObject_Vectorcall` via
// ctypes and a regular `f(*args, **kwargs)` call), and the outcome — the
// TypeError message, or which parameter received which argument — must match
// `bindArguments` exactly. It needs `--allow-run --allow-read --allow-env`.

import assert from "node:assert/strict";
import {
  bindArguments,
  parseSignature,
  type Signature,
} from "../src/function/signature.ts";
import { compare, INVALID } from "./fixtures/signature_helpers.ts";

// ---------------------------------------------------------------------------
// Differential tests against CPython

interface DiffCase {
  /** The signature, in Python syntax. */
  readonly text: string;
  /** Names no parameter has: the first joins the keyword pool. */
  readonly unknown: readonly string[];
}

const CASES: readonly DiffCase[] = [
  { text: "f()", unknown: ["x"] },
  { text: "f(a)", unknown: ["b", "A"] },
  { text: "f(a, b)", unknown: ["c"] },
  { text: "f(a, b=1)", unknown: ["bb"] },
  { text: "f(a=1, b=2)", unknown: ["ab"] },
  { text: "f(a, /)", unknown: ["x"] },
  { text: "f(a, b, /)", unknown: ["ab"] },
  { text: "f(a, /, b)", unknown: ["B"] },
  { text: "f(a, b=2, /)", unknown: ["c"] },
  { text: "f(a=1, /, b=2)", unknown: ["bee"] },
  { text: "f(*args)", unknown: ["arg"] },
  { text: "f(**kwargs)", unknown: ["x"] },
  { text: "f(*args, **kwargs)", unknown: ["kw"] },
  { text: "f(a, *args)", unknown: ["args_"] },
  { text: "f(*, key)", unknown: ["kye", "keys", "Key", "k", "KEY", "yek"] },
  { text: "f(*, key=1)", unknown: ["ky"] },
  { text: "f(a, *, b, c=3)", unknown: ["d"] },
  { text: "f(*, b=2, c)", unknown: ["cc"] },
  {
    text: "add(a, b=0, /, c=1, *args, d, e=2, **kwargs)",
    unknown: ["z"],
  },
  { text: "f(a, /, **kwargs)", unknown: ["b"] },
  { text: "g(a, b, /, c, *, d, **kw)", unknown: ["dd"] },
  {
    text: `f(a, b=(1, 2), c="x,)", *, d=[1, {2: 3}])`,
    unknown: ["e"],
  },
  { text: "f(x, /, *args, y)", unknown: ["yy"] },
  {
    text: "f(value, /, *, values, valve=1)",
    unknown: ["valeu", "vaule", "VALUE", "val", "value", "valves", "vlaue"],
  },
  {
    text: "process(alpha, beta=1, *, gamma, delta=None)",
    unknown: ["gama", "betta", "Alpha", "delt", "epsilon", "alphabet", "eta"],
  },
  { text: "f(a, b, c, d, e)", unknown: ["x"] },
  { text: "f(a, b, c, /, *, d, e, g)", unknown: ["h"] },
  { text: "f(args, *a, **kw)", unknown: ["args_"] },
  {
    text: "connect(host, port=80, *, timeout=None, retries=3)",
    unknown: ["timeuot", "retry", "hots", "Port", "time_out", "tries"],
  },
  {
    text: "f(caf\u00e9, na\u00efve=1, *, \u00fcber=2)",
    unknown: ["cafe", "naive", "uber", "CAF\u00c9", "\u00fcbr"],
  },
  {
    text: "f(a_really_long_parameter_name_exceeding_forty_bytes_x, *, " +
      "another_extremely_long_parameter_name_over_the_limit)",
    unknown: [
      "a_really_long_parameter_name_exceeding_forty_bytes_y",
      "b_really_long_parameter_name_exceeding_forty_bytes_x_and_more",
      "another_extremely_long_parameter_name_over_the_limits",
      "xanother_extremely_long_parameter_name_over_the_limit",
    ],
  },
];

type CallShape = readonly [nargs: number, kwnames: readonly string[]];

/** Ordered subsets of `pool`: every subset in pool order, and reversed. */
function keywordOrders(pool: readonly string[]): string[][] {
  const orders: string[][] = [];
  for (let mask = 0; mask < 1 << pool.length; mask++) {
    const subset = pool.filter((_, i) => (mask & (1 << i)) !== 0);
    orders.push(subset);
    if (subset.length >= 2) orders.push([...subset].reverse());
  }
  return orders;
}

function callShapes(sig: Signature, unknown: readonly string[]): CallShape[] {
  const names = sig.parameters.map((p) => p.name);
  if (sig.varargs !== undefined) names.push(sig.varargs);
  if (sig.varkw !== undefined) names.push(sig.varkw);
  const pool = [...new Set([...names, unknown[0]])];
  assert.ok(pool.length <= 8, `keyword pool too large for ${sig.name}`);
  const shapes: CallShape[] = [];
  for (let nargs = 0; nargs <= 5; nargs++) {
    for (const kwnames of keywordOrders(pool)) shapes.push([nargs, kwnames]);
  }
  // The other unknown names, alone and next to a known name (these exercise
  // the 3.13 suggestions).
  for (const name of unknown.slice(1)) {
    for (let nargs = 0; nargs <= 1; nargs++) {
      shapes.push([nargs, [name]]);
      if (names.length > 0) shapes.push([nargs, [names.at(-1)!, name]]);
    }
  }
  // Repeated keyword names: only reachable through the vectorcall API.
  for (const name of [names[0], names.at(-1), unknown[0]]) {
    if (name === undefined) continue;
    shapes.push([0, [name, name]], [1, [name, unknown[0], name]]);
  }
  return shapes;
}

// Valid signatures (their parsed structure and defaults are compared with
// Python's) and invalid ones (Python must reject them too).
const PARSE_TEXTS: readonly string[] = [
  ...CASES.map((c) => c.text),
  "f(a,\n b=(1,\n 2), /, c='x', *, d)",
  "f(*args,)",
  "f(**kw,)",
  "f(a,/,)",
  "f(*,a,)",
  "f(match, case, _, type)",
  "f(\ufb01)",
  String.raw`f(a="x,)", b='y\'z,', c=r'\'', d="""t,"q")""", e=b"\x00")`,
  String.raw`f(g='''a'b''c''', h={'k': [1, (2, ")")]}, i={1, 2}, j=-1)`,
  "f(k=1e-3, l=-2.5j, m=1+2j, n=..., o=None, p=True, q=(), r='a' \"b\")",
  "f(a=0x1F, b=1_000, c=0o17, d=-(1), e=[[], [()]], f={})",
  ...INVALID.map(([text]) => text),
];

// Python messages we do not reproduce (older tokenizer and grammar wording).
const PYTHON_ONLY_MESSAGE =
  /^(invalid syntax|unexpected EOF while parsing|EOL while scanning|EOF while scanning|expected ':'|invalid character|invalid non-printable|invalid decimal literal)/;

const HARNESS = String.raw`
import ast, ctypes, inspect, json, sys

CO_VARARGS, CO_VARKEYWORDS = 4, 8

class Tok:
    __slots__ = ("i",)
    def __init__(self, i):
        self.i = i

def find_vectorcall():
    for symbol in ("PyObject_Vectorcall", "_PyFunction_Vectorcall"):
        try:
            fn = getattr(ctypes.pythonapi, symbol)
        except AttributeError:
            continue
        fn.restype = ctypes.py_object
        fn.argtypes = [ctypes.py_object, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        return fn
    raise RuntimeError("no vectorcall entry point")

VECTORCALL = find_vectorcall()

def vectorcall(fn, values, nargs, kwnames):
    array = (ctypes.py_object * max(1, len(values)))(*values)
    names = tuple(kwnames) if kwnames else None
    return VECTORCALL(fn, ctypes.addressof(array), nargs,
                      None if names is None else id(names))

def layout(fn):
    co = fn.__code__
    n = co.co_argcount + co.co_kwonlyargcount
    names = co.co_varnames
    varargs = varkw = None
    if co.co_flags & CO_VARARGS:
        varargs = names[n]
        n += 1
    if co.co_flags & CO_VARKEYWORDS:
        varkw = names[n]
    return names[:co.co_argcount + co.co_kwonlyargcount], varargs, varkw

def describe(fn, out, nargs, kwnames):
    params, varargs, varkw = layout(fn)
    result = {"p": {}, "v": nargs, "k": []}
    for name in params:
        value = out[name]
        result["p"][name] = value.i if type(value) is Tok else -1
    if varargs is not None:
        rest = out[varargs]
        start = nargs - len(rest)
        if any(type(x) is not Tok or x.i != start + k for k, x in enumerate(rest)):
            raise AssertionError("bad *args")
        result["v"] = start
    if varkw is not None:
        for key, value in out[varkw].items():
            j = value.i - nargs
            if kwnames[j] != key:
                raise AssertionError("bad **kwargs")
            result["k"].append(j)
    return result

def attempt(call):
    try:
        return ("ok", call())
    except TypeError as e:
        return ("error", str(e))

def run_call(fn, nargs, kwnames):
    values = [Tok(i) for i in range(nargs + len(kwnames))]
    outcomes = [attempt(lambda: vectorcall(fn, values, nargs, kwnames))]
    if len(set(kwnames)) == len(kwnames):
        kwargs = dict(zip(kwnames, values[nargs:]))
        outcomes.append(attempt(lambda: fn(*values[:nargs], **kwargs)))
    results = []
    for kind, payload in outcomes:
        if kind == "error":
            results.append({"e": payload})
        else:
            results.append(describe(fn, payload, nargs, kwnames))
    if any(r != results[0] for r in results):
        return {"inconsistent": results}
    return results[0]

def define(text, name):
    namespace = {}
    exec(compile("def " + text + ":\n    return locals()\n", "<sig>", "exec"), namespace)
    return namespace[name]

def parse_check(item):
    text = item["text"]
    try:
        compile("def " + text + ":\n    pass\n", "<sig>", "exec")
    except SyntaxError as e:
        return {"ok": False, "msg": e.msg}
    namespace = {}
    exec(compile("def " + text + ":\n    pass\n", "<sig>", "exec"), namespace)
    fn = [v for k, v in namespace.items() if k != "__builtins__"][0]
    params, varargs, varkw = [], None, None
    for p in inspect.signature(fn).parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            varargs = p.name
        elif p.kind == p.VAR_KEYWORD:
            varkw = p.name
        else:
            default = None if p.default is p.empty else repr(p.default)
            params.append([p.name, p.kind.name.lower(), default])
    ours = []
    for source in item["defaults"]:
        if source is None:
            ours.append(None)
            continue
        try:
            ours.append(repr(ast.literal_eval(source)))
        except Exception as e:
            ours.append("literal_eval failed: " + repr(e))
    return {"ok": True, "name": fn.__name__, "params": params,
            "varargs": varargs, "varkw": varkw, "ours": ours}

def main():
    data = json.load(sys.stdin)
    calls = []
    for case in data["cases"]:
        fn = define(case["text"], case["name"])
        calls.append([run_call(fn, nargs, kwnames) for nargs, kwnames in case["calls"]])
    parsed = [parse_check(item) for item in data["parse"]]
    json.dump({"version": list(sys.version_info[:3]), "calls": calls,
               "parse": parsed}, sys.stdout)

main()
`;

interface PyCallResult {
  e?: string;
  p?: Record<string, number>;
  v?: number;
  k?: number[];
  inconsistent?: unknown;
}

interface PyParseResult {
  ok: boolean;
  msg?: string;
  name?: string;
  params?: [string, string, string | null][];
  varargs?: string | null;
  varkw?: string | null;
  ours?: (string | null)[];
}

interface PyOutput {
  version: [number, number, number];
  calls: PyCallResult[][];
  parse: PyParseResult[];
}

function parseOrError(text: string, minor: number): Signature | SyntaxError {
  try {
    return parseSignature(text, { pythonMinor: minor });
  } catch (e) {
    if (e instanceof SyntaxError) return e;
    throw e;
  }
}

async function runDifferential(python: string): Promise<void> {
  const sigs = CASES.map((c) => parseSignature(c.text));
  const shapes = CASES.map((c, i) => callShapes(sigs[i], c.unknown));
  // Defaults go to Python too: it literal_evals them for comparison. The
  // parse outcome does not depend on the version except for one message.
  const parsed = PARSE_TEXTS.map((text) => parseOrError(text, 11));
  const input = {
    cases: CASES.map((c, i) => ({
      text: c.text,
      name: sigs[i].name,
      calls: shapes[i],
    })),
    parse: PARSE_TEXTS.map((text, i) => {
      const sig = parsed[i];
      return {
        text,
        defaults: sig instanceof SyntaxError
          ? []
          : sig.parameters.map((p) => p.default ?? null),
      };
    }),
  };

  const child = new Deno.Command(python, {
    args: ["-c", HARNESS],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const errText = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `${python} failed:\n${errText}`);
  const output: PyOutput = JSON.parse(new TextDecoder().decode(stdout));
  const minor = output.version[1];

  const mismatches: string[] = [];
  let callCount = 0;
  CASES.forEach((c, i) => {
    const sig = sigs[i];
    shapes[i].forEach(([nargs, kwnames], k) => {
      callCount++;
      const py = output.calls[i][k];
      const ours = bindArguments(sig, nargs, kwnames, minor);
      const where = `${c.text} with nargs=${nargs} kwnames=${
        JSON.stringify(kwnames)
      }`;
      if (py.inconsistent !== undefined) {
        mismatches.push(
          `${where}: Python call paths disagree: ${
            JSON.stringify(py.inconsistent)
          }`,
        );
        return;
      }
      if (py.e !== undefined) {
        const got = "error" in ours ? ours.error : JSON.stringify(ours);
        if (got !== py.e) {
          mismatches.push(`${where}:\n  python: ${py.e}\n  ours:   ${got}`);
        }
        return;
      }
      if ("error" in ours) {
        mismatches.push(`${where}: python succeeded, ours: ${ours.error}`);
        return;
      }
      const expected = {
        sources: sig.parameters.map((p) => py.p![p.name]),
        names: Object.keys(py.p!),
        varargsStart: py.v,
        varkwIndexes: py.k,
      };
      const actual = {
        sources: [...ours.sources],
        names: sig.parameters.map((p) => p.name),
        varargsStart: ours.varargsStart,
        varkwIndexes: [...ours.varkwIndexes],
      };
      compare(mismatches, where, actual, expected);
    });
  });

  PARSE_TEXTS.forEach((text, i) => {
    const py = output.parse[i];
    const ours = parseOrError(text, minor);
    const where = `parse ${JSON.stringify(text)}`;
    if (!py.ok) {
      if (!(ours instanceof SyntaxError)) {
        mismatches.push(
          `${where}: python rejects it (${py.msg}), ours accepts`,
        );
        return;
      }
      const msg = py.msg!.replace(/ \(detected at line \d+\).*$/, "");
      if (!PYTHON_ONLY_MESSAGE.test(msg) && !ours.message.startsWith(msg)) {
        mismatches.push(
          `${where}:\n  python: ${msg}\n  ours:   ${ours.message}`,
        );
      }
      return;
    }
    if (ours instanceof SyntaxError) {
      mismatches.push(`${where}: python accepts it, ours: ${ours.message}`);
      return;
    }
    const expected = {
      name: py.name,
      params: py.params,
      varargs: py.varargs ?? undefined,
      varkw: py.varkw ?? undefined,
    };
    const actual = {
      name: ours.name,
      params: ours.parameters.map((p, j) => [p.name, p.kind, py.ours![j]]),
      varargs: ours.varargs,
      varkw: ours.varkw,
    };
    compare(mismatches, where, actual, expected);
  });

  console.log(
    `  ${python}: Python ${output.version.join(".")}, ${CASES.length} ` +
      `signatures, ${callCount} call shapes, ${PARSE_TEXTS.length} parse ` +
      `checks, ${mismatches.length} mismatches`,
  );
  assert.equal(
    mismatches.length,
    0,
    `${mismatches.length} mismatches against ${python}:\n` +
      mismatches.slice(0, 25).join("\n"),
  );
}

function permitted(): boolean {
  return ["run", "read", "env"].every((name) =>
    Deno.permissions.querySync({ name } as Deno.PermissionDescriptor)
      .state === "granted"
  );
}

interface Interpreter {
  readonly label: string;
  readonly path?: string;
}

/** pyenv's CPython 3.8–3.13 interpreters, one slot per minor version. */
function pyenvInterpreters(): Interpreter[] {
  const home = Deno.env.get("HOME") ?? "";
  const root = Deno.env.get("PYENV_ROOT") ?? `${home}/.pyenv`;
  const found = new Map<number, string[]>();
  try {
    for (const entry of Deno.readDirSync(`${root}/versions`)) {
      const match = /^3\.(\d+)\.\d+$/.exec(entry.name);
      if (match === null) continue;
      const path = `${root}/versions/${entry.name}/bin/python3`;
      try {
        Deno.statSync(path);
      } catch {
        continue;
      }
      const minor = Number(match[1]);
      found.set(minor, [...(found.get(minor) ?? []), path]);
    }
  } catch {
    // No pyenv: every version is reported as not installed.
  }
  const interpreters: Interpreter[] = [];
  for (let minor = 8; minor <= 13; minor++) {
    const paths = found.get(minor) ?? [];
    if (paths.length === 0) {
      interpreters.push({ label: `pyenv 3.${minor} (not installed)` });
    }
    for (const path of paths.sort()) {
      interpreters.push({ label: `pyenv ${path.split("/").at(-3)}`, path });
    }
  }
  return interpreters;
}

const canRun = permitted();
const interpreters: Interpreter[] = [
  { label: "python3 on PATH", path: "python3" },
  ...(canRun ? pyenvInterpreters() : []),
];
if (canRun) {
  const run = interpreters.filter((i) => i.path !== undefined);
  const skipped = interpreters.filter((i) => i.path === undefined);
  console.log(
    `signature differential tests: running ${
      run.map((i) => i.label).join(", ")
    }` + (skipped.length > 0
      ? `; skipping ${
        skipped.map((i) => i.label).join(", ")
      }`
      : ""),
  );
}

for (const interpreter of interpreters) {
  Deno.test({
    name:
      `differential: bindArguments and parseSignature match ${interpreter.label}`,
    ignore: !canRun || interpreter.path === undefined,
    fn: () => runDifferential(interpreter.path!),
  });
}
