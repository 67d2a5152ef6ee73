import "server-only";
import type { Queryable } from "@/lib/db/types";
import { notFound } from "@/lib/errors";
import type {
  RunDetail,
  RunListItem,
  RunStatus,
  RunTask,
  SpecSnapshot,
  TaskStatus,
} from "./schemas";

// The rows of runs and run_tasks and their API shapes. Every lookup names the owner, so another
// user's run or task reads as one that does not exist.

export interface RunRow {
  id: string;
  project_id: string;
  user_id: string;
  run_number: number;
  status: RunStatus;
  trigger: string;
  spec_version: number;
  spec_snapshot: SpecSnapshot | null;
  tasks_json: { tasks: Record<string, unknown>[]; mergeOrder: string[] } | null;
  verification_result: Record<string, unknown> | null;
  base_commit: string | null;
  result_commit: string | null;
  error: string | null;
  token_budget: number | null;
  tokens_used: number;
  /** The run this one replays, answering its model calls from that run's records. */
  replay_of: string | null;
  /** Whether a replayed call with no recorded answer asks the model (else the run fails). */
  replay_asks_model: boolean;
  created_at: Date;
  started_at: Date;
  completed_at: Date | null;
}

export interface TaskRow {
  id: string;
  run_id: string;
  user_id: string;
  sequence: number;
  slug: string;
  status: TaskStatus;
  definition: RunTask["definition"];
  branch_name: string;
  worktree_path: string | null;
  result: RunTask["result"];
  attempts: number;
  error: string | null;
  started_at: Date | null;
  completed_at: Date | null;
}

const iso = (d: Date) => new Date(d).toISOString();
const isoOrNull = (d: Date | null) => (d ? iso(d) : null);

export function toTask(row: TaskRow): RunTask {
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    sequence: row.sequence,
    definition: row.definition,
    branchName: row.branch_name,
    worktreePath: row.worktree_path,
    result: row.result,
    attempts: row.attempts,
    error: row.error,
    startedAt: isoOrNull(row.started_at),
    completedAt: isoOrNull(row.completed_at),
  };
}

export function toRunDetail(row: RunRow, tasks: TaskRow[]): RunDetail {
  return {
    id: row.id,
    projectId: row.project_id,
    runNumber: row.run_number,
    status: row.status,
    trigger: row.trigger,
    specVersion: row.spec_version,
    specSnapshot: row.spec_snapshot,
    tasksJson: row.tasks_json,
    tasks: tasks.map((t) => ({ id: t.id, slug: t.slug, status: t.status, sequence: t.sequence })),
    verificationResult: row.verification_result,
    baseCommit: row.base_commit,
    resultCommit: row.result_commit,
    error: row.error,
    tokenBudget: row.token_budget,
    tokensUsed: row.tokens_used,
    replayOf: row.replay_of,
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    completedAt: isoOrNull(row.completed_at),
  };
}

export function toRunListItem(
  row: RunRow & { total_tasks: number; succeeded_tasks: number; failed_tasks: number },
): RunListItem {
  return {
    id: row.id,
    runNumber: row.run_number,
    status: row.status,
    trigger: row.trigger,
    tasksSummary: {
      total: Number(row.total_tasks),
      succeeded: Number(row.succeeded_tasks),
      failed: Number(row.failed_tasks),
    },
    error: row.error,
    startedAt: iso(row.started_at),
    completedAt: isoOrNull(row.completed_at),
  };
}

/** The user's run of the project, or 404 (also for a project the user does not have). */
export async function getRunRowOrThrow(
  db: Queryable,
  options: { userId: string; projectId: string; runId: string },
): Promise<RunRow> {
  const [row] = await db.query<RunRow>(
    "select * from runs where id = $1 and project_id = $2 and user_id = $3",
    [options.runId, options.projectId, options.userId],
  );
  if (!row) throw notFound("Run");
  return row;
}

export async function listTaskRows(db: Queryable, runId: string): Promise<TaskRow[]> {
  return db.query<TaskRow>("select * from run_tasks where run_id = $1 order by sequence", [runId]);
}
