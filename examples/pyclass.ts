/**
 * A TypeScript class used from Python (`pyclass`): constructed with keyword
 * arguments, given to a Python subclass that overrides a method and calls it
 * through `super()`, driven by Python code that calls back into TypeScript,
 * and handed back to TypeScript as the very same JS object.
 *
 * Run: deno task example:pyclass
 *
 * @module
 */

import { pyclass, Python } from "../mod.ts";

class Account {
  readonly owner: string;
  balance: number;
  readonly log: string[] = [];
  constructor(owner: string, opts: { balance?: number } = {}) {
    this.owner = owner;
    this.balance = opts.balance ?? 0;
  }
  deposit(amount: number): number {
    if (amount <= 0) {
      throw new RangeError(`deposit must be positive, got ${amount}`);
    }
    this.log.push(`+${amount}`);
    return (this.balance += amount);
  }
  get rich(): boolean {
    return this.balance >= 1000;
  }
  __repr__(): string {
    return `Account(${JSON.stringify(this.owner)}, balance=${this.balance})`;
  }
}

Python.withGil((py) => {
  const g = py.eval("{}");
  g.setItem(
    "Account",
    pyclass(py, Account, {
      init: "(owner, *, balance=0)",
      methods: { deposit: "(amount)" },
    }),
  );
  py.run(
    `
class Savings(Account):
    """A Python subclass: interest on every deposit, through super()."""
    def deposit(self, amount):
        return super().deposit(round(amount * 1.05, 2))

def run_month(account, deposits):
    for d in deposits:
        account.deposit(d)
    try:
        account.deposit(-5)
    except RuntimeError as e:            # the TypeScript RangeError, in Python
        print("refused:", str(e).splitlines()[0])
    return account

a = run_month(Account("ada", balance=100), [50, 25])
s = run_month(Savings("grace"), [500, 500])
print(a, a.rich)
print(s, s.rich, isinstance(s, Account))
`,
    g,
  );
  // Back in TypeScript: the JS objects themselves.
  const savings = py.eval("s", g).toJs() as Account;
  console.log(savings instanceof Account, savings.owner, savings.log);
  try {
    py.eval("Account('x', 1)", g);
  } catch (e) {
    console.log("Python's own argument error:", (e as Error).message);
  }
});
