/**
 * Internal glue between the object classes and the tiers: the construction
 * key, and `wrap`, the one place a new strong reference becomes an object.
 *
 * @module
 */

import type { Ref, Scope, Tier } from "../core/gil.ts";

/** Passed to object constructors; users cannot construct objects directly. */
export const KEY: unique symbol = Symbol("pyembed.internal");

/** What a token carries: its scope and its tier's ownership policy. */
export interface TokenState {
  scope: Scope;
  tier: Tier;
}

/** An object class as the internals construct it. */
export type Ctor<T> = new (key: typeof KEY, ref: Ref, py: unknown) => T;

/**
 * The base of a class that stamps private fields onto another object (the
 * return-override idiom): its constructor returns the object it is given,
 * so the deriving class's private fields are defined on that object. Used
 * by `PyAny` and `PythonBase`, which declare no private member of their own
 * (see `PyAnyFields` in `any.ts`).
 */
export class ReturnGiven {
  /** Becomes `o` itself. */
  constructor(o: object) {
    return o;
  }
}
