/**
 * Compile-time parameter names of a `pyfunction` signature string, so that a
 * handler's misspelt parameter is a type error:
 * `pyfunction(py, "f(a, b=0, *args, scale=1.0, **kw)", ({ a, b, args, scale, kw }) => ...)`
 * types `a`, `b`, `scale` as `PyAny`, `args` as `PyTuple`, `kw` as `PyDict`.
 * Only the names are read (the runtime parser, `./signature.ts`, checks the
 * rest); a signature that is not a string literal gives `PyArgs`.
 *
 * @module
 */

import type { PyAny } from "../types/any.ts";
import type { PyDict } from "../types/dict.ts";
import type { PyTuple } from "../types/tuple.ts";

/** Any parameters by name (a signature the compiler cannot read). */
export type PyArgs = Record<string, PyAny>;

/**
 * The handler's first argument for the signature `S`: each parameter by
 * name, `*args` as a `PyTuple`, `**kwargs` as a `PyDict`. (`M` is the
 * parser's state: leave it out.) A default holding a comma only adds a
 * harmless extra name.
 *
 * @example
 * ```ts
 * import type { PyArgsOf } from "@pyembed/pyembed";
 * type A = PyArgsOf<"scale(x, factor=2.0, /, *values, **options)">;
 * // { x: PyAny; factor: PyAny; values: PyTuple; options: PyDict }
 * const names: (keyof A)[] = ["x", "factor", "values", "options"];
 * console.log(names.length); // 4
 * ```
 */
export type PyArgsOf<
  S extends string,
  M extends "" | "list" | "one" | "any" | "tuple" | "dict" = "",
> = string extends S ? PyArgs
  : M extends ""
    ? S extends `${string}(${infer R})${string}`
      ? { [K in keyof PyArgsOf<R, "list">]: PyArgsOf<R, "list">[K] }
    : PyArgs
  : M extends "list"
    ? S extends `${infer H},${infer T}`
      ? PyArgsOf<H, "one"> & PyArgsOf<T, "list">
    : PyArgsOf<S, "one">
  : M extends "one"
    ? S extends `${" " | "\n" | "\t" | "\r"}${infer R}` ? PyArgsOf<R, "one">
    : S extends `${infer R}${" " | "\n" | "\t" | "\r"}` ? PyArgsOf<R, "one">
    : S extends "" | "/" | "*" ? Record<never, never>
    : S extends `**${infer N}` ? PyArgsOf<N, "dict">
    : S extends `*${infer N}` ? PyArgsOf<N, "tuple">
    : PyArgsOf<S, "any">
  : S extends `${infer N}=${string}` ? PyArgsOf<N, M>
  : S extends `${" " | "\n" | "\t" | "\r"}${infer R}` ? PyArgsOf<R, M>
  : S extends `${infer R}${" " | "\n" | "\t" | "\r"}` ? PyArgsOf<R, M>
  : {
    [K in S]: M extends "dict" ? PyDict : M extends "tuple" ? PyTuple : PyAny;
  };
