/**
 * JS memory handed to Python without a copy (issue 14, item 2).
 *
 * `sharedArray(py, Float64Array, shape)` allocates the memory on the JS side
 * and returns both a TypedArray over it and a Python `memoryview` of the same
 * bytes, with the TypedArray's item format and `shape`: `numpy.asarray(obj)`
 * and `numpy.frombuffer(obj)` share it, and writes on either side are seen on
 * the other.
 *
 * Why its own allocation, not the caller's TypedArray: a program can detach
 * any ordinary ArrayBuffer (`transfer()`, `postMessage(.., [buf])`,
 * `structuredClone`), which frees or moves its memory while Python may still
 * read it. The memory here is a `WebAssembly.Memory` of its own, whose buffer
 * V8 refuses to detach (measured on Deno 2.9: `transfer()` and a transferring
 * `structuredClone` throw), and whose `grow` is never called (the `Memory`
 * object is not handed out). Lifetime:
 * - while Python refers to the memory (the memoryview, a numpy array made
 *   from it, any view of those), this module holds the `Memory` object, so it
 *   stays allocated even after the program dropped the TypedArray;
 * - Python's last reference going away (on any thread) only appends an id to
 *   a Python list (a weakref callback on the exporting `ctypes` array): no
 *   callback enters JS, so a foreign thread or an ended isolate is never
 *   called into. The next `sharedArray` call (or {@linkcode sweepSharedArrays})
 *   drops those ids, and the garbage collector frees the memory once the
 *   program's TypedArray is gone too.
 * The cost: memory comes in 64 KiB WebAssembly pages (a small array still
 * takes one page), and at most 4 GiB an array.
 *
 * @module
 */

import { fetchError } from "../core/err.ts";
import { drainIds, runKit } from "../core/kit.ts";
import { cstr, type Ptr, runtime } from "../core/runtime.ts";
import { ssize } from "../core/ssize.ts";
import { PyTypeError } from "./exceptions.ts";
import { PyAny, wrap } from "./any.ts";
import type { BufferArrayConstructor } from "./buffer.ts";
import type { PythonBase } from "./python.ts";
import { tokenState } from "./python.ts";

const PAGE = 65536;
const MAX_PAGES = 65536;

/** Python's struct format of each TypedArray class. */
const FORMATS: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  [Int8Array, "b"],
  [Uint8Array, "B"],
  [Int16Array, "h"],
  [Uint16Array, "H"],
  [Int32Array, "i"],
  [Uint32Array, "I"],
  [BigInt64Array, "q"],
  [BigUint64Array, "Q"],
  [Float32Array, "f"],
  [Float64Array, "d"],
  ...(typeof Float16Array === "function"
    ? [[Float16Array, "e"] as [unknown, string]]
    : []),
]);

const SHARE_CODE = `
import ctypes, weakref

dead = []
_refs = {}


def share(addr, nbytes, fmt, shape, token):
    raw = (ctypes.c_char * nbytes).from_address(addr)
    # Every view (a cast, a numpy array) keeps this exporter alive. A plain
    # weakref callback, not weakref.finalize: finalize stops calling back once
    # atexit ran, which pyembed does when an isolate hands CPython over.
    _refs[token] = weakref.ref(raw, lambda _r, t=token: (dead.append(t), _refs.pop(t, None)))
    return memoryview(raw).cast('B').cast(fmt, shape)
`;

let kit: { share: Ptr; dead: Ptr } | null = null;
const held = new Map<number, WebAssembly.Memory>();
let nextToken = 1;

function getKit(): { share: Ptr; dead: Ptr } {
  return kit ??= runKit(SHARE_CODE, "<pyembed-shared>", ["share", "dead"]);
}

/**
 * Forget the memory Python no longer refers to (GIL held); `sharedArray`
 * does this itself. Returns how many allocations are still held for Python.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Python, sharedArray, sweepSharedArrays } from "@pyembed/pyembed";
 *
 * Python.withGil((py) => {
 *   const before = sweepSharedArrays();
 *   py.withPool(() => {
 *     sharedArray(py, Float64Array, [4]); // Python's view is dropped with this pool
 *   });
 *   py.run("import gc; gc.collect()");
 *   assert.equal(sweepSharedArrays(), before);
 * });
 * ```
 */
export function sweepSharedArrays(): number {
  if (kit !== null) drainIds(kit.dead, (id) => held.delete(id));
  return held.size;
}

/** What {@linkcode sharedArray} returns. */
export interface SharedArray<A> {
  /** The JS view of the memory (the whole array, in C order). */
  readonly array: A;
  /** A Python `memoryview` of the same memory, with the array's format and shape. */
  readonly object: PyAny;
}

function checkShape(shape: number | readonly number[]): number[] {
  const dims = typeof shape === "number" ? [shape] : [...shape];
  if (
    dims.length === 0 || dims.length > 64 ||
    !dims.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new RangeError(
      `sharedArray: shape must be a length or an array of 1 to 64 non-negative integers, got ${
        JSON.stringify(shape)
      }`,
    );
  }
  return dims;
}

/**
 * Allocate an array in memory JS and Python share, without a copy either way
 * (issue 14, item 2): `array` is a TypedArray of class `type` holding
 * `shape`'s product of items, `object` a Python `memoryview` of the same
 * bytes with `type`'s format and `shape`, so `numpy.asarray(object)` is an
 * ndarray over that memory. The memory stays allocated while Python refers to
 * it or the program holds `array` (see the module doc for why it is not the
 * caller's own TypedArray: that one could be detached under Python).
 *
 * @example
 * ```ts
 * import { Python, sharedArray } from "@pyembed/pyembed";
 * Python.withGil((py) => {
 *   const { array, object } = sharedArray(py, Float64Array, [2, 3]);
 *   array.set([1, 2, 3, 4, 5, 6]);
 *   const g = py.eval("{}");
 *   g.setItem("m", object);
 *   py.run("m[1, 2] = 60.0", g); // a write in Python...
 *   console.log(array[5]); // ...seen in JS: 60
 *   console.log(py.eval("m.tolist()", g).toJs()); // [[1, 2, 3], [4, 5, 60]]
 * });
 * ```
 */
export function sharedArray<C extends BufferArrayConstructor>(
  py: PythonBase,
  type: C,
  shape: number | readonly number[],
): SharedArray<InstanceType<C>> {
  tokenState(py);
  const fmt = FORMATS.get(type);
  if (fmt === undefined) {
    throw PyTypeError.newErr(
      "sharedArray(py, type, shape): type must be a TypedArray class (Float64Array, Int32Array, Uint8Array, ...)",
    );
  }
  const dims = checkShape(shape);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count === 0) {
    throw new RangeError(
      `sharedArray: the shape ${
        JSON.stringify(shape)
      } has no items; Python's memoryview cannot be cast to an empty shape`,
    );
  }
  const size = (type as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const nbytes = count * size;
  const pages = Math.max(1, Math.ceil(nbytes / PAGE));
  if (!Number.isSafeInteger(nbytes) || pages > MAX_PAGES) {
    throw new RangeError(
      `sharedArray: ${count} items of ${size} bytes exceed the 4 GiB one array may hold`,
    );
  }
  const sym = runtime().sym;
  const k = getKit();
  sweepSharedArrays();
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const array = new type(
    memory.buffer as ArrayBuffer,
    0,
    count,
  ) as InstanceType<C>;
  const addr = Deno.UnsafePointer.value(
    Deno.UnsafePointer.of(new Uint8Array(memory.buffer)),
  );
  const token = nextToken++;
  const args = sym.PyTuple_New(ssize(5));
  if (args === null) throw fetchError();
  try {
    const shapeTuple = sym.PyTuple_New(ssize(dims.length));
    if (shapeTuple === null) throw fetchError();
    dims.forEach((d, i) =>
      sym.PyTuple_SetItem(shapeTuple, ssize(i), sym.PyLong_FromDouble(d))
    );
    const fmtObj = sym.PyUnicode_InternFromString(cstr(fmt))!;
    sym.PyTuple_SetItem(args, ssize(0), sym.PyLong_FromDouble(Number(addr)));
    sym.PyTuple_SetItem(args, ssize(1), sym.PyLong_FromDouble(nbytes));
    sym.PyTuple_SetItem(args, ssize(2), fmtObj);
    sym.PyTuple_SetItem(args, ssize(3), shapeTuple);
    sym.PyTuple_SetItem(args, ssize(4), sym.PyLong_FromDouble(token));
    const view = sym.PyObject_CallObject(k.share, args);
    if (view === null) throw fetchError();
    held.set(token, memory);
    return { array, object: wrap(py, view, PyAny) };
  } finally {
    sym.Py_DecRef(args);
  }
}
