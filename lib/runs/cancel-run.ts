import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { getRunRowOrThrow } from "./run-rows";
import { finishRun } from "./run-state";

/**
 * Cancels a run that has not ended: its queued jobs are cancelled, its running ones stop (their
 * model calls are aborted), and the project's build fails. A finished run is a 409.
 */
export async function cancelRun(options: {
  userId: string;
  projectId: string;
  runId: string;
}): Promise<{ id: string; status: "cancelled" }> {
  const db = await getDb();
  await getRunRowOrThrow(db, options);
  const cancelled = await finishRun(db, {
    runId: options.runId,
    status: "cancelled",
    error: "Cancelled on request",
  });
  if (!cancelled) {
    const run = await getRunRowOrThrow(db, options);
    throw new KilnError("CONFLICT", `The run has already ended (status "${run.status}")`, {
      details: { status: run.status },
    });
  }
  return { id: options.runId, status: "cancelled" };
}
