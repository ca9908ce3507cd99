/**
 * PyO3's `bench_tuple.rs`: `tuple_new`, `tuple_get_item`, `iter_tuple`,
 * `tuple_to_list`.
 *
 * @module
 */

import { group, keep, P, sym } from "./_common.ts";
import { sequenceCases } from "./_sequences.ts";

const { PyTuple } = P;

// tuple_new (PyTuple::new(py, 0..LEN)), tuple_get_item (sum of
// tuple.get_item(i).extract::<usize>()), iter_tuple (for x in tuple { sum +=
// x.extract::<u64>() }): see _sequences.ts.
sequenceCases("tuple", PyTuple, {
  new: sym.PyTuple_New,
  setItem: sym.PyTuple_SetItem,
  getItem: sym.PyTuple_GetItem,
});

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
