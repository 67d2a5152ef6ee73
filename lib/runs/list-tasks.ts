import "server-only";
import { getDb } from "@/lib/db/client";
import { getRunRowOrThrow, listTaskRows, toTask } from "./run-rows";
import type { RunTask } from "./schemas";

/** A run's tasks in merge order (empty until its plan is accepted). */
export async function listTasks(options: {
  userId: string;
  projectId: string;
  runId: string;
}): Promise<RunTask[]> {
  const db = await getDb();
  const run = await getRunRowOrThrow(db, options);
  return (await listTaskRows(db, run.id)).map(toTask);
}
