/**
 * The cases `list_bench.ts`, `tuple_bench.ts` and `set_bench.ts` share:
 * building a sequence of ints, summing it by index, summing it by iteration.
 *
 * Each function registers one group and is called once per bench file; as
 * `deno bench` runs each file in its own isolate, every member function these
 * make has a single closure there, and its loop sees one type and one raw
 * symbol: the loops are the ones each file used to spell out.
 *
 * @module
 */

import { group, keep, P, type Ptr, range, ssize, sym } from "./_common.ts";

const { Extract } = P;

/** A sequence made once by `keep` (see `_common.ts`). */
export interface Kept<T extends P.PyAny> {
  py: P.Py<T>;
  ptr: Ptr;
}

/**
 * `<name>_new`: `Py<Type>::new(py, 0..len)`; `raw` makes the sequence with
 * `rawNew(len)` and fills it with `rawSetItem` (which steals the new int).
 */
export function sequenceNew(
  name: string,
  len: number,
  cls: typeof P.PyList | typeof P.PyTuple,
  rawNew: (n: Deno.PointerValue) => Ptr | null,
  rawSetItem: (s: Ptr, i: Deno.PointerValue, x: Ptr | null) => number,
): void {
  const data = range(len);
  group(name, len, {
    raw: () => {
      const s = rawNew(ssize(len))!;
      for (let i = 0; i < len; i++) {
        rawSetItem(s, ssize(i), sym.PyLong_FromDouble(data[i]));
      }
      sym.Py_DecRef(s);
    },
    pool: (py) => {
      cls.new(py, data);
    },
    owned: (py) => {
      using _s = cls.new(py, data);
    },
  });
}

/**
 * `<name>_get_item`: sum of `seq.get_item(i).extract::<usize>()` over
 * `0..len`; `raw` reads the borrowed item with `rawGetItem`.
 */
export function sequenceGetItem(
  name: string,
  len: number,
  seq: Kept<P.PyList | P.PyTuple>,
  rawGetItem: (s: Ptr, i: Deno.PointerValue) => Ptr | null,
): void {
  group(name, len, {
    raw: () => {
      let sum = 0;
      for (let i = 0; i < len; i++) {
        sum += sym.PyLong_AsDouble(rawGetItem(seq.ptr, ssize(i)));
      }
      return sum;
    },
    pool: (py) => {
      const s = seq.py.bind(py);
      let sum = 0;
      for (let i = 0; i < len; i++) sum += s.getItem(i).extract(Extract.int);
      return sum;
    },
    owned: (py) => {
      using s = seq.py.bind(py);
      let sum = 0;
      for (let i = 0; i < len; i++) {
        using x = s.getItem(i);
        sum += x.extract(Extract.int);
      }
      return sum;
    },
    ownedDispose: (py) => {
      const s = seq.py.bind(py);
      let sum = 0;
      for (let i = 0; i < len; i++) {
        const x = s.getItem(i);
        sum += x.extract(Extract.int);
        x[Symbol.dispose]();
      }
      s[Symbol.dispose]();
      return sum;
    },
  });
}

/** `iter_<type>`: `for x in seq { sum += x.extract::<u64>() }`. */
export function sequenceIter(
  name: string,
  len: number,
  seq: Kept<P.PyList | P.PyTuple | P.PySet>,
): void {
  group(name, len, {
    raw: () => {
      let sum = 0;
      const it = sym.PyObject_GetIter(seq.ptr)!;
      for (let x = sym.PyIter_Next(it); x !== null; x = sym.PyIter_Next(it)) {
        sum += sym.PyLong_AsDouble(x);
        sym.Py_DecRef(x);
      }
      sym.Py_DecRef(it);
      return sum;
    },
    pool: (py) => {
      let sum = 0;
      for (const x of seq.py.bind(py)) sum += x.extract(Extract.int);
      return sum;
    },
    owned: (py) => {
      using s = seq.py.bind(py);
      let sum = 0;
      for (using x of s) sum += x.extract(Extract.int);
      return sum;
    },
    ownedDispose: (py) => {
      const s = seq.py.bind(py);
      let sum = 0;
      for (const x of s) {
        sum += x.extract(Extract.int);
        x[Symbol.dispose]();
      }
      s[Symbol.dispose]();
      return sum;
    },
  });
}

/**
 * PyO3's three cases for a sequence type `kind` (`"list"` or `"tuple"`), in
 * its order: `<kind>_new` (LEN = 50_000), `<kind>_get_item` (LEN = 50_000)
 * and `iter_<kind>` (LEN = 100_000), on `<kind>(range(LEN))`.
 */
export function sequenceCases(
  kind: string,
  cls: typeof P.PyList | typeof P.PyTuple,
  raw: {
    new: (n: Deno.PointerValue) => Ptr | null;
    setItem: (s: Ptr, i: Deno.PointerValue, x: Ptr | null) => number;
    getItem: (s: Ptr, i: Deno.PointerValue) => Ptr | null;
  },
): void {
  const info = cls as P.PyTypeInfo<P.PyList | P.PyTuple>;
  const kept = (len: number) => keep(`${kind}(range(${len}))`, info);
  sequenceNew(`${kind}_new`, 50_000, cls, raw.new, raw.setItem);
  sequenceGetItem(`${kind}_get_item`, 50_000, kept(50_000), raw.getItem);
  sequenceIter(`iter_${kind}`, 100_000, kept(100_000));
}
