/**
 * PyO3's `bench_list.rs`: `list_new`, `list_get_item`, `iter_list`.
 *
 * @module
 */

import { group, keep, P, range, ssize, sym } from "./_common.ts";

const { Extract, PyList } = P;

// list_new: PyList::new(py, 0..LEN), LEN = 50_000.
{
  const LEN = 50_000;
  const data = range(LEN);
  group("list_new", LEN, {
    raw: () => {
      const l = sym.PyList_New(ssize(LEN))!;
      for (let i = 0; i < LEN; i++) {
        sym.PyList_SetItem(l, ssize(i), sym.PyLong_FromDouble(data[i]));
      }
      sym.Py_DecRef(l);
    },
    pool: (py) => {
      PyList.new(py, data);
    },
    owned: (py) => {
      using _l = PyList.new(py, data);
    },
  });
}

// list_get_item: sum of list.get_item(i).extract::<usize>(), LEN = 50_000.
{
  const LEN = 50_000;
  const list = keep(`list(range(${LEN}))`, PyList);
  group("list_get_item", LEN, {
    raw: () => {
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        sum += sym.PyLong_AsDouble(sym.PyList_GetItem(list.ptr, ssize(i)));
      }
      return sum;
    },
    pool: (py) => {
      const l = list.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) sum += l.getItem(i).extract(Extract.int);
      return sum;
    },
    owned: (py) => {
      using l = list.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        using x = l.getItem(i);
        sum += x.extract(Extract.int);
      }
      return sum;
    },
    ownedDispose: (py) => {
      const l = list.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        const x = l.getItem(i);
        sum += x.extract(Extract.int);
        x[Symbol.dispose]();
      }
      l[Symbol.dispose]();
      return sum;
    },
  });
}

// iter_list: for x in list { sum += x.extract::<u64>() }, LEN = 100_000.
{
  const LEN = 100_000;
  const list = keep(`list(range(${LEN}))`, PyList);
  group("iter_list", LEN, {
    raw: () => {
      let sum = 0;
      const it = sym.PyObject_GetIter(list.ptr)!;
      for (let x = sym.PyIter_Next(it); x !== null; x = sym.PyIter_Next(it)) {
        sum += sym.PyLong_AsDouble(x);
        sym.Py_DecRef(x);
      }
      sym.Py_DecRef(it);
      return sum;
    },
    pool: (py) => {
      let sum = 0;
      for (const x of list.py.bind(py)) sum += x.extract(Extract.int);
      return sum;
    },
    owned: (py) => {
      using l = list.py.bind(py);
      let sum = 0;
      for (using x of l) sum += x.extract(Extract.int);
      return sum;
    },
    ownedDispose: (py) => {
      const l = list.py.bind(py);
      let sum = 0;
      for (const x of l) {
        sum += x.extract(Extract.int);
        x[Symbol.dispose]();
      }
      l[Symbol.dispose]();
      return sum;
    },
  });
}
