import "server-only";
import { getDb } from "@/lib/db/client";
import { getRunRowOrThrow, listTaskRows, toRunDetail } from "./run-rows";
import type { RunDetail } from "./schemas";

/** A run with its spec snapshot, plan, tasks and verification. */
export async function getRun(options: {
  userId: string;
  projectId: string;
  runId: string;
}): Promise<RunDetail> {
  const db = await getDb();
  const run = await getRunRowOrThrow(db, options);
  return toRunDetail(run, await listTaskRows(db, run.id));
}
