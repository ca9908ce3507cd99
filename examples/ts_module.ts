/**
 * A Python module written in TypeScript (PyO3's `#[pymodule]` +
 * `#[pyfunction]`), imported and used by ordinary Python code.
 *
 * Run: `deno task example:ts_module`
 *
 * @module
 */

import {
  Extract,
  pyfunction,
  PyModule,
  pymodule,
  Python,
  PyValueError,
} from "../mod.ts";

Python.withGil((py) => {
  pymodule(py, "textstats", (m) => {
    m.add("__doc__", "Text statistics, implemented in TypeScript.");
    m.add("VERSION", "1.0.0");

    // A positional-only parameter and a keyword-only flag with a default.
    m.addFunction(pyfunction(
      py,
      "word_count(text, /, *, unique=False)",
      ({ text, unique }) => {
        const words = text.extract(Extract.str).split(/\s+/).filter(Boolean);
        return unique.extract(Extract.bool)
          ? new Set(words.map((w) => w.toLowerCase())).size
          : words.length;
      },
    ));

    // *args and a return value that converts to a Python dict of lists.
    m.addFunction(pyfunction(py, "group_by_length(*words)", ({ words }) => {
      const groups = new Map<number, string[]>();
      for (const w of words) {
        const s = w.extract(Extract.str);
        groups.set(s.length, [...(groups.get(s.length) ?? []), s]);
      }
      return groups;
    }));

    // Raising a Python exception from TypeScript.
    m.addFunction(pyfunction(py, "mean(values)", ({ values }) => {
      const xs = values.extract(Extract.list(Extract.float));
      if (xs.length === 0) throw PyValueError.newErr("mean of an empty list");
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    }));
  });

  // Python code that imports the TypeScript module like any other.
  const app = PyModule.fromCode(
    py,
    `
import textstats

def report(text):
    words = text.split()
    return {
        "module": f"{textstats.__name__} {textstats.VERSION}",
        "words": textstats.word_count(text),
        "unique": textstats.word_count(text, unique=True),
        "by_length": textstats.group_by_length(*words),
        "mean_length": textstats.mean([len(w) for w in words]),
        "function": repr(textstats.word_count),
    }

def empty_mean():
    try:
        textstats.mean([])
    except ValueError as e:
        return f"ValueError: {e}"

def wrong_call():
    try:
        textstats.word_count("a b", True)
    except TypeError as e:
        return f"TypeError: {e}"
`,
    "app.py",
    "app",
  );

  const report = app.callMethod1(
    "report",
    "the quick brown fox jumps over the lazy dog",
  );
  for (const [k, v] of report.toJs() as Map<string, unknown>) {
    console.log(`${k}:`, v);
  }
  console.log(app.callMethod0("empty_mean").extract(Extract.str));
  console.log(app.callMethod0("wrong_call").extract(Extract.str));
});
