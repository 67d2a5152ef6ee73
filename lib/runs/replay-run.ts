import "server-only";
import type { UserTier } from "@/lib/auth/types";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { getRunRowOrThrow } from "./run-rows";
import type { ReplayedRun, ReplayRunBody } from "./schemas";
import { startRun } from "./start-run";

/**
 * A new run that replays `runId`: the trigger "replay", the project's next run number, the same
 * spec snapshot and the same base commit, its model calls answered from the answers `runId`'s
 * calls got (lib/runs/recorded-model.ts) rather than by a model, so no tokens are spent. A call
 * whose prompt has no recorded answer fails the run naming the step, unless `onMissingAnswer`
 * is "ask_model". Only a run that has ended, and that recorded answers, can be replayed.
 */
export async function replayRun(options: {
  userId: string;
  tier: UserTier;
  projectId: string;
  runId: string;
  body: ReplayRunBody;
}): Promise<ReplayedRun> {
  const db = await getDb();
  const run = await getRunRowOrThrow(db, options);
  if (!run.completed_at) {
    throw new KilnError(
      "CONFLICT",
      `Run ${run.run_number} is ${run.status}: only a run that has ended can be replayed`,
      { details: { status: run.status } },
    );
  }
  const [recorded] = await db.query<{ n: number }>(
    "select count(*)::int as n from run_model_replies where run_id = $1",
    [run.id],
  );
  if (!recorded?.n) {
    throw new KilnError(
      "CONFLICT",
      `Run ${run.run_number} has no recorded model answers to replay (it ended before the model answered, or was built before Kiln kept answers)`,
    );
  }
  const started = await startRun({
    userId: options.userId,
    tier: options.tier,
    projectId: options.projectId,
    trigger: "replay",
    spec: run.spec_snapshot ?? undefined,
    baseCommit: run.base_commit,
    replay: { of: run.id, asksModel: options.body.onMissingAnswer === "ask_model" },
  });
  return { ...started, replayOf: run.id };
}
