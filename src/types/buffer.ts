/**
 * `PyBuffer`: a Python object's memory through the buffer protocol
 * (PyO3's `PyBuffer<T>`, Pyodide's `getBuffer()`), viewed from TypeScript
 * without a copy.
 *
 * @module
 */

import { fetchError } from "../core/err.ts";
import { PyTypeError } from "./exceptions.ts";
import {
  Dead,
  Ref,
  registerResource,
  type Releasable,
  unregisterResource,
} from "../core/gil.ts";
import { type Ptr, runtime } from "../core/runtime.ts";
import { ptrOf, type PyAny } from "./any.ts";
import { tokenState } from "./python.ts";
import { KEY, type TokenState } from "./internal.ts";

/** `PyBUF_STRIDES | PyBUF_FORMAT` (`PyBUF_RECORDS_RO`). */
const PyBUF_RECORDS_RO = 0x0010 | 0x0008 | 0x0004;
/** `PyBUF_WRITABLE`. */
const PyBUF_WRITABLE = 0x0001;
/** `sizeof(Py_buffer)` on 64-bit platforms (3.8 to 3.13). */
const PY_BUFFER_SIZE = 80;

/** The host's byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A TypedArray a buffer can be viewed or copied as.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BufferArray, PyBuffer, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   using buf = PyBuffer.get(py.eval("b'abc'"));
 *   const v: BufferArray = buf.view(); // format "B": a Uint8Array
 *   assert.ok(v instanceof Uint8Array);
 *   assert.deepEqual([...v], [97, 98, 99]);
 * });
 * ```
 */
export type BufferArray =
  | Int8Array<ArrayBuffer>
  | Uint8Array<ArrayBuffer>
  | Int16Array<ArrayBuffer>
  | Uint16Array<ArrayBuffer>
  | Int32Array<ArrayBuffer>
  | Uint32Array<ArrayBuffer>
  | BigInt64Array<ArrayBuffer>
  | BigUint64Array<ArrayBuffer>
  | Float16Array<ArrayBuffer>
  | Float32Array<ArrayBuffer>
  | Float64Array<ArrayBuffer>;

/**
 * The constructor of a {@linkcode BufferArray}: `Float64Array`, `Int32Array`, ...
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BufferArrayConstructor, PyBuffer, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   using buf = PyBuffer.get(py.eval("__import__('array').array('i', [1, 2])"));
 *   const t: BufferArrayConstructor | null = buf.arrayType;
 *   assert.equal(t, Int32Array);
 * });
 * ```
 */
export type BufferArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float16ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const ARRAY_TYPES: ReadonlySet<unknown> = new Set<unknown>([
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  Float16Array,
  Float32Array,
  Float64Array,
]);

/** Internal: is `c` one of the {@linkcode BufferArrayConstructor}s? */
export function isBufferArrayConstructor(
  c: unknown,
): c is BufferArrayConstructor {
  return ARRAY_TYPES.has(c);
}

/**
 * Options of {@linkcode PyBuffer.get}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyBuffer, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   using buf = PyBuffer.get(py.eval("bytearray(b'abc')"), { writable: true });
 *   assert.equal(buf.readonly, false);
 *   // bytes are immutable: asking for a writable buffer raises BufferError
 *   assert.throws(() => PyBuffer.get(py.eval("b'abc'"), { writable: true }), /BufferError|read-?only|not writable/i);
 * });
 * ```
 */
export interface PyBufferOptions {
  /**
   * Request a writable buffer (`PyBUF_WRITABLE`): exporters of immutable
   * memory (`bytes`, a read-only ndarray) then raise `BufferError`.
   * Default `false` (`PyBUF_RECORDS_RO`: a writable exporter still gives a
   * writable buffer, and `readonly` says which one you got).
   */
  writable?: boolean;
}

type Kind = "int" | "uint" | "float" | "bool" | "char" | "complex";

/** How one item is read: the array class, DataView reader, items per element. */
interface ItemType {
  kind: Kind;
  ctor: BufferArrayConstructor;
  /** Array elements per buffer item (2 for complex: real, imaginary). */
  parts: number;
  /** Byte size of one array element. */
  size: number;
  /** Little-endian items? */
  little: boolean;
}

const SIGNED: Record<number, BufferArrayConstructor> = {
  1: Int8Array,
  2: Int16Array,
  4: Int32Array,
  8: BigInt64Array,
};
const UNSIGNED: Record<number, BufferArrayConstructor> = {
  1: Uint8Array,
  2: Uint16Array,
  4: Uint32Array,
  8: BigUint64Array,
};
const FLOAT: Record<number, BufferArrayConstructor> = {
  2: Float16Array,
  4: Float32Array,
  8: Float64Array,
};

/**
 * The item type of a `struct`-module format of one item (an optional byte
 * order prefix and one code: `d`, `<i`, `>Q`, `Zd`, ...), or a string saying
 * why it has no TypedArray.
 */
function itemType(format: string, itemSize: number): ItemType | string {
  const m = /^([@=<>!]?)(Z?[a-zA-Z?])$/.exec(format);
  if (m === null) {
    return `buffer format '${format}' (a structured, multi-item or padded format) has no TypedArray equivalent`;
  }
  const little = m[1] === "<"
    ? true
    : m[1] === ">" || m[1] === "!"
    ? false
    : LITTLE_ENDIAN;
  const code = m[2];
  let kind: Kind;
  if ("bhilqn".includes(code)) kind = "int";
  else if ("BHILQNP".includes(code)) kind = "uint";
  else if ("efd".includes(code)) kind = "float";
  else if (code === "?") kind = "bool";
  else if (code === "c") kind = "char";
  else if (code === "Zf" || code === "Zd") kind = "complex";
  else {
    return `buffer format '${format}' (${
      code === "g" || code === "Zg" ? "long double, " : ""
    }item size ${itemSize}) has no TypedArray equivalent`;
  }
  const size = kind === "complex" ? itemSize / 2 : itemSize;
  const ctor = kind === "int"
    ? SIGNED[size]
    : kind === "float" || kind === "complex"
    ? FLOAT[size]
    : kind === "uint" || size === 1
    ? UNSIGNED[size]
    : undefined;
  if (ctor === undefined || (kind === "complex" && size === 2)) {
    return `buffer format '${format}' with item size ${itemSize} has no TypedArray equivalent`;
  }
  return { kind, ctor, parts: kind === "complex" ? 2 : 1, size, little };
}

/** Reads one array element at a byte offset of a DataView. */
type Reader = (dv: DataView, off: number) => number | bigint;

function reader(t: ItemType): Reader {
  const le = t.little;
  switch (t.ctor) {
    case Int8Array:
      return (dv, o) => dv.getInt8(o);
    case Uint8Array:
      return (dv, o) => dv.getUint8(o);
    case Int16Array:
      return (dv, o) => dv.getInt16(o, le);
    case Uint16Array:
      return (dv, o) => dv.getUint16(o, le);
    case Int32Array:
      return (dv, o) => dv.getInt32(o, le);
    case Uint32Array:
      return (dv, o) => dv.getUint32(o, le);
    case BigInt64Array:
      return (dv, o) => dv.getBigInt64(o, le);
    case BigUint64Array:
      return (dv, o) => dv.getBigUint64(o, le);
    case Float16Array:
      return (dv, o) => dv.getFloat16(o, le);
    case Float32Array:
      return (dv, o) => dv.getFloat32(o, le);
    default:
      return (dv, o) => dv.getFloat64(o, le);
  }
}

/** `Py_ssize_t` values at `p` (`n` of them), as numbers. */
function ssizeArray(p: Ptr | null, n: number): number[] {
  if (p === null || n === 0) return [];
  const v = new Deno.UnsafePointerView(p);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number(v.getBigInt64(i * 8)));
  return out;
}

/** CPython's `_IsCContiguous` / `_IsFortranContiguous` on shape and strides. */
function contiguous(
  shape: readonly number[],
  strides: readonly number[],
  itemSize: number,
  order: "C" | "F",
): boolean {
  const n = shape.length;
  if (shape.includes(0)) return true;
  let expected = itemSize;
  for (let k = 0; k < n; k++) {
    const d = order === "C" ? n - 1 - k : k;
    if (shape[d] > 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** An ArrayBuffer over foreign memory (or an empty one for no memory). */
function foreign(p: Ptr | null, n: number): ArrayBuffer {
  return p === null || n === 0
    ? new ArrayBuffer(0)
    : Deno.UnsafePointerView.getArrayBuffer(p, n);
}

/**
 * Buffers whose view's ArrayBuffer was transferred away by the user
 * (`transfer()`, `structuredClone`/`postMessage` with a transfer list): the
 * new ArrayBuffer shares the memory and cannot be detached by us, so the
 * buffer is never released and its memory stays valid for the life of the
 * process. Kept here so nothing collects the `Py_buffer` struct.
 */
const keptForever: Uint8Array[] = [];

/**
 * Internal: run `f` over `obj`'s buffer, released when `f` returns; nothing
 * is left in a pool or scope (Extract.typedArray and Extract.shapedArray).
 */
export let withTransientBuffer: <R>(obj: PyAny, f: (b: PyBuffer) => R) => R;

/**
 * A Python object's memory, acquired through the buffer protocol
 * (`PyObject_GetBuffer` with `PyBUF_RECORDS_RO`, or `PyBUF_RECORDS` when
 * `{ writable: true }`): PyO3's `PyBuffer<T>`. Works for any exporter:
 * `bytes`, `bytearray`, `memoryview`, `array.array`, numpy arrays, ...
 *
 * Metadata (`shape`, `strides`, `format`, `itemSize`, `readonly`, `ndim`,
 * `isCContiguous()`, `isFContiguous()`) is copied at acquisition. The memory
 * is reached through {@linkcode PyBuffer.view} (zero-copy TypedArray of the
 * matching type) or {@linkcode PyBuffer.toTypedArray} (a copy honouring
 * strides and byte order).
 *
 * **Lifetime.** The exporter keeps the memory alive (and, for `bytearray`,
 * `array.array` and numpy, refuses to resize or free it) until the buffer is
 * released: at `[Symbol.dispose]()` (`using`) or {@linkcode PyBuffer.release}
 * in both tiers, at latest when the pool (stable tier: the innermost
 * `withGil`/`withPool`) or GIL scope (experimental tier) it was acquired in
 * ends. Release first detaches the view's ArrayBuffer (measured on Deno 2.9:
 * `ArrayBuffer.prototype.transfer(0)` detaches an external, pointer-backed
 * ArrayBuffer without touching its memory), so every TypedArray or DataView
 * over it then has length 0 and reads `undefined`; it never reaches freed
 * memory. `view()` and `toTypedArray()` throw after release.
 *
 * If you transfer the view's ArrayBuffer yourself (`buffer.transfer()`,
 * `structuredClone(x, { transfer })`, `postMessage`), the new ArrayBuffer
 * shares the same memory (measured: `transfer()` of an external buffer does
 * not copy) and is out of our reach: the buffer is then never released (its
 * exporter lives for the rest of the process), which is safe but leaks.
 *
 * **Read-only buffers.** JavaScript has no read-only TypedArray: the view of
 * a buffer with `readonly === true` (`bytes`, a read-only ndarray) can be
 * written, and doing so corrupts an immutable Python object. Check
 * `readonly`, or acquire with `{ writable: true }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PyBuffer, Python } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const a = py.eval("__import__('array').array('d', [1.5, 2.5])");
 *   using buf = PyBuffer.get(a, { writable: true });
 *   const v = buf.view(Float64Array); // same memory as the array.array
 *   v[0] = 10;
 *   assert.deepEqual(buf.shape, [2]);
 *   assert.equal(buf.format, "d");
 *   assert.equal(a.getItem(0).toJs(), 10);
 * });
 * ```
 */
export class PyBuffer {
  /** The placeholder reference that registers this buffer with its tier. */
  #marker: Ref;
  /** What the pool or scope releases (see `registerResource`). */
  #resource: Releasable;
  #struct: Uint8Array<ArrayBuffer> | null;
  #state: TokenState;
  #buf: Ptr | null;
  #len: number;
  #format: string;
  #itemSize: number;
  #readonly: boolean;
  #shape: readonly number[];
  #strides: readonly number[];
  #type: ItemType | string;
  #view: BufferArray | null = null;
  #ab: ArrayBuffer | null = null;
  #dead: Dead = Dead.Alive;

  /** @ignore Internal: buffers come from {@linkcode PyBuffer.get}, never from `new`. */
  constructor(
    key: typeof KEY,
    struct: Uint8Array<ArrayBuffer>,
    state: TokenState,
    marker: Ref,
  ) {
    if (key !== KEY) {
      throw new TypeError(
        "PyBuffer cannot be constructed with new: use PyBuffer.get(obj)",
      );
    }
    this.#struct = struct;
    this.#state = state;
    this.#marker = marker;
    this.#resource = { marker, release: () => this.release() };
    const dv = new DataView(struct.buffer);
    const ptrAt = (o: number): Ptr | null =>
      Deno.UnsafePointer.create(dv.getBigUint64(o, LITTLE_ENDIAN));
    this.#buf = ptrAt(0);
    this.#len = Number(dv.getBigInt64(16, LITTLE_ENDIAN));
    this.#itemSize = Number(dv.getBigInt64(24, LITTLE_ENDIAN));
    this.#readonly = dv.getInt32(32, LITTLE_ENDIAN) !== 0;
    const ndim = dv.getInt32(36, LITTLE_ENDIAN);
    const fmt = ptrAt(40);
    this.#format = fmt === null ? "B" : Deno.UnsafePointerView.getCString(fmt);
    const shape = ndim === 0 ? [] : ssizeArray(ptrAt(48), ndim);
    let strides = ndim === 0 ? [] : ssizeArray(ptrAt(56), ndim);
    if (strides.length !== ndim) {
      // No strides given: C order.
      strides = new Array(ndim);
      let s = this.#itemSize;
      for (let d = ndim - 1; d >= 0; d--) {
        strides[d] = s;
        s *= shape[d];
      }
    }
    this.#shape = Object.freeze(shape);
    this.#strides = Object.freeze(strides);
    this.#type = itemType(this.#format, this.#itemSize);
  }

  /**
   * Acquire `obj`'s buffer (`PyObject_GetBuffer`). Throws the `TypeError`
   * CPython raises for an object without the buffer protocol
   * (`a bytes-like object is required, not 'int'`), or `BufferError` (an
   * exporter refusing the request, e.g. `{ writable: true }` on `bytes`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyBuffer, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const b = py.eval("bytearray(b'abc')");
   *   using buf = PyBuffer.get(b, { writable: true });
   *   buf.view(Uint8Array)[0] = 0x41;
   *   assert.equal(b.repr(), "bytearray(b'Abc')");
   * });
   * ```
   */
  static get(obj: PyAny, options: PyBufferOptions = {}): PyBuffer {
    return PyBuffer.#acquire(obj, options, false);
  }

  /**
   * `get`, or with `transient` a buffer that belongs to no pool or scope
   * (its marker is a `Ref` no tier adopted, borrowing `None`, and nothing is
   * registered): for a caller that releases it before returning, as
   * `Extract.typedArray` does, so that an extraction leaves nothing behind
   * in the stable tier's pool.
   */
  static #acquire(
    obj: PyAny,
    options: PyBufferOptions,
    transient: boolean,
  ): PyBuffer {
    const p = ptrOf(obj);
    const state = tokenState(obj.py());
    const r = runtime();
    const struct = new Uint8Array(new ArrayBuffer(PY_BUFFER_SIZE));
    const flags = PyBUF_RECORDS_RO |
      (options.writable === true ? PyBUF_WRITABLE : 0);
    if (r.sym.PyObject_GetBuffer(p, struct, flags) !== 0) throw fetchError();
    let marker: Ref;
    try {
      if (transient) {
        marker = new Ref(r.none, -1, null);
        marker.borrowed = true; // no reference of its own, none released
      } else {
        r.sym.Py_IncRef(r.none);
        marker = state.tier.adopt(r.none);
      }
    } catch (e) {
      r.sym.PyBuffer_Release(struct);
      throw e;
    }
    let b: PyBuffer;
    try {
      b = new PyBuffer(KEY, struct, state, marker);
    } catch (e) {
      r.sym.PyBuffer_Release(struct);
      state.tier.dispose(marker);
      throw e;
    }
    if (!transient) registerResource(b.#resource);
    return b;
  }

  static {
    withTransientBuffer = <R>(obj: PyAny, f: (b: PyBuffer) => R): R => {
      const b = PyBuffer.#acquire(obj, {}, true);
      try {
        return f(b);
      } finally {
        b.release();
      }
    };
  }

  /** The item format, in `struct` module syntax (`"d"`, `"<i"`, `"Zd"`, `"B"`). */
  get format(): string {
    return this.#format;
  }

  /** Bytes per item (`itemsize`). */
  get itemSize(): number {
    return this.#itemSize;
  }

  /** Total bytes of the items (`len`: product of `shape` times `itemSize`). */
  get byteLength(): number {
    return this.#len;
  }

  /** Number of items (product of `shape`). */
  get itemCount(): number {
    return this.#itemSize === 0 ? 0 : this.#len / this.#itemSize;
  }

  /** Is the memory read-only? (Writing through `view()` must then not happen.) */
  get readonly(): boolean {
    return this.#readonly;
  }

  /** Number of dimensions (0 for a scalar). */
  get ndim(): number {
    return this.#shape.length;
  }

  /** Items per dimension (frozen). */
  get shape(): readonly number[] {
    return this.#shape;
  }

  /** Bytes between consecutive items per dimension (frozen; may be negative). */
  get strides(): readonly number[] {
    return this.#strides;
  }

  /** Has the buffer been released (disposed, or its pool/scope ended)? */
  get released(): boolean {
    return this.#deadReason() !== Dead.Alive;
  }

  /** Are the items contiguous in C (row-major) order? */
  isCContiguous(): boolean {
    return contiguous(this.#shape, this.#strides, this.#itemSize, "C");
  }

  /** Are the items contiguous in Fortran (column-major) order? */
  isFContiguous(): boolean {
    return contiguous(this.#shape, this.#strides, this.#itemSize, "F");
  }

  /**
   * The TypedArray class of the items (`Float64Array` for `d`, `Int32Array`
   * for `i`, `BigInt64Array` for `q`/`l` of 8 bytes, `Float16Array` for
   * `e`, `Uint8Array` for `B`, `c` and `?`, `Float64Array` for complex `Zd`
   * with two elements per item, ...), or `null` for a format without one
   * (structured dtypes, `long double`).
   */
  get arrayType(): BufferArrayConstructor | null {
    return typeof this.#type === "string" ? null : this.#type.ctor;
  }

  /**
   * A zero-copy TypedArray over the memory, in memory order (for a
   * Fortran-contiguous buffer that is column-major), of the class
   * {@linkcode PyBuffer.arrayType}: complex items give two elements each
   * (real, imaginary). Every call returns the same TypedArray. Writes are
   * seen by Python and Python's writes by JS. Pass the expected class to
   * check it: `view(Float64Array)` throws a `TypeError` for other formats.
   *
   * Throws for a released buffer, a non-contiguous one (strided slices,
   * transposes: use {@linkcode PyBuffer.toTypedArray}), a format without a
   * TypedArray, a non-native byte order, or memory not aligned to the item
   * size (all but the first can be copied with `toTypedArray()`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyBuffer, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   using buf = PyBuffer.get(py.eval("__import__('array').array('d', range(10))"));
   *   const v = buf.view(Float64Array); // no copy
   *   let s = 0;
   *   for (let i = 0; i < v.length; i++) s += v[i];
   *   assert.equal(s, 45);
   * });
   * ```
   */
  view(): BufferArray;
  /** The view, checked to be an instance of `type`. */
  view<C extends BufferArrayConstructor>(type: C): InstanceType<C>;
  view(type?: BufferArrayConstructor): BufferArray {
    this.#alive("view");
    const t = this.#checkedType(type, "view");
    if (this.#view !== null) return this.#view;
    if (!this.isCContiguous() && !this.isFContiguous()) {
      throw new TypeError(
        `PyBuffer.view: the buffer is not contiguous (shape [${this.#shape}], strides [${this.#strides}], item size ${this.#itemSize}): copy it with toTypedArray()`,
      );
    }
    if (t.little !== LITTLE_ENDIAN) {
      throw new TypeError(
        `PyBuffer.view: buffer format '${this.#format}' is not in this machine's byte order: copy it with toTypedArray() (converts)`,
      );
    }
    if (!this.#aligned(t)) {
      throw new TypeError(
        `PyBuffer.view: the memory is not aligned to ${t.size} bytes (format '${this.#format}'): copy it with toTypedArray()`,
      );
    }
    const ab = foreign(this.#buf, this.#len);
    this.#ab = ab;
    this.#view = new t.ctor(ab, 0, this.#len / t.size) as BufferArray;
    return this.#view;
  }

  /**
   * A copy of the items in a new TypedArray of the class
   * {@linkcode PyBuffer.arrayType}, laid out in `order` (`"C"`, row-major,
   * by default, or `"F"`), honouring any strides (negative too) and the
   * format's byte order. Works for non-contiguous buffers.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyBuffer, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   // every other item of a float64 array: a strided, non-contiguous buffer
   *   const a = py.eval("memoryview(__import__('array').array('d', range(6)))[::2]");
   *   using buf = PyBuffer.get(a);
   *   assert.throws(() => buf.view(), /contiguous/);
   *   assert.deepEqual(buf.toTypedArray(), new Float64Array([0, 2, 4]));
   * });
   * ```
   */
  toTypedArray(order?: "C" | "F"): BufferArray;
  /** The copy in `order`, checked to be an instance of `type`. */
  toTypedArray<C extends BufferArrayConstructor>(
    type: C,
    order?: "C" | "F",
  ): InstanceType<C>;
  toTypedArray(
    typeOrOrder?: BufferArrayConstructor | "C" | "F",
    maybeOrder?: "C" | "F",
  ): BufferArray {
    this.#alive("toTypedArray");
    const type = typeof typeOrOrder === "function" ? typeOrOrder : undefined;
    const order = typeof typeOrOrder === "string"
      ? typeOrOrder
      : maybeOrder ?? "C";
    if (order !== "C" && order !== "F") {
      throw new TypeError(
        `PyBuffer.toTypedArray: order must be "C" or "F", not ${String(order)}`,
      );
    }
    const t = this.#checkedType(type, "toTypedArray");
    const shape = this.#shape;
    const strides = this.#strides;
    const n = this.itemCount;
    if (n === 0) return new t.ctor(0) as BufferArray;
    if (
      t.little === LITTLE_ENDIAN && this.#aligned(t) &&
      (order === "C" ? this.isCContiguous() : this.isFContiguous())
    ) {
      // Already in the requested layout: one memcpy (TypedArray.slice).
      const src = new t.ctor(foreign(this.#buf, this.#len), 0, n * t.parts);
      return src.slice() as BufferArray;
    }
    const out = new t.ctor(n * t.parts) as BufferArray;
    // Byte range spanned by the items, relative to buf (strides may be negative).
    let lo = 0;
    let hi = this.#itemSize;
    for (let d = 0; d < shape.length; d++) {
      const span = (shape[d] - 1) * strides[d];
      if (span < 0) lo += span;
      else hi += span;
    }
    const base = Deno.UnsafePointer.create(
      BigInt(Deno.UnsafePointer.value(this.#buf)) + BigInt(lo),
    );
    const dv = new DataView(foreign(base, hi - lo));
    const read = reader(t);
    const ndim = shape.length;
    const dims: number[] = [];
    for (let k = 0; k < ndim; k++) dims.push(order === "C" ? ndim - 1 - k : k);
    const idx = new Array<number>(ndim).fill(0);
    const half = t.size;
    const w = out as unknown as (number | bigint)[];
    let off = -lo;
    for (let i = 0, j = 0; i < n; i++) {
      w[j++] = read(dv, off);
      if (t.parts === 2) w[j++] = read(dv, off + half);
      for (const d of dims) {
        off += strides[d];
        if (++idx[d] < shape[d]) break;
        off -= strides[d] * shape[d];
        idx[d] = 0;
      }
    }
    return out;
  }

  /**
   * Release the buffer now (`PyBuffer_Release`), after detaching the view:
   * every TypedArray over it then has length 0. Idempotent; a buffer whose
   * pool or scope ended is already released. Needs the GIL (call it inside
   * `Python.withGil`, not inside `py.allowThreads`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PyBuffer, Python } from "@pyembed/pyembed";
   *
   * Python.withGil((py) => {
   *   const buf = PyBuffer.get(py.eval("b'abc'"));
   *   const v = buf.view();
   *   assert.equal(v.length, 3);
   *   buf.release();
   *   assert.equal(v.length, 0); // detached: it no longer reaches Python's memory
   * });
   * ```
   */
  release(): void {
    const struct = this.#struct;
    if (struct === null) return;
    const sym = runtime().sym; // throws without the GIL, before changing anything
    this.#struct = null;
    if (this.#dead === Dead.Alive) {
      this.#dead = this.#marker.ptr === null
        ? this.#marker.dead
        : Dead.Disposed;
    }
    const ab = this.#ab;
    this.#ab = null;
    this.#view = null;
    unregisterResource(this.#resource);
    if (ab !== null && ab.detached) {
      // Transferred away by the user: the memory must stay valid.
      keptForever.push(struct);
    } else {
      if (ab !== null) ab.transfer(0); // detaches every view over it
      sym.PyBuffer_Release(struct);
    }
    this.#state.tier.dispose(this.#marker); // owned tier: the placeholder's slot
  }

  /** The same as {@linkcode PyBuffer.release}: `using buf = PyBuffer.get(obj)`. */
  [Symbol.dispose](): void {
    this.release();
  }

  #aligned(t: ItemType): boolean {
    const addr = this.#buf === null ? 0 : Deno.UnsafePointer.value(this.#buf);
    return BigInt(addr) % BigInt(t.size) === 0n;
  }

  #deadReason(): Dead {
    if (this.#struct === null) return this.#dead;
    return this.#marker.ptr === null ? this.#marker.dead : Dead.Alive;
  }

  #alive(method: string): void {
    const why = this.#deadReason();
    if (why === Dead.Alive) return;
    throw new Error(
      `PyBuffer.${method}: this buffer was released ${
        why === Dead.Disposed
          ? "(release() or [Symbol.dispose]() / the end of its `using` block)"
          : why === Dead.PoolEnded
          ? "(the pool it was acquired in ended: its Python.withGil or py.withPool returned)"
          : "(its Python.withGil scope ended)"
      }; its views are detached. Acquire it again with PyBuffer.get(obj) while you need the memory.`,
    );
  }

  #checkedType(
    type: BufferArrayConstructor | undefined,
    method: string,
  ): ItemType {
    const t = this.#type;
    if (typeof t === "string") {
      throw new TypeError(
        `PyBuffer.${method}: ${t}; get the raw bytes with bytes(memoryview(obj).cast('B')) or convert it in Python`,
      );
    }
    if (type !== undefined && type !== t.ctor) {
      throw PyTypeError.newErr(
        `PyBuffer.${method}: buffer format '${this.#format}' (item size ${this.#itemSize}) is viewed as ${t.ctor.name}, not ${
          (type as { name?: string })?.name ?? String(type)
        }`,
      );
    }
    return t;
  }
}
