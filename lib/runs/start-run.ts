import "server-only";
import type { UserTier } from "@/lib/auth/types";
import { getDb } from "@/lib/db/client";
import type { Queryable } from "@/lib/db/types";
import { getEnv } from "@/lib/env";
import { KilnError, notFound } from "@/lib/errors";
import { branchHead } from "@/lib/git/git";
import { prefixedId } from "@/lib/ids";
import { refusal } from "@/lib/projects/projects";
import { projectActions } from "@/lib/projects/states";
import { enqueue } from "@/lib/queue/queue";
import { appendRunEvent } from "./run-state";
import type { SpecSnapshot, StartedRun } from "./schemas";
import { type SpecRow, snapshotOf } from "./spec-snapshot";

// Starting a build: the project moves to building, a slot of the user's concurrent builds is
// taken, the run gets the project's next run number, and its first job is queued — all in one
// transaction, so a request either starts a run whole or changes nothing. The slot is a counter
// on the user taken by a conditional update (`active_runs < cap`), which Postgres re-checks
// against the row as it is once a concurrent request's update has committed: five requests at
// once for a free account start exactly one build, however they interleave.

/** Concurrent builds per tier (seed 001 "Rate Limits"); null is unlimited. */
export const concurrentBuilds: Record<UserTier, number | null> = {
  free: 1,
  pro: 5,
  enterprise: null,
};

export async function startRun(options: {
  userId: string;
  tier: UserTier;
  projectId: string;
  trigger: string;
  /** A retry builds the spec its run built, not the latest version. */
  spec?: SpecSnapshot;
  /** A replay builds on the commit its run built on, not on main as it is now. */
  baseCommit?: string | null;
  /** The run a replay replays, and whether a call with no recorded answer may ask the model. */
  replay?: { of: string; asksModel: boolean };
}): Promise<StartedRun> {
  const db = await getDb();
  const [project] = await db.query<{ repo_path: string }>(
    "select repo_path from projects where id = $1 and user_id = $2",
    [options.projectId, options.userId],
  );
  if (!project) throw notFound("Project");
  // The commit the run builds on: main as it is now, whatever moves main later.
  const baseCommit =
    options.baseCommit !== undefined
      ? (options.baseCommit ?? undefined)
      : await branchHead(project.repo_path, "main");
  const run = await db
    .transaction((tx) => insertRun(tx, { ...options, baseCommit }))
    .catch((error) => {
      if (error instanceof RefusedRun) return "refused" as const;
      throw error;
    });
  if (run === "no-slot") {
    const cap = concurrentBuilds[options.tier];
    throw new KilnError(
      "RATE_LIMITED",
      `Your ${options.tier} plan runs ${cap} build${cap === 1 ? "" : "s"} at a time and ${cap === 1 ? "one is" : "that many are"} running; wait for it to finish or cancel it`,
      { reason: "concurrent_builds", details: { tier: options.tier, concurrentBuilds: cap } },
    );
  }
  if (run === "refused") return refusal(options.userId, options.projectId, "build");
  await appendRunEvent(db, run.id, "RUN_STARTED", {
    runNumber: run.runNumber,
    trigger: run.trigger,
    baseCommit,
    ...(options.replay ? { replayOf: options.replay.of } : {}),
  });
  return run;
}

/** Rolls the transaction back (the slot taken) when the project's status refuses a build. */
class RefusedRun extends Error {}

async function insertRun(
  tx: Queryable,
  options: {
    userId: string;
    tier: UserTier;
    projectId: string;
    trigger: string;
    spec?: SpecSnapshot;
    baseCommit: string | undefined;
    replay?: { of: string; asksModel: boolean };
  },
): Promise<StartedRun | "no-slot" | "refused"> {
  const cap = concurrentBuilds[options.tier];
  const slot = await tx.query(
    `update users set active_runs = active_runs + 1, updated_at = now()
      where id = $1 and ($2::int is null or active_runs < $2::int)
      returning id`,
    [options.userId, cap],
  );
  if (slot.length === 0) {
    // Not a rate limit when the project could not be built anyway: that is the 409.
    const [project] = await tx.query<{ status: string }>(
      "select status from projects where id = $1 and user_id = $2",
      [options.projectId, options.userId],
    );
    return project && (projectActions.build.from as readonly string[]).includes(project.status)
      ? "no-slot"
      : "refused";
  }
  const moved = await tx.query(
    `update projects set status = 'building', updated_at = now()
      where id = $1 and user_id = $2 and status = any($3::text[])
      returning id`,
    [options.projectId, options.userId, [...projectActions.build.from]],
  );
  if (moved.length === 0) throw new RefusedRun();
  let spec = options.spec;
  if (!spec) {
    const [latest] = await tx.query<SpecRow>(
      `select version, documents, draft from spec_versions where project_id = $1
        order by version desc limit 1`,
      [options.projectId],
    );
    if (!latest) throw new KilnError("CONFLICT", "The project has no spec to build");
    spec = snapshotOf(latest);
  }
  const [row] = await tx.query<{ id: string; run_number: number; created_at: Date }>(
    `insert into runs (id, project_id, user_id, run_number, status, trigger, spec_version,
                       spec_snapshot, base_commit, token_budget, replay_of, replay_asks_model)
     select $1, $2, $3, coalesce(max(run_number), 0) + 1, 'decomposing', $4, $5, $6, $7, $8,
            $9, $10
       from runs where project_id = $2
     returning id, run_number, created_at`,
    [
      prefixedId("run"),
      options.projectId,
      options.userId,
      options.trigger,
      spec.version,
      JSON.stringify(spec),
      options.baseCommit ?? null,
      getEnv().KILN_RUN_TOKEN_BUDGET,
      options.replay?.of ?? null,
      options.replay?.asksModel ?? false,
    ],
  );
  const run = row as { id: string; run_number: number; created_at: Date };
  await enqueue(tx, {
    kind: "run.decompose",
    userId: options.userId,
    payload: { runId: run.id },
    dedupeKey: run.id,
  });
  return {
    id: run.id,
    projectId: options.projectId,
    runNumber: run.run_number,
    status: "decomposing",
    trigger: options.trigger,
    createdAt: new Date(run.created_at).toISOString(),
  };
}
