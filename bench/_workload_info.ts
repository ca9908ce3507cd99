/**
 * Names and titles of issue 13's workloads and callback-floor groups
 * (`_workloads.ts`), without side effects, for `tools/bench_report.ts`.
 *
 * @module
 */

/** Group name (without ` xN`) to what the workload does, in table order. */
export const WORKLOAD_TITLES: Readonly<Record<string, string>> = {
  dict_build_read: "dict: build 100k int keys, read back",
  list_iter_int: "list: iterate + extract ints",
  call_noargs: "call, no args",
  call_2args_kwarg: "call, 2 args + 1 kwarg",
  str_roundtrip_32: "string round trip (32 chars)",
  getattr_math_pi: "getattr `math.pi` + extract",
  py_calls_ts_map: "Python calls a TS function (`sum(map(f, range(n)))`)",
  temporaries_int_str: "temporaries: a new int + a new str per op",
};

/** The callback-floor groups: a TS function called from Python against a raw `Deno.UnsafeCallback`. */
export const CALLBACK_TITLES: Readonly<Record<string, string>> = {
  callback_noargs: "TS function called from Python, `f()`",
  callback_3args: "TS function called from Python, `f(i, 2, 3)`",
};

/** The bench file holding them (its groups are left out of the pyo3-benches table). */
export const WORKLOADS_FILE = "workloads_bench.ts";
