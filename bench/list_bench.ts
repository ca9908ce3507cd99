/**
 * PyO3's `bench_list.rs`: `list_new` (`PyList::new(py, 0..LEN)`),
 * `list_get_item` (sum of `list.get_item(i).extract::<usize>()`) and
 * `iter_list` (`for x in list { sum += x.extract::<u64>() }`); see
 * `_sequences.ts`.
 *
 * @module
 */

import { P, sym } from "./_common.ts";
import { sequenceCases } from "./_sequences.ts";

sequenceCases("list", P.PyList, {
  new: sym.PyList_New,
  setItem: sym.PyList_SetItem,
  getItem: sym.PyList_GetItem,
});
