import "server-only";
import { getDb } from "@/lib/db/client";
import { notFound } from "@/lib/errors";
import { getRunRowOrThrow, type TaskRow, toTask } from "./run-rows";
import type { RunTask } from "./schemas";

/** One task of a run: its definition, branch, worktree and what it produced. */
export async function getTask(options: {
  userId: string;
  projectId: string;
  runId: string;
  taskId: string;
}): Promise<RunTask> {
  const db = await getDb();
  const run = await getRunRowOrThrow(db, options);
  const [row] = await db.query<TaskRow>("select * from run_tasks where id = $1 and run_id = $2", [
    options.taskId,
    run.id,
  ]);
  if (!row) throw notFound("Task");
  return toTask(row);
}
