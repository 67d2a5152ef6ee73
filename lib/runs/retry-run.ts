import "server-only";
import type { UserTier } from "@/lib/auth/types";
import { getDb } from "@/lib/db/client";
import { getRunRowOrThrow } from "./run-rows";
import type { StartedRun } from "./schemas";
import { startRun } from "./start-run";

/**
 * A new run of the same spec as `runId` (its snapshot, even if the spec has a newer version
 * since), with the trigger "retry" and the project's next run number. The project must allow a
 * build, as for any run: retrying a run that is still going is a 409.
 */
export async function retryRun(options: {
  userId: string;
  tier: UserTier;
  projectId: string;
  runId: string;
}): Promise<StartedRun> {
  const db = await getDb();
  const run = await getRunRowOrThrow(db, options);
  return startRun({
    userId: options.userId,
    tier: options.tier,
    projectId: options.projectId,
    trigger: "retry",
    spec: run.spec_snapshot ?? undefined,
  });
}
