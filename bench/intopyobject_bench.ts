/**
 * PyO3's `bench_intopyobject.rs`: `bytes` from a byte slice (small: empty,
 * medium: 255 bytes, large: 100,000 bytes) and a 255-element array into a
 * `list`.
 *
 * @module
 */

import { group, range, ssize, sym } from "./_common.ts";
import { P } from "./_common.ts";

const { PyBytes, PyList } = P;

function bytesCase(
  name: string,
  data: Uint8Array<ArrayBuffer>,
  n: number,
): void {
  group(name, n, {
    raw: () => {
      for (let i = 0; i < n; i++) {
        sym.Py_DecRef(sym.PyBytes_FromStringAndSize(data, ssize(data.length)));
      }
    },
    pool: (py) => {
      for (let i = 0; i < n; i++) PyBytes.new(py, data);
    },
    owned: (py) => {
      for (let i = 0; i < n; i++) {
        using _b = PyBytes.new(py, data);
      }
    },
    ownedDispose: (py) => {
      for (let i = 0; i < n; i++) PyBytes.new(py, data)[Symbol.dispose]();
    },
  });
}

bytesCase("bytes_new_small", new Uint8Array(0), 1000);
bytesCase("bytes_new_medium", Uint8Array.from(range(255)), 1000);
bytesCase("bytes_new_large", new Uint8Array(100_000).fill(10), 100);

// vec_into_pyobject: a 255-element array of numbers into a list, 100 per iteration.
{
  const N = 100;
  const data = range(255);
  group("vec_into_pyobject", N, {
    raw: () => {
      for (let j = 0; j < N; j++) {
        const l = sym.PyList_New(ssize(data.length))!;
        for (let i = 0; i < data.length; i++) {
          sym.PyList_SetItem(l, ssize(i), sym.PyLong_FromDouble(data[i]));
        }
        sym.Py_DecRef(l);
      }
    },
    pool: (py) => {
      for (let j = 0; j < N; j++) PyList.new(py, data);
    },
    owned: (py) => {
      for (let j = 0; j < N; j++) {
        using _l = PyList.new(py, data);
      }
    },
  });
}
