/**
 * PyO3's `bench_tuple.rs`: `tuple_new`, `tuple_get_item`, `iter_tuple`,
 * `tuple_to_list`.
 *
 * @module
 */

import { group, keep, P, range, ssize, sym } from "./_common.ts";

const { Extract, PyTuple } = P;

// tuple_new: PyTuple::new(py, 0..LEN), LEN = 50_000.
{
  const LEN = 50_000;
  const data = range(LEN);
  group("tuple_new", LEN, {
    raw: () => {
      const t = sym.PyTuple_New(ssize(LEN))!;
      for (let i = 0; i < LEN; i++) {
        sym.PyTuple_SetItem(t, ssize(i), sym.PyLong_FromDouble(data[i]));
      }
      sym.Py_DecRef(t);
    },
    pool: (py) => {
      PyTuple.new(py, data);
    },
    owned: (py) => {
      using _t = PyTuple.new(py, data);
    },
  });
}

// tuple_get_item: sum of tuple.get_item(i).extract::<usize>(), LEN = 50_000.
{
  const LEN = 50_000;
  const tuple = keep(`tuple(range(${LEN}))`, PyTuple);
  group("tuple_get_item", LEN, {
    raw: () => {
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        sum += sym.PyLong_AsDouble(sym.PyTuple_GetItem(tuple.ptr, ssize(i)));
      }
      return sum;
    },
    pool: (py) => {
      const t = tuple.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) sum += t.getItem(i).extract(Extract.int);
      return sum;
    },
    owned: (py) => {
      using t = tuple.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        using x = t.getItem(i);
        sum += x.extract(Extract.int);
      }
      return sum;
    },
    ownedDispose: (py) => {
      const t = tuple.py.bind(py);
      let sum = 0;
      for (let i = 0; i < LEN; i++) {
        const x = t.getItem(i);
        sum += x.extract(Extract.int);
        x[Symbol.dispose]();
      }
      t[Symbol.dispose]();
      return sum;
    },
  });
}

// iter_tuple: for x in tuple { sum += x.extract::<u64>() }, LEN = 100_000.
{
  const LEN = 100_000;
  const tuple = keep(`tuple(range(${LEN}))`, PyTuple);
  group("iter_tuple", LEN, {
    raw: () => {
      let sum = 0;
      const it = sym.PyObject_GetIter(tuple.ptr)!;
      for (let x = sym.PyIter_Next(it); x !== null; x = sym.PyIter_Next(it)) {
        sum += sym.PyLong_AsDouble(x);
        sym.Py_DecRef(x);
      }
      sym.Py_DecRef(it);
      return sum;
    },
    pool: (py) => {
      let sum = 0;
      for (const x of tuple.py.bind(py)) sum += x.extract(Extract.int);
      return sum;
    },
    owned: (py) => {
      using t = tuple.py.bind(py);
      let sum = 0;
      for (using x of t) sum += x.extract(Extract.int);
      return sum;
    },
    ownedDispose: (py) => {
      const t = tuple.py.bind(py);
      let sum = 0;
      for (const x of t) {
        sum += x.extract(Extract.int);
        x[Symbol.dispose]();
      }
      t[Symbol.dispose]();
      return sum;
    },
  });
}

// tuple_to_list: tuple.to_list(), LEN = 50_000.
{
  const LEN = 50_000;
  const tuple = keep(`tuple(range(${LEN}))`, PyTuple);
  group("tuple_to_list", 1, {
    raw: () => {
      sym.Py_DecRef(sym.PySequence_List(tuple.ptr));
    },
    pool: (py) => {
      tuple.py.bind(py).toList();
    },
    owned: (py) => {
      using t = tuple.py.bind(py);
      using _l = t.toList();
    },
  });
}
