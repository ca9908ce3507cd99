// Issue 4: the experimental tier (experimental/mod.ts), owned references.
import * as experimental from "../experimental/mod.ts";
import { defineSuite, type TierModule } from "./shared/suite.ts";

defineSuite("owned", experimental as unknown as TierModule);
