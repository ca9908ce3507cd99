/**
 * Plain-JS costs of V8 15 (Deno 2.9.6) that bound the tiers' overhead: no
 * Python, no FFI. `deno task bench:v8`; `deno task bench:report` leaves this
 * file out (its groups have no `raw`/`pool`/`owned` members). Every member
 * runs 1,000 operations per iteration, so its time in µs is ns per
 * operation.
 *
 * - `construct`: a base class with two private fields against a class
 *   extending it (the shape `PyAny` / `PyString` had, and every tier's
 *   `Python` token, whose class extends `PythonBase`), and against the
 *   same derived class when the base stamps the fields from a class of
 *   their own (the return-override idiom `src/types/any.ts` and
 *   `src/types/python.ts` use);
 * - `brand check`: `#field in o` that matches against one that fails, at a
 *   site that sees one kind of object (the check behind every conversion of
 *   a JS object that might be a tier object);
 * - `dispose`: a `using` block against `try/finally` with an explicit
 *   `[Symbol.dispose]()` (the owned tier's release of a temporary), and
 *   against a call that runs a callback in such a `try/finally` (the shape
 *   of `PyAny.use(f)`);
 * - `prototype read`: `Object.getPrototypeOf` at a site that sees one kind
 *   of object against one that sees several;
 * - `private field read`: `#f in o` and `o.#f` (the library's `ptrOf`) at a
 *   site that sees one class against one that sees ten subclasses (a
 *   program using many typed wrappers).
 *
 * @module
 */

const KEY = Symbol("key");
/** Values the members make are kept here so nothing is optimized away. */
export let sink: unknown = undefined;

class Base {
  #ref: unknown;
  #py: unknown;
  constructor(key: symbol, ref: unknown, py: unknown) {
    if (key !== KEY) throw new TypeError("internal");
    this.#ref = ref;
    this.#py = py;
  }
  /** Does `o` carry the brand? */
  static has(o: object): boolean {
    return #ref in o;
  }
  /** Both fields, so that neither is unused. */
  get fields(): unknown[] {
    return [this.#ref, this.#py];
  }
}
class Derived extends Base {}

/** The base of `Fields`: returns the object it is given. */
class ReturnGiven {
  constructor(o: object) {
    return o;
  }
}
/** Two private fields stamped onto another object. */
class Fields extends ReturnGiven {
  #ref: unknown;
  #py: unknown;
  constructor(o: object, ref: unknown, py: unknown) {
    super(o);
    this.#ref = ref;
    this.#py = py;
  }
  /** Both fields of `o`, so that neither is unused. */
  static of(o: object): unknown[] {
    return [(o as Fields).#ref, (o as Fields).#py];
  }
}
class StampedBase {
  constructor(key: symbol, ref: unknown, py: unknown) {
    if (key !== KEY) throw new TypeError("internal");
    new Fields(this, ref, py);
  }
}
class StampedDerived extends StampedBase {}

const ref = {}, py = {};
Deno.bench({
  name: "base class",
  group: "construct",
  baseline: true,
  fn() {
    for (let i = 0; i < 1000; i++) sink = new Base(KEY, ref, py);
  },
});
Deno.bench({
  name: "derived class",
  group: "construct",
  fn() {
    for (let i = 0; i < 1000; i++) sink = new Derived(KEY, ref, py);
  },
});
Deno.bench({
  name: "derived class, fields stamped",
  group: "construct",
  fn() {
    for (let i = 0; i < 1000; i++) sink = new StampedDerived(KEY, ref, py);
  },
});

const branded = new Base(KEY, ref, py);
const plain = { c: 3 };
Deno.bench({
  name: "match",
  group: "brand check",
  baseline: true,
  fn() {
    let n = 0;
    for (let i = 0; i < 1000; i++) if (Base.has(branded)) n++;
    sink = n;
  },
});
Deno.bench({
  name: "miss",
  group: "brand check",
  fn() {
    let n = 0;
    for (let i = 0; i < 1000; i++) if (Base.has(plain)) n++;
    sink = n;
  },
});

class Resource {
  disposed = 0;
  [Symbol.dispose](): void {
    this.disposed++;
  }
}
const resource = new Resource();
function withUsing(r: Resource): number {
  using x = r;
  return x.disposed;
}
function withFinally(r: Resource): number {
  try {
    return r.disposed;
  } finally {
    r[Symbol.dispose]();
  }
}
Deno.bench({
  name: "try/finally + dispose",
  group: "dispose",
  baseline: true,
  fn() {
    let n = 0;
    for (let i = 0; i < 1000; i++) n += withFinally(resource);
    sink = n;
  },
});
Deno.bench({
  name: "using",
  group: "dispose",
  fn() {
    let n = 0;
    for (let i = 0; i < 1000; i++) n += withUsing(resource);
    sink = n;
  },
});
/** `PyAny.use`'s shape: `f(r)` in a `try`, `r[Symbol.dispose]()` in its `finally`. */
function use<R>(r: Resource, f: (r: Resource) => R): R {
  try {
    return f(r);
  } finally {
    r[Symbol.dispose]();
  }
}
Deno.bench({
  name: "use(r, f): try/finally around a callback",
  group: "dispose",
  fn() {
    let n = 0;
    for (let i = 0; i < 1000; i++) n += use(resource, (x) => x.disposed + i);
    sink = n;
  },
});

const kinds: object[] = [{ a: 1 }, new Map(), new Base(KEY, ref, py), [1], {
  b: 2,
  c: 3,
}, new Derived(KEY, ref, py)];
function protoOf(o: object): unknown {
  return Object.getPrototypeOf(o);
}
function protoOfMany(o: object): unknown {
  return Object.getPrototypeOf(o);
}
for (const k of kinds) protoOfMany(k); // the second site sees six kinds
Deno.bench({
  name: "one kind at the site",
  group: "prototype read",
  baseline: true,
  fn() {
    for (let i = 0; i < 1000; i++) sink = protoOf(plain);
  },
});
Deno.bench({
  name: "six kinds at the site",
  group: "prototype read",
  fn() {
    for (let i = 0; i < 1000; i++) sink = protoOfMany(kinds[i % 6]);
  },
});

/** A private field and its brand check, read at one site. */
class Holder {
  #ref: number;
  constructor(v: number) {
    this.#ref = v;
  }
  /** `#ref in o`, then `o.#ref`: the shape of the library's `ptrOf`. */
  static read(o: object): number {
    return #ref in o ? (o as Holder).#ref : -1;
  }
}
/** Ten classes extending it, as the typed wrappers extend `PyAny`. */
const holderKinds: (new (v: number) => Holder)[] = [Holder];
for (let k = 0; k < 9; k++) holderKinds.push(class extends Holder {});
const oneKind = Array.from({ length: 1000 }, (_, i) => new Holder(i));
const tenKinds = Array.from(
  { length: 1000 },
  (_, i) => new holderKinds[i % 10](i),
);
function readOne(o: object): number {
  return Holder.read(o);
}
function readTen(o: object): number {
  return Holder.read(o);
}
Deno.bench({
  name: "one class at the site",
  group: "private field read (brand check + load)",
  baseline: true,
  fn() {
    let n = 0;
    for (let i = 0; i < 1000; i++) n += readOne(oneKind[i]);
    sink = n;
  },
});
Deno.bench({
  name: "ten classes at the site",
  group: "private field read (brand check + load)",
  fn() {
    let n = 0;
    for (let i = 0; i < 1000; i++) n += readTen(tenKinds[i]);
    sink = n;
  },
});
