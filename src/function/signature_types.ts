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

type Space = " " | "\n" | "\t" | "\r";
type Trim<S extends string> = S extends `${Space}${infer R}` ? Trim<R>
  : S extends `${infer R}${Space}` ? Trim<R>
  : S;

/** What is between the first `(` and the last `)`. */
type Body<S extends string> = Trim<S> extends `${string}(${infer Rest}`
  ? Trim<Rest> extends `${infer B})` ? B : never
  : never;

/** The comma-separated pieces (a default holding a comma adds a harmless piece). */
type Pieces<S extends string> = S extends `${infer H},${infer T}`
  ? Trim<H> | Pieces<T>
  : Trim<S>;

type NameOf<P extends string> = P extends `${infer N}=${string}` ? Trim<N>
  : Trim<P>;

/** `[name, type]` for each parameter piece. */
type Entry<P extends string> = P extends "" | "/" | "*" ? never
  : P extends `**${infer N}` ? [NameOf<N>, PyDict]
  : P extends `*${infer N}` ? [NameOf<N>, PyTuple]
  : [NameOf<P>, PyAny];

/**
 * The handler's first argument for the signature `S`: each parameter by
 * name, `*args` as a `PyTuple`, `**kwargs` as a `PyDict`.
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
export type PyArgsOf<S extends string> = string extends S ? PyArgs
  : { [E in Entry<Pieces<Body<S>>> as E[0]]: E[1] };
