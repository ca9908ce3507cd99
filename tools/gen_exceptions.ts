/**
 * Generates `src/types/exceptions.ts`: one JS class per CPython builtin
 * exception, in Python's hierarchy, from the table below (a class's parent
 * is listed before it). Run `deno task gen:exceptions` after editing the
 * table; `tests/exceptions_gen_test.ts` checks the file is up to date.
 *
 * @module
 */

/** `[Python name, parent's Python name]` ("Err" is `PyErr` itself), parents first. */
export const HIERARCHY: readonly (readonly [string, string])[] = [
  ["BaseException", "Err"],
  ["Exception", "BaseException"],
  ["GeneratorExit", "BaseException"],
  ["KeyboardInterrupt", "BaseException"],
  ["SystemExit", "BaseException"],
  ["ArithmeticError", "Exception"],
  ["FloatingPointError", "ArithmeticError"],
  ["OverflowError", "ArithmeticError"],
  ["ZeroDivisionError", "ArithmeticError"],
  ["AssertionError", "Exception"],
  ["AttributeError", "Exception"],
  ["BufferError", "Exception"],
  ["EOFError", "Exception"],
  ["ImportError", "Exception"],
  ["ModuleNotFoundError", "ImportError"],
  ["LookupError", "Exception"],
  ["IndexError", "LookupError"],
  ["KeyError", "LookupError"],
  ["MemoryError", "Exception"],
  ["NameError", "Exception"],
  ["UnboundLocalError", "NameError"],
  ["OSError", "Exception"],
  ["BlockingIOError", "OSError"],
  ["ChildProcessError", "OSError"],
  ["ConnectionError", "OSError"],
  ["BrokenPipeError", "ConnectionError"],
  ["ConnectionAbortedError", "ConnectionError"],
  ["ConnectionRefusedError", "ConnectionError"],
  ["ConnectionResetError", "ConnectionError"],
  ["FileExistsError", "OSError"],
  ["FileNotFoundError", "OSError"],
  ["InterruptedError", "OSError"],
  ["IsADirectoryError", "OSError"],
  ["NotADirectoryError", "OSError"],
  ["PermissionError", "OSError"],
  ["ProcessLookupError", "OSError"],
  ["TimeoutError", "OSError"],
  ["ReferenceError", "Exception"],
  ["RuntimeError", "Exception"],
  ["NotImplementedError", "RuntimeError"],
  ["RecursionError", "RuntimeError"],
  ["StopAsyncIteration", "Exception"],
  ["StopIteration", "Exception"],
  ["SyntaxError", "Exception"],
  ["IndentationError", "SyntaxError"],
  ["TabError", "IndentationError"],
  ["SystemError", "Exception"],
  ["TypeError", "Exception"],
  ["ValueError", "Exception"],
  ["UnicodeError", "ValueError"],
  ["UnicodeDecodeError", "UnicodeError"],
  ["UnicodeEncodeError", "UnicodeError"],
  ["UnicodeTranslateError", "UnicodeError"],
  ["Warning", "Exception"],
  ["UserWarning", "Warning"],
  ["DeprecationWarning", "Warning"],
  ["RuntimeWarning", "Warning"],
  ["FutureWarning", "Warning"],
];

/** Optional builtins (3.11+: ExceptionGroup and friends) and the class each maps to. */
export const ALIASES: readonly (readonly [string, string])[] = [
  ["BaseExceptionGroup", "BaseException"],
  ["ExceptionGroup", "Exception"],
  ["EncodingWarning", "Warning"],
  ["PythonFinalizationError", "RuntimeError"],
];

/**
 * Python code that raises each exception, run by its doc example. A natural
 * trigger where one is short and safe in any process; `raise X(...)`
 * otherwise (for instance where the natural cause would depend on the
 * machine: permissions, child processes, signals, memory).
 */
export const TRIGGERS: Readonly<Record<string, string>> = {
  BaseException: "raise BaseException('stop')",
  Exception: "raise Exception('boom')",
  GeneratorExit: "raise GeneratorExit",
  KeyboardInterrupt: "raise KeyboardInterrupt",
  SystemExit: "import sys; sys.exit(3)",
  ArithmeticError: "raise ArithmeticError('bad arithmetic')",
  FloatingPointError: "raise FloatingPointError('bad float')",
  OverflowError: "2.0 ** 10000",
  ZeroDivisionError: "1 / 0",
  AssertionError: "assert 1 == 2, 'one is not two'",
  AttributeError: "(1).nope",
  BufferError: "b = bytearray(b'x'); m = memoryview(b); b.append(1)",
  EOFError: "import pickle; pickle.loads(b'')",
  ImportError: "from os import nope",
  ModuleNotFoundError: "import no_such_module",
  LookupError: "b'x'.decode('no-such-codec')",
  IndexError: "[][0]",
  KeyError: "{}['k']",
  MemoryError: "raise MemoryError",
  NameError: "undefined_name",
  UnboundLocalError: "def f():\n    x += 1\nf()",
  OSError: "raise OSError('boom')",
  BlockingIOError: "raise BlockingIOError('would block')",
  ChildProcessError: "raise ChildProcessError('no child')",
  ConnectionError: "raise ConnectionError('lost')",
  BrokenPipeError: "raise BrokenPipeError('pipe')",
  ConnectionAbortedError: "raise ConnectionAbortedError('aborted')",
  ConnectionRefusedError: "raise ConnectionRefusedError('refused')",
  ConnectionResetError: "raise ConnectionResetError('reset')",
  FileExistsError: "raise FileExistsError('exists')",
  FileNotFoundError: "open('/no/such/file')",
  InterruptedError: "raise InterruptedError('interrupted')",
  IsADirectoryError: "open('/')",
  NotADirectoryError: "import os; os.listdir('/dev/null')",
  PermissionError: "raise PermissionError('denied')",
  ProcessLookupError: "raise ProcessLookupError('no process')",
  TimeoutError: "raise TimeoutError('too slow')",
  ReferenceError: "import weakref\nclass C: pass\np = weakref.proxy(C())\np.x",
  RuntimeError: "d = {1: 1}\nfor k in d: d[2] = 2",
  NotImplementedError: "raise NotImplementedError('later')",
  RecursionError: "def f(): return f()\nf()",
  StopAsyncIteration: "raise StopAsyncIteration",
  StopIteration: "next(iter([]))",
  SyntaxError: "x = = 1",
  IndentationError: "if True:\nx = 1",
  TabError: "if True:\n        x = 1\n\ty = 2",
  SystemError: "raise SystemError('internal')",
  TypeError: "1 + 'a'",
  ValueError: "int('x')",
  UnicodeError: "'a..b'.encode('idna')",
  UnicodeDecodeError: "b'\\xff'.decode('utf-8')",
  UnicodeEncodeError: "'\u00e9'.encode('ascii')",
  UnicodeTranslateError: "raise UnicodeTranslateError('x', 0, 1, 'bad')",
  Warning: "raise Warning('careful')",
  UserWarning: "raise UserWarning('careful')",
  DeprecationWarning: "raise DeprecationWarning('old')",
  RuntimeWarning: "raise RuntimeWarning('odd')",
  FutureWarning: "raise FutureWarning('soon')",
};

/**
 * Exceptions whose constructor needs more than a message (CPython's
 * `UnicodeDecodeError(encoding, object, start, end, reason)`): their example
 * raises one made in Python with `PyErr.from`, not with `newErr(message)`.
 */
export const MADE_IN_PYTHON: Readonly<Record<string, string>> = {
  UnicodeDecodeError: "UnicodeDecodeError('utf-8', b'\\xff', 0, 1, 'bad')",
  UnicodeEncodeError: "UnicodeEncodeError('ascii', '\u00e9', 0, 1, 'bad')",
  UnicodeTranslateError: "UnicodeTranslateError('x', 0, 1, 'bad')",
};

/** The doc example of `Py${name}`: Python raises it, TypeScript raises it. */
function example(name: string): string[] {
  const trigger = TRIGGERS[name];
  if (trigger === undefined) throw new Error(`no trigger for ${name}`);
  const made = MADE_IN_PYTHON[name];
  const imports = [
    "PyDict",
    `Py${name}`,
    "Python",
    ...(made ? ["PyErr"] : []),
  ].sort().join(", ");
  const thrown = made
    ? `throw PyErr.from(py.eval(${JSON.stringify(made)}));`
    : `throw Py${name}.newErr("what went wrong");`;
  const check = made ? "type(e).__name__" : "e.args[0]";
  const expected = made ? name : "what went wrong";
  return [
    'import assert from "node:assert/strict";',
    `import { ${imports} } from "@pyembed/pyembed";`,
    "",
    "Python.withGil((py) => {",
    `  // Python raises ${name}: JS catches a Py${name}`,
    `  assert.throws(() => py.run(${JSON.stringify(trigger)}), Py${name});`,
    `  // a TypeScript callback throws one: Python catches ${name}`,
    "  const g = PyDict.fromEntries(py, {",
    "    fail: () => {",
    `      ${thrown}`,
    "    },",
    "  });",
    `  py.run(${
      JSON.stringify(`try:
    fail()
except ${name} as e:
    caught = ${check}`)
    }, g);`,
    `  assert.equal(g.getItem("caught")?.toJs(), ${JSON.stringify(expected)});`,
    "});",
  ];
}

/** The generated module's text. */
export function generate(): string {
  const out: string[] = [
    "// Generated by tools/gen_exceptions.ts from its table: do not edit by hand.",
    "/**",
    " * JS classes for CPython's builtin exceptions, in Python's hierarchy",
    " * (`PyKeyError extends PyLookupError extends PyException extends",
    " * PyBaseException extends PyErr`).",
    " *",
    " * @module",
    " */",
    "",
    'import { registerExceptionClasses } from "../core/err.ts";',
    'import { PyErr } from "./err.ts";',
    "",
  ];
  for (const [name, parent] of HIERARCHY) {
    const base = parent === "Err" ? "PyErr" : `Py${parent}`;
    const what = parent === "Err" ? "" : ` (a \`${parent}\`)`;
    out.push(
      "/**",
      ` * Python's \`${name}\`${what}.`,
      " *",
      " * @example",
      " * ```ts",
      ...example(name).map((line) => line === "" ? " *" : ` * ${line}`),
      " * ```",
      " */",
      `export class Py${name} extends ${base} {`,
      "  /** The Python type's name in `builtins`. */",
      `  static override readonly pyName: string = "${name}";`,
      "}",
      "",
    );
  }
  out.push(
    "/** Every builtin exception class above, for mapping Python types to JS classes. */",
    "/** @ignore */",
    "export const BUILTIN_EXCEPTIONS: readonly (typeof PyErr)[] = [",
    ...HIERARCHY.map(([name]) => `  Py${name},`),
    "];",
    "",
    "/** Optional builtins (3.11+: ExceptionGroup and friends) map to these classes. */",
    "export const EXCEPTION_ALIASES: Readonly<Record<string, typeof PyErr>> = {",
    ...ALIASES.map(([name, to]) => `  ${name}: Py${to},`),
    "};",
    "",
    "registerExceptionClasses(BUILTIN_EXCEPTIONS, EXCEPTION_ALIASES);",
    "",
  );
  return out.join("\n");
}

/** Where the generated module goes. */
export const TARGET: URL = new URL(
  "../src/types/exceptions.ts",
  import.meta.url,
);

if (import.meta.main) {
  Deno.writeTextFileSync(TARGET, generate());
  console.log(`wrote ${TARGET.pathname}`);
}
