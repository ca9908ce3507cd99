// The behavioural suite shared by both tiers (issues 3 and 4), split by topic
// as PyO3 splits its tests/ by type: `defineSuite("stable", stable)` and
// `defineSuite("owned", experimental)` register every topic against one entry
// point, through the public API only.

import { suiteContext, type TierModule } from "./suite.ts";
import { defineRuntimeTests } from "./suite_runtime.ts";
import { defineAnyTests } from "./suite_any.ts";
import { defineTypeTests } from "./suite_types.ts";
import { defineRefcountTests } from "./suite_refcounts.ts";
import { defineConversionTests } from "./suite_conversions.ts";
import { defineErrorTests } from "./suite_errors.ts";

/** Register the whole shared suite for one tier. */
export function defineSuite(name: "stable" | "owned", tier: TierModule): void {
  const ctx = suiteContext(name, tier);
  defineRuntimeTests(ctx);
  defineAnyTests(ctx);
  defineTypeTests(ctx);
  defineRefcountTests(ctx);
  defineConversionTests(ctx);
  defineErrorTests(ctx);
}
