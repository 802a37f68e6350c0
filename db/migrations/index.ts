import type { Migration } from "kysely/migration";
import * as foundation from "./20261122_0001_foundation";
import * as email from "./20261122_0002_email";
import * as accounts from "./20261122_0003_accounts";
import * as payments from "./20261122_0004_payments";
import * as updates from "./20261122_0005_updates";
import * as updateSubmissions from "./20261122_0006_update_submissions";
import * as platformFeeDefault from "./20261122_0007_platform_fee_default";
import * as signupRequests from "./20261207_0008_signup_requests";

/**
 * Every migration, listed statically so bundlers and tsx see the same set
 * (a folder scan breaks once the server is bundled). Names sort by date.
 */
export const migrations: Record<string, Migration> = {
  "20261122_0001_foundation": foundation,
  "20261122_0002_email": email,
  "20261122_0003_accounts": accounts,
  "20261122_0004_payments": payments,
  "20261122_0005_updates": updates,
  "20261122_0006_update_submissions": updateSubmissions,
  "20261122_0007_platform_fee_default": platformFeeDefault,
  "20261207_0008_signup_requests": signupRequests,
};
