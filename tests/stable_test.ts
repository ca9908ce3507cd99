// Issue 3: the stable tier (mod.ts), pool-owned references.
import * as stable from "../mod.ts";
import { defineSuite } from "./shared/suite.ts";

defineSuite("stable", stable);
