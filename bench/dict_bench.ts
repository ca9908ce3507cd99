/**
 * PyO3's `bench_dict.rs`: `dict_new`, `dict_get_item`, `iter_dict`,
 * `extract_hashmap` (here: extract to a `Map`).
 *
 * @module
 */

import { group, keep, P, range, ssize, sym } from "./_common.ts";

const { Extract, PyDict } = P;

// dict_new: (0..LEN).map(|i| (i, i * 2)).into_py_dict(py), LEN = 50_000.
{
  const LEN = 50_000;
  const pairs = range(LEN).map((i) => [i, i * 2] as [number, number]);
  group("dict_new", LEN, {
    raw: () => {
      const d = sym.PyDict_New()!;
      for (let i = 0; i < LEN; i++) {
        const k = sym.PyLong_FromDouble(pairs[i][0])!;
        const v = sym.PyLong_FromDouble(pairs[i][1])!;
        sym.PyDict_SetItem(d, k, v);
        sym.Py_DecRef(k);
        sym.Py_DecRef(v);
      }
      sym.Py_DecRef(d);
    },
    pool: (py) => {
      PyDict.fromEntries(py, pairs);
    },
    owned: (py) => {
      using _d = PyDict.fromEntries(py, pairs);
    },
  });
}

// dict_get_item: sum of dict.get_item(i).extract::<usize>(), LEN = 50_000.
{
  const LEN = 50_000;
  const dict = keep(`{i: i for i in range(${LEN})}`, PyDict);
  group("dict_get_item", LEN, {
    raw: () => {
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        const k = sym.PyLong_FromDouble(i)!;
        const v = sym.PyDict_GetItemWithError(dict.ptr, k)!;
        sym.Py_DecRef(k);
        sum += sym.PyLong_AsDouble(v);
      }
      return sum;
    },
    pool: (py) => {
      const d = dict.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) sum += d.getItem(i)!.extract(Extract.int);
      return sum;
    },
    owned: (py) => {
      using d = dict.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        using v = d.getItem(i)!;
        sum += v.extract(Extract.int);
      }
      return sum;
    },
    ownedDispose: (py) => {
      const d = dict.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        const v = d.getItem(i)!;
        sum += v.extract(Extract.int);
        v[Symbol.dispose]();
      }
      d[Symbol.dispose]();
      return sum;
    },
  });
}

// iter_dict: for (k, _v) in dict { sum += k.extract::<u64>() }, LEN = 100_000.
{
  const LEN = 100_000;
  const dict = keep(`{i: i * 2 for i in range(${LEN})}`, PyDict);
  group("iter_dict", LEN, {
    raw: () => {
      // The items the tiers walk: the dict's keys and values lists (borrowed items).
      let sum = 0;
      const keys = sym.PyDict_Keys(dict.ptr)!;
      const values = sym.PyDict_Values(dict.ptr)!;
      const n = Number(sym.PyList_Size(keys));
      for (let i = 0; i < n; i++) {
        sum += sym.PyLong_AsDouble(sym.PyList_GetItem(keys, ssize(i)));
        sym.PyList_GetItem(values, ssize(i));
      }
      sym.Py_DecRef(keys);
      sym.Py_DecRef(values);
      return sum;
    },
    pool: (py) => {
      let sum = 0;
      for (const [k] of dict.py.bind(py).entries()) {
        sum += k.extract(Extract.int);
      }
      return sum;
    },
    owned: (py) => {
      using d = dict.py.bind(py);
      let sum = 0;
      for (const [k, v] of d.entries()) {
        using _k = k, _v = v;
        sum += k.extract(Extract.int);
      }
      return sum;
    },
    ownedDispose: (py) => {
      const d = dict.py.bind(py);
      let sum = 0;
      for (const [k, v] of d.entries()) {
        sum += k.extract(Extract.int);
        k[Symbol.dispose]();
        v[Symbol.dispose]();
      }
      d[Symbol.dispose]();
      return sum;
    },
  });
}

// extract_hashmap: HashMap::<u64, u64>::extract(dict), LEN = 100_000 (here a Map<number, number>).
{
  const LEN = 100_000;
  const dict = keep(`{i: i * 2 for i in range(${LEN})}`, PyDict);
  const asMap = Extract.dict(Extract.int, Extract.int);
  group("extract_map", LEN, {
    raw: () => {
      const out = new Map<number, number>();
      const keys = sym.PyDict_Keys(dict.ptr)!;
      const values = sym.PyDict_Values(dict.ptr)!;
      const n = Number(sym.PyList_Size(keys));
      for (let i = 0; i < n; i++) {
        out.set(
          sym.PyLong_AsDouble(sym.PyList_GetItem(keys, ssize(i))),
          sym.PyLong_AsDouble(sym.PyList_GetItem(values, ssize(i))),
        );
      }
      sym.Py_DecRef(keys);
      sym.Py_DecRef(values);
      return out;
    },
    pool: (py) => dict.py.bind(py).extract(asMap),
    owned: (py) => {
      using d = dict.py.bind(py);
      return d.extract(asMap);
    },
  });
}
