/**
 * PyO3's `bench_set.rs`: `set_new`, `iter_set`, `extract_hashset` (here:
 * extract to a `Set`).
 *
 * @module
 */

import { group, keep, P, range, sym } from "./_common.ts";
import { sequenceIter } from "./_sequences.ts";

const { Extract, PySet } = P;

// set_new: PySet::new(py, 0..LEN), LEN = 100_000.
{
  const LEN = 100_000;
  const data = range(LEN);
  group("set_new", LEN, {
    raw: () => {
      const s = sym.PySet_New(null)!;
      for (let i = 0; i < LEN; i++) {
        const x = sym.PyLong_FromDouble(data[i])!;
        sym.PySet_Add(s, x);
        sym.Py_DecRef(x);
      }
      sym.Py_DecRef(s);
    },
    pool: (py) => {
      PySet.new(py, data);
    },
    owned: (py) => {
      using _s = PySet.new(py, data);
    },
  });
}

// iter_set: for x in set { sum += x.extract::<usize>() }, LEN = 100_000.
{
  const LEN = 100_000;
  sequenceIter("iter_set", LEN, keep(`set(range(${LEN}))`, PySet));
}

// extract_hashset: HashSet::<u64>::extract(set), LEN = 100_000 (here a Set<number>).
{
  const LEN = 100_000;
  const set = keep(`set(range(${LEN}))`, PySet);
  const asSet = Extract.set(Extract.int);
  group("extract_set", LEN, {
    raw: () => {
      const out = new Set<number>();
      const it = sym.PyObject_GetIter(set.ptr)!;
      for (let x = sym.PyIter_Next(it); x !== null; x = sym.PyIter_Next(it)) {
        out.add(sym.PyLong_AsDouble(x));
        sym.Py_DecRef(x);
      }
      sym.Py_DecRef(it);
      return out;
    },
    pool: (py) => set.py.bind(py).extract(asSet),
    owned: (py) => {
      using s = set.py.bind(py);
      return s.extract(asSet);
    },
  });
}
