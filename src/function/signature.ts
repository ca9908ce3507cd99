/**
 * Python function signatures in pure TypeScript: a parser for signatures
 * written in Python syntax (`"add(a, b=0, /, c=1, *args, d, **kwargs)"`) and
 * a re-implementation of CPython's argument binding for a plain `def` with
 * that signature, including CPython's exact `TypeError` messages.
 *
 * Nothing here touches the interpreter: defaults are kept as their raw
 * Python source text, and binding only says which fastcall argument (or
 * which default) each parameter receives.
 *
 * @example Parse once, bind on every call
 * ```ts
 * import { bindArguments, parseSignature } from "./signature.ts";
 *
 * const sig = parseSignature("scale(x, /, factor=2, *, clamp=None)");
 * // scale(10, factor=3): one positional argument, one keyword argument.
 * const bound = bindArguments(sig, 1, ["factor"]);
 * if ("error" in bound) throw new TypeError(bound.error);
 * console.log(bound.sources); // [0, 1, -1]: x <- args[0], factor <- args[1], clamp <- default
 * ```
 *
 * @module
 */

/** How a parameter can be supplied, named after `inspect.Parameter` kinds. */
export type ParameterKind =
  | "positional_only"
  | "positional_or_keyword"
  | "keyword_only";

/**
 * One named parameter of a {@linkcode Signature} (`*args` and `**kwargs` are
 * described separately by {@linkcode Signature.varargs} and
 * {@linkcode Signature.varkw}).
 *
 * @example
 * ```ts
 * import { parseSignature } from "./signature.ts";
 *
 * const [p] = parseSignature("f(limit=10, /)").parameters;
 * console.log(p); // { name: "limit", kind: "positional_only", default: "10" }
 * ```
 */
export interface Parameter {
  /** The parameter name (NFKC-normalised, as Python does). */
  readonly name: string;
  /** Whether the parameter is positional-only, keyword-only or either. */
  readonly kind: ParameterKind;
  /**
   * The default value as raw Python source text (for example `"(1, 'a')"`),
   * or `undefined` when the parameter is required. The text is meant to be
   * evaluated with `ast.literal_eval`; it is only checked here for balanced
   * brackets and terminated string literals.
   */
  readonly default?: string;
}

/**
 * A parsed Python function signature.
 *
 * Signatures returned by {@linkcode parseSignature} are frozen and carry a
 * precomputed binding plan used by {@linkcode bindArguments}. Other objects
 * satisfying this interface are accepted too; their plan is computed on the
 * first call and cached (so they must not be mutated afterwards).
 *
 * @example
 * ```ts
 * import { parseSignature } from "./signature.ts";
 *
 * const sig = parseSignature("add(a, b=0, /, c=1, *args, d, e=2, **kwargs)");
 * console.log(sig.posonlyCount, sig.positionalCount, sig.kwonlyCount); // 2 3 2
 * console.log(sig.varargs, sig.varkw); // "args" "kwargs"
 * ```
 */
export interface Signature {
  /** The function name, used as the prefix of `TypeError` messages. */
  readonly name: string;
  /**
   * Named parameters in declaration order: positional-only first, then
   * positional-or-keyword, then keyword-only (the order CPython stores them).
   */
  readonly parameters: readonly Parameter[];
  /** Name of the `*args` parameter, if any. */
  readonly varargs?: string;
  /** Name of the `**kwargs` parameter, if any. */
  readonly varkw?: string;
  /** Number of positional-only parameters. */
  readonly posonlyCount: number;
  /** Number of positional parameters (positional-only plus positional-or-keyword). */
  readonly positionalCount: number;
  /** Number of keyword-only parameters. */
  readonly kwonlyCount: number;
}

/**
 * Options for {@linkcode parseSignature}.
 *
 * @example
 * ```ts
 * import { parseSignature, type ParseOptions } from "./signature.ts";
 *
 * const options: ParseOptions = { pythonMinor: 12 };
 * parseSignature("f(a, b=1)", options);
 * ```
 */
export interface ParseOptions {
  /**
   * Python 3 minor version whose `SyntaxError` wording to use (default 11).
   * Only the "non-default follows default" message differs: 3.8–3.11 say
   * `non-default argument follows default argument`, 3.12+ say
   * `parameter without a default follows parameter with a default`.
   */
  readonly pythonMinor?: number;
}

/**
 * The result of a successful {@linkcode bindArguments}: where each parameter
 * takes its value from. Indexes refer to the fastcall argument array, whose
 * first `nargs` entries are the positional arguments and whose entry
 * `nargs + j` is the value of keyword `kwnames[j]`.
 *
 * Treat bindings as read-only: results for calls without keywords are cached
 * per signature and shared between calls (and frozen); results for calls with
 * keywords are fresh objects.
 *
 * @example
 * ```ts
 * import { bindArguments, parseSignature } from "./signature.ts";
 *
 * const sig = parseSignature("f(a, *rest, flag=False, **extra)");
 * // f(1, 2, 3, flag=True, colour="red")
 * const b = bindArguments(sig, 3, ["flag", "colour"]);
 * if (!("error" in b)) {
 *   console.log(b.sources); // [0, 3]: a <- args[0], flag <- args[3]
 *   console.log(b.varargsStart); // 1: args[1..3) go to *rest
 *   console.log(b.varkwIndexes); // [1]: keyword #1 ("colour") goes to **extra
 * }
 * ```
 */
export interface Binding {
  /**
   * One entry per element of {@linkcode Signature.parameters} (same index):
   * a non-negative fastcall argument index, or `-1` to use the default.
   */
  readonly sources: readonly number[];
  /**
   * Positional arguments `varargsStart .. nargs-1` go to `*args`; equals
   * `nargs` when nothing does (always the case without `*args`).
   */
  readonly varargsStart: number;
  /**
   * Keyword indexes `j` (argument index `nargs + j`) that go to `**kwargs`,
   * in the order of the resulting dict. If `kwnames` repeats a name that goes
   * to `**kwargs`, the later index replaces the earlier one in place, as
   * `dict` assignment does in CPython.
   */
  readonly varkwIndexes: readonly number[];
}

/**
 * The result of a failed {@linkcode bindArguments}.
 *
 * @example
 * ```ts
 * import { bindArguments, parseSignature } from "./signature.ts";
 *
 * const result = bindArguments(parseSignature("f(a)"), 0, []);
 * if ("error" in result) {
 *   console.log(result.error); // "f() missing 1 required positional argument: 'a'"
 * }
 * ```
 */
export interface BindError {
  /** The message CPython's `TypeError` would carry, word for word. */
  readonly error: string;
}

const DEFAULT_PYTHON_MINOR = 11;

/**
 * Parses a Python function signature written in Python syntax, such as
 * `"add(a, b=0, /, c=1, *args, d, e=2, **kwargs)"`, `"f()"`, `"g(*, key)"`.
 *
 * Supports the positional-only marker `/`, bare `*`, `*args`, `**kwargs`,
 * trailing commas and defaults written as Python literals (strings with any
 * quoting and prefixes, numbers, containers, `None`/`True`/`False`, ...).
 * Each default is kept as its raw, trimmed source text. Annotations and
 * comments are not supported.
 *
 * The signature is validated like Python validates a `def`; problems are
 * reported with a `SyntaxError` whose message starts with Python's wording
 * where Python has a specific one (e.g. `duplicate argument 'a' in function
 * definition`) and ends with the position in `text`.
 *
 * @example
 * ```ts
 * import { parseSignature } from "./signature.ts";
 *
 * const sig = parseSignature("g(x, /, sep=', ', *values, end='\\n')");
 * console.log(sig.parameters.map((p) => [p.name, p.kind, p.default]));
 * // [["x", "positional_only", undefined],
 * //  ["sep", "positional_or_keyword", "', '"],
 * //  ["end", "keyword_only", "'\\n'"]]
 * ```
 *
 * @param text The signature: function name, then the parenthesised parameters.
 * @param options Parsing options, see {@linkcode ParseOptions}.
 * @returns The parsed, frozen signature.
 * @throws {SyntaxError} If `text` is not a valid signature.
 */
export function parseSignature(
  text: string,
  options: ParseOptions = {},
): Signature {
  const minor = options.pythonMinor ?? DEFAULT_PYTHON_MINOR;
  return new SignatureParser(text, minor).parse();
}

/**
 * Binds a call to `sig` the way CPython binds a call to a plain `def` with
 * that signature, given `nargs` positional arguments followed by the values
 * of the keywords named in `kwnames` (the vectorcall/fastcall convention).
 *
 * Errors are reported exactly as CPython's `TypeError` message for the given
 * Python 3 minor version (8 to 13; older values behave like 8, newer like
 * 13), and when several problems exist the one CPython reports first is
 * returned: keywords are examined first (in call order), then the number of
 * positional arguments, then missing positional and keyword-only parameters.
 * From 3.13 on, an unexpected keyword carries CPython's
 * `. Did you mean '...'?` suggestion.
 *
 * Calls without keywords return cached, frozen results and do not allocate
 * (except to format error messages that quote `nargs`).
 *
 * @example
 * ```ts
 * import { bindArguments, parseSignature } from "./signature.ts";
 *
 * const sig = parseSignature("f(a, b=1, *, key)");
 * console.log(bindArguments(sig, 1, ["key"]));
 * // { sources: [0, -1, 1], varargsStart: 1, varkwIndexes: [] }
 * console.log(bindArguments(sig, 3, []));
 * // { error: "f() takes from 1 to 2 positional arguments but 3 were given" }
 * console.log(bindArguments(sig, 1, ["ky"], 13));
 * // { error: "f() got an unexpected keyword argument 'ky'. Did you mean 'key'?" }
 * ```
 *
 * @param sig The signature, normally from {@linkcode parseSignature}.
 * @param nargs The number of positional arguments (a non-negative integer).
 * @param kwnames The keyword names, in call order.
 * @param pythonMinor The Python 3 minor version whose wording to follow (default 11).
 * @returns A {@linkcode Binding}, or a {@linkcode BindError} with CPython's message.
 */
export function bindArguments(
  sig: Signature,
  nargs: number,
  kwnames: readonly string[],
  pythonMinor: number = DEFAULT_PYTHON_MINOR,
): Binding | BindError {
  const plan = SignatureImpl.planOf(sig) ?? foreignPlan(sig);
  const nkw = kwnames.length;
  if (nkw === 0) return bindPositional(plan, nargs);

  const sources = initialSources(plan, nargs);
  let varkwIndexes: number[] | undefined;
  for (let j = 0; j < nkw; j++) {
    const keyword = kwnames[j];
    const index = plan.keywordIndex.get(keyword);
    if (index === undefined) {
      if (!plan.hasVarkw) {
        return {
          error: unexpectedKeyword(plan, kwnames, keyword, pythonMinor),
        };
      }
      if (varkwIndexes === undefined) {
        varkwIndexes = [j];
      } else {
        addKeywordToDict(varkwIndexes, kwnames, j);
      }
      continue;
    }
    if (sources[index] !== -1) {
      return {
        error: `${plan.name}() got multiple values for argument '${keyword}'`,
      };
    }
    sources[index] = nargs + j;
  }
  return complete(plan, nargs, sources, varkwIndexes ?? EMPTY);
}

// ---------------------------------------------------------------------------
// Binding

/** Everything {@linkcode bindArguments} needs, derived once per signature. */
interface Plan {
  readonly name: string;
  /** Number of named parameters. */
  readonly count: number;
  readonly posonly: number;
  /** Number of positional parameters (CPython's `co_argcount`). */
  readonly positional: number;
  readonly kwonly: number;
  /** Number of positional parameters with a default (`len(__defaults__)`). */
  readonly positionalDefaults: number;
  readonly names: readonly string[];
  readonly hasDefault: readonly boolean[];
  /** Parameters that may be passed by keyword: name -> parameter index. */
  readonly keywordIndex: ReadonlyMap<string, number>;
  readonly hasVarargs: boolean;
  readonly hasVarkw: boolean;
  /** Keyword-free results, by `nargs` (0..positional, then one for "more"). */
  readonly positionalCache: (Binding | BindError | undefined)[];
}

const EMPTY: readonly number[] = Object.freeze([]);

function compilePlan(sig: Signature): Plan {
  const params = sig.parameters;
  const count = params.length;
  const names: string[] = [];
  const hasDefault: boolean[] = [];
  const keywordIndex = new Map<string, number>();
  let posonly = 0;
  let positional = 0;
  let positionalDefaults = 0;
  const rank = {
    positional_only: 0,
    positional_or_keyword: 1,
    keyword_only: 2,
  };
  let previousRank = 0;
  for (let i = 0; i < count; i++) {
    const { name, kind } = params[i];
    const r = rank[kind];
    if (r === undefined || r < previousRank) {
      throw new TypeError(
        `Invalid signature ${sig.name}(): parameter '${name}' is out of order`,
      );
    }
    previousRank = r;
    const defaulted = params[i].default !== undefined;
    names.push(name);
    hasDefault.push(defaulted);
    if (kind === "positional_only") posonly++;
    else keywordIndex.set(name, i);
    if (kind !== "keyword_only") {
      positional++;
      if (defaulted) positionalDefaults++;
      else if (positionalDefaults > 0) {
        throw new TypeError(
          `Invalid signature ${sig.name}(): parameter '${name}' without a default follows a parameter with a default`,
        );
      }
    }
  }
  if (
    sig.posonlyCount !== posonly || sig.positionalCount !== positional ||
    sig.kwonlyCount !== count - positional
  ) {
    throw new TypeError(
      `Invalid signature ${sig.name}(): parameter counts do not match its parameters`,
    );
  }
  return {
    name: sig.name,
    count,
    posonly,
    positional,
    kwonly: count - positional,
    positionalDefaults,
    names,
    hasDefault,
    keywordIndex,
    hasVarargs: sig.varargs !== undefined,
    hasVarkw: sig.varkw !== undefined,
    positionalCache: [],
  };
}

const foreignPlans = new WeakMap<Signature, Plan>();

function foreignPlan(sig: Signature): Plan {
  let plan = foreignPlans.get(sig);
  if (plan === undefined) {
    plan = compilePlan(sig);
    foreignPlans.set(sig, plan);
  }
  return plan;
}

/** The keyword-free case: depends only on `nargs`, so results are cached. */
function bindPositional(plan: Plan, nargs: number): Binding | BindError {
  const positional = plan.positional;
  if (nargs > positional && !plan.hasVarargs) {
    // Quotes nargs, hence not cacheable; no keyword-only argument was given.
    return { error: tooManyPositional(plan, nargs, EMPTY) };
  }
  const slot = nargs > positional ? positional + 1 : nargs;
  let result = plan.positionalCache[slot];
  if (result === undefined) {
    result = complete(plan, nargs, initialSources(plan, nargs), EMPTY);
    if ("error" in result) {
      result = Object.freeze(result);
    } else {
      Object.freeze(result.sources);
      result = Object.freeze(result);
    }
    plan.positionalCache[slot] = result;
  }
  return result;
}

/** Sources after the positional arguments were placed (-1: not yet bound). */
function initialSources(plan: Plan, nargs: number): number[] {
  const filled = nargs < plan.positional ? nargs : plan.positional;
  const sources: number[] = [];
  for (let i = 0; i < plan.count; i++) sources.push(i < filled ? i : -1);
  return sources;
}

/** Puts keyword `j` into the `**kwargs` dict (replacing a repeated name). */
function addKeywordToDict(
  varkwIndexes: number[],
  kwnames: readonly string[],
  j: number,
): void {
  const keyword = kwnames[j];
  for (let k = 0; k < varkwIndexes.length; k++) {
    if (kwnames[varkwIndexes[k]] === keyword) {
      varkwIndexes[k] = j;
      return;
    }
  }
  varkwIndexes.push(j);
}

/**
 * The checks CPython makes after the keywords were placed: too many
 * positionals, then missing positionals, then missing keyword-only ones.
 */
function complete(
  plan: Plan,
  nargs: number,
  sources: number[],
  varkwIndexes: readonly number[],
): Binding | BindError {
  const positional = plan.positional;
  if (nargs > positional && !plan.hasVarargs) {
    return { error: tooManyPositional(plan, nargs, sources) };
  }
  if (nargs < positional) {
    const required = positional - plan.positionalDefaults;
    let missing: string[] | undefined;
    for (let i = nargs; i < required; i++) {
      if (sources[i] === -1) (missing ??= []).push(plan.names[i]);
    }
    if (missing !== undefined) {
      return { error: missingArguments(plan.name, "positional", missing) };
    }
  }
  if (plan.kwonly > 0) {
    let missing: string[] | undefined;
    for (let i = positional; i < plan.count; i++) {
      if (sources[i] === -1 && !plan.hasDefault[i]) {
        (missing ??= []).push(plan.names[i]);
      }
    }
    if (missing !== undefined) {
      return { error: missingArguments(plan.name, "keyword-only", missing) };
    }
  }
  return {
    sources,
    varargsStart: nargs > positional ? positional : nargs,
    varkwIndexes,
  };
}

function tooManyPositional(
  plan: Plan,
  nargs: number,
  sources: readonly number[],
): string {
  let kwonlyGiven = 0;
  for (let i = plan.positional; i < sources.length; i++) {
    if (sources[i] !== -1) kwonlyGiven++;
  }
  const positional = plan.positional;
  const defaults = plan.positionalDefaults;
  const takes = defaults > 0
    ? `from ${positional - defaults} to ${positional} positional arguments`
    : `${positional} positional argument${positional === 1 ? "" : "s"}`;
  const given = kwonlyGiven > 0
    ? `${nargs} positional argument${
      nargs === 1 ? "" : "s"
    } (and ${kwonlyGiven} keyword-only argument${
      kwonlyGiven === 1 ? "" : "s"
    }) were`
    : `${nargs} ${nargs === 1 ? "was" : "were"}`;
  return `${plan.name}() takes ${takes} but ${given} given`;
}

function missingArguments(
  name: string,
  kind: "positional" | "keyword-only",
  missing: readonly string[],
): string {
  const quoted = missing.map((m) => `'${m}'`);
  const n = quoted.length;
  let list: string;
  if (n === 1) list = quoted[0];
  else if (n === 2) list = `${quoted[0]} and ${quoted[1]}`;
  else {
    list = `${quoted.slice(0, n - 1).join(", ")}, and ${quoted[n - 1]}`;
  }
  return `${name}() missing ${n} required ${kind} argument${
    n === 1 ? "" : "s"
  }: ${list}`;
}

/**
 * A keyword matched no parameter that accepts keywords and there is no
 * `**kwargs`. Like CPython, a positional-only name anywhere among the
 * keywords takes precedence over the name that triggered the error.
 */
function unexpectedKeyword(
  plan: Plan,
  kwnames: readonly string[],
  keyword: string,
  pythonMinor: number,
): string {
  if (plan.posonly > 0) {
    const conflicts: string[] = [];
    for (let k = 0; k < plan.posonly; k++) {
      const name = plan.names[k];
      for (let j = 0; j < kwnames.length; j++) {
        if (kwnames[j] === name) conflicts.push(name);
      }
    }
    if (conflicts.length > 0) {
      return `${plan.name}() got some positional-only arguments passed as keyword arguments: '${
        conflicts.join(", ")
      }'`;
    }
  }
  const message =
    `${plan.name}() got an unexpected keyword argument '${keyword}'`;
  if (pythonMinor >= 13) {
    const suggestion = suggestKeyword(
      plan.names.slice(plan.posonly),
      keyword,
    );
    if (suggestion !== undefined) {
      return `${message}. Did you mean '${suggestion}'?`;
    }
  }
  return message;
}

// ---------------------------------------------------------------------------
// "Did you mean" suggestions (CPython 3.13+, Python/suggestions.c).
//
// A weighted edit distance over UTF-8 bytes: insertions, deletions and
// substitutions cost 2, a substitution that only flips ASCII case costs 1.
// A candidate qualifies when at most about a third of the involved bytes
// need changing; the first candidate with the smallest distance wins.

const MOVE_COST = 2;
const CASE_COST = 1;
const MAX_STRING_SIZE = 40;
const MAX_CANDIDATE_ITEMS = 750;

const utf8 = new TextEncoder();

function substitutionCost(a: number, b: number): number {
  if ((a & 31) !== (b & 31)) return MOVE_COST;
  if (a === b) return 0;
  const lowerA = a >= 65 && a <= 90 ? a + 32 : a;
  const lowerB = b >= 65 && b <= 90 ? b + 32 : b;
  return lowerA === lowerB ? CASE_COST : MOVE_COST;
}

/**
 * Edit distance between `a` and `b`, or any value above `maxCost` once it is
 * known to exceed it. Follows CPython's single-row computation step by step
 * (including its row start value), so results agree in every case.
 */
function editDistance(a: Uint8Array, b: Uint8Array, maxCost: number): number {
  let aStart = 0;
  let bStart = 0;
  let aEnd = a.length;
  let bEnd = b.length;
  while (aStart < aEnd && bStart < bEnd && a[aStart] === b[bStart]) {
    aStart++;
    bStart++;
  }
  while (aStart < aEnd && bStart < bEnd && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd--;
    bEnd--;
  }
  let short = a.subarray(aStart, aEnd);
  let long = b.subarray(bStart, bEnd);
  if (short.length === 0 || long.length === 0) {
    return (short.length + long.length) * MOVE_COST;
  }
  if (short.length > MAX_STRING_SIZE || long.length > MAX_STRING_SIZE) {
    return maxCost + 1;
  }
  if (long.length < short.length) [short, long] = [long, short];
  if ((long.length - short.length) * MOVE_COST > maxCost) return maxCost + 1;

  // row[i] = cost of turning the processed prefix of `long` into short[0..i].
  const row: number[] = [];
  for (let i = 0; i < short.length; i++) row.push((i + 1) * MOVE_COST);
  let result = 0;
  for (let li = 0; li < long.length; li++) {
    const code = long[li];
    let diagonal = li * MOVE_COST;
    result = diagonal;
    let minimum = Infinity;
    for (let si = 0; si < short.length; si++) {
      const substitute = diagonal + substitutionCost(code, short[si]);
      diagonal = row[si];
      const insertDelete = Math.min(result, diagonal) + MOVE_COST;
      result = Math.min(insertDelete, substitute);
      row[si] = result;
      if (result < minimum) minimum = result;
    }
    if (minimum > maxCost) return maxCost + 1;
  }
  return result;
}

/** The candidate CPython 3.13 would suggest for `name`, if any. */
function suggestKeyword(
  candidates: readonly string[],
  name: string,
): string | undefined {
  if (candidates.length >= MAX_CANDIDATE_ITEMS) return undefined;
  const nameBytes = utf8.encode(name);
  let best: string | undefined;
  let bestDistance = Number.MAX_SAFE_INTEGER;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const candidateBytes = utf8.encode(candidate);
    const maxDistance = Math.min(
      Math.floor(
        (nameBytes.length + candidateBytes.length + 3) * MOVE_COST / 6,
      ),
      bestDistance - 1,
    );
    const distance = editDistance(nameBytes, candidateBytes, maxDistance);
    if (distance > maxDistance) continue;
    if (best === undefined || distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// Parsing

class SignatureImpl implements Signature {
  readonly name: string;
  readonly parameters: readonly Parameter[];
  readonly varargs?: string;
  readonly varkw?: string;
  readonly posonlyCount: number;
  readonly positionalCount: number;
  readonly kwonlyCount: number;
  readonly #plan: Plan;

  constructor(
    name: string,
    parameters: readonly Parameter[],
    varargs: string | undefined,
    varkw: string | undefined,
  ) {
    this.name = name;
    this.parameters = parameters;
    if (varargs !== undefined) this.varargs = varargs;
    if (varkw !== undefined) this.varkw = varkw;
    let posonly = 0;
    let kwonly = 0;
    for (const p of parameters) {
      if (p.kind === "positional_only") posonly++;
      else if (p.kind === "keyword_only") kwonly++;
    }
    this.posonlyCount = posonly;
    this.positionalCount = parameters.length - kwonly;
    this.kwonlyCount = kwonly;
    this.#plan = compilePlan(this);
    Object.freeze(this);
  }

  static planOf(sig: Signature): Plan | undefined {
    return #plan in sig ? sig.#plan : undefined;
  }
}

const PYTHON_KEYWORDS = new Set([
  "False",
  "None",
  "True",
  "and",
  "as",
  "assert",
  "async",
  "await",
  "break",
  "class",
  "continue",
  "def",
  "del",
  "elif",
  "else",
  "except",
  "finally",
  "for",
  "from",
  "global",
  "if",
  "import",
  "in",
  "is",
  "lambda",
  "nonlocal",
  "not",
  "or",
  "pass",
  "raise",
  "return",
  "try",
  "while",
  "with",
  "yield",
]);

const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;

const OPENERS: Readonly<Record<string, string>> = {
  "(": ")",
  "[": "]",
  "{": "}",
};

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";
}

/** Characters Python's tokenizer takes as part of a name (validated later). */
function isNameChar(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") ||
    (c >= "0" && c <= "9") || c === "_" || c.charCodeAt(0) >= 0x80;
}

interface ParameterDraft {
  name: string;
  kind: ParameterKind;
  default?: string;
}

class SignatureParser {
  readonly #text: string;
  readonly #minor: number;
  #pos = 0;

  constructor(text: string, minor: number) {
    this.#text = text;
    this.#minor = minor;
  }

  parse(): Signature {
    const text = this.#text;
    this.#skipSpace();
    const name = this.#name("a function name");
    this.#skipSpace();
    if (this.#peek() !== "(") {
      this.#fail("expected '(' after the function name");
    }
    const openParen = this.#pos++;

    const params: ParameterDraft[] = [];
    let varargs: string | undefined;
    let varkw: string | undefined;
    let slashSeen = false;
    let starSeen = false;
    let bareStarAt = -1;
    let kwonly = 0;
    let positionalDefaultSeen = false;
    const namePositions: number[] = [];
    let varargsAt = -1;
    let varkwAt = -1;

    for (;;) {
      this.#skipSpace();
      const c = this.#peek();
      if (c === ")") break;
      if (c === "") this.#fail("'(' was never closed", openParen);
      if (varkw !== undefined) {
        this.#fail("arguments cannot follow var-keyword argument");
      }
      const itemAt = this.#pos;
      if (c === "/") {
        this.#pos++;
        if (starSeen) this.#fail("/ must be ahead of *", itemAt);
        if (slashSeen) this.#fail("/ may appear only once", itemAt);
        if (params.length === 0) {
          this.#fail("at least one argument must precede /", itemAt);
        }
        slashSeen = true;
        for (const p of params) p.kind = "positional_only";
      } else if (text.startsWith("**", this.#pos)) {
        this.#pos += 2;
        if (bareStarAt >= 0 && kwonly === 0) {
          this.#fail("named arguments must follow bare *", bareStarAt);
        }
        this.#skipSpace();
        varkwAt = this.#pos;
        varkw = this.#name("a parameter name after '**'");
        this.#rejectAnnotationOrDefault("var-keyword");
      } else if (c === "*") {
        this.#pos++;
        if (starSeen) this.#fail("* argument may appear only once", itemAt);
        starSeen = true;
        this.#skipSpace();
        const next = this.#peek();
        if (next === "," || next === ")") {
          bareStarAt = itemAt;
        } else {
          varargsAt = this.#pos;
          varargs = this.#name("a parameter name after '*'");
          this.#rejectAnnotationOrDefault("var-positional");
        }
      } else if (isNameChar(c)) {
        const paramName = this.#name("a parameter name");
        this.#skipSpace();
        if (this.#peek() === ":") this.#annotation();
        let defaultText: string | undefined;
        if (this.#peek() === "=") {
          this.#pos++;
          defaultText = this.#defaultValue(openParen);
        }
        if (starSeen) {
          kwonly++;
        } else if (defaultText !== undefined) {
          positionalDefaultSeen = true;
        } else if (positionalDefaultSeen) {
          this.#fail(
            this.#minor >= 12
              ? "parameter without a default follows parameter with a default"
              : "non-default argument follows default argument",
            itemAt,
          );
        }
        const draft: ParameterDraft = {
          name: paramName,
          kind: starSeen ? "keyword_only" : "positional_or_keyword",
        };
        if (defaultText !== undefined) draft.default = defaultText;
        params.push(draft);
        namePositions.push(itemAt);
      } else if (c === ",") {
        this.#fail("invalid syntax: expected a parameter before ','");
      } else {
        this.#fail(`invalid syntax: unexpected character '${c}'`);
      }

      this.#skipSpace();
      const separator = this.#peek();
      if (separator === ",") {
        this.#pos++;
      } else if (separator === ")") {
        break;
      } else if (separator === "") {
        this.#fail("'(' was never closed", openParen);
      } else if (separator === ":") {
        this.#annotation();
      } else {
        this.#fail("invalid syntax: expected ',' or ')'");
      }
    }

    if (bareStarAt >= 0 && kwonly === 0) {
      this.#fail("named arguments must follow bare *", bareStarAt);
    }
    this.#pos++; // ")"
    this.#skipSpace();
    if (text.startsWith("->", this.#pos)) {
      this.#fail("return annotations are not supported");
    }
    const rest = this.#peek();
    if (rest === ")" || rest === "]" || rest === "}") {
      this.#fail(`unmatched '${rest}'`);
    }
    if (rest !== "") {
      this.#fail("invalid syntax: unexpected text after ')'");
    }

    // Duplicates are found after parsing, in CPython's symtable order.
    const seen = new Set<string>();
    const all = params.map((p, i) => [p.name, namePositions[i]] as const);
    if (varargs !== undefined) all.push([varargs, varargsAt]);
    if (varkw !== undefined) all.push([varkw, varkwAt]);
    for (const [paramName, at] of all) {
      if (seen.has(paramName)) {
        this.#fail(
          `duplicate argument '${paramName}' in function definition`,
          at,
        );
      }
      seen.add(paramName);
    }

    const parameters = Object.freeze(
      params.map((p): Parameter => Object.freeze(p)),
    );
    return new SignatureImpl(name, parameters, varargs, varkw);
  }

  #peek(): string {
    return this.#text.charAt(this.#pos);
  }

  #fail(message: string, at: number = this.#pos): never {
    throw new SyntaxError(
      `${message} (signature ${JSON.stringify(this.#text)}, column ${at + 1})`,
    );
  }

  #skipSpace(): void {
    const text = this.#text;
    while (this.#pos < text.length && isSpace(text[this.#pos])) this.#pos++;
    if (text[this.#pos] === "#") this.#fail("comments are not supported");
  }

  #annotation(): never {
    this.#fail("annotations are not supported");
  }

  /** After `*args` / `**kwargs`: neither an annotation nor a default. */
  #rejectAnnotationOrDefault(what: "var-positional" | "var-keyword"): void {
    this.#skipSpace();
    const c = this.#peek();
    if (c === ":") this.#annotation();
    if (c === "=") this.#fail(`${what} argument cannot have default value`);
  }

  /** Reads a name the way Python does: NFKC-normalised, validated. */
  #name(what: string): string {
    const text = this.#text;
    const start = this.#pos;
    while (this.#pos < text.length && isNameChar(text[this.#pos])) this.#pos++;
    if (this.#pos === start) {
      const c = this.#peek();
      this.#fail(
        c === ""
          ? `expected ${what}, found the end of the signature`
          : `expected ${what}, found '${c}'`,
      );
    }
    const raw = text.slice(start, this.#pos);
    const name = raw.normalize("NFKC");
    if (!IDENTIFIER.test(name)) {
      this.#fail(`invalid identifier ${JSON.stringify(raw)}`, start);
    }
    if (PYTHON_KEYWORDS.has(name)) {
      this.#fail(`invalid syntax: '${name}' is a keyword`, start);
    }
    if (name === "__debug__") this.#fail("cannot assign to __debug__", start);
    return name;
  }

  /**
   * Reads a default value up to the `,` or `)` that ends it, honouring
   * brackets and string literals, and returns its trimmed source text.
   */
  #defaultValue(openParen: number): string {
    const text = this.#text;
    this.#skipSpace();
    const start = this.#pos;
    const open: number[] = [];
    for (;;) {
      if (this.#pos >= text.length) {
        const at = open.length > 0 ? open[open.length - 1] : openParen;
        this.#fail(`'${text[at]}' was never closed`, at);
      }
      const c = text[this.#pos];
      if (c === "'" || c === '"') {
        this.#skipString();
        continue;
      }
      if (c === "#") this.#fail("comments are not supported");
      if (c === "(" || c === "[" || c === "{") {
        open.push(this.#pos);
      } else if (c === ")" || c === "]" || c === "}") {
        if (open.length === 0 && c === ")") break;
        const opener = open.length > 0 ? text[open[open.length - 1]] : "(";
        if (OPENERS[opener] !== c) {
          this.#fail(
            `closing parenthesis '${c}' does not match opening parenthesis '${opener}'`,
          );
        }
        open.pop();
      } else if (c === "," && open.length === 0) {
        break;
      }
      this.#pos++;
    }
    let end = this.#pos;
    while (end > start && isSpace(text[end - 1])) end--;
    if (end === start) this.#fail("expected default value expression");
    return text.slice(start, end);
  }

  /** Skips a string literal starting at the current quote character. */
  #skipString(): void {
    const text = this.#text;
    const start = this.#pos;
    const quote = text[start];
    const triple = text.startsWith(quote.repeat(3), start);
    const closing = triple ? quote.repeat(3) : quote;
    this.#pos += closing.length;
    for (;;) {
      if (this.#pos >= text.length) {
        this.#fail(
          triple
            ? "unterminated triple-quoted string literal"
            : "unterminated string literal",
          start,
        );
      }
      const c = text[this.#pos];
      if (c === "\\") {
        // An escaped character (or line continuation) never ends the string;
        // this also holds in raw strings.
        this.#pos += text.startsWith("\r\n", this.#pos + 1) ? 3 : 2;
        continue;
      }
      if (!triple && (c === "\n" || c === "\r")) {
        this.#fail("unterminated string literal", start);
      }
      if (text.startsWith(closing, this.#pos)) {
        this.#pos += closing.length;
        return;
      }
      this.#pos++;
    }
  }
}
