import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import { decryptSecret } from "@/lib/secrets";
import { deploymentLog } from "./deployment-logs";
import type { DeploymentRow } from "./deployment-rows";
import type { AppProcessEvents } from "./local/app-process";
import {
  buildAndStart,
  removeLocalDeployment,
  startAgain,
  stopLocalDeployment,
} from "./local/local-deployments";
import { parseMemoryLimit } from "./schemas";

// Brings a deployment's app up on the local provider and keeps its row saying what is true:
// live once it serves, failed (with the reason) when it cannot build or start, and a count of
// the automatic restarts of its supervisor.

const MiB = 1024 * 1024;
const defaultMemoryBytes = 1024 * MiB;

function runOptions(row: DeploymentRow) {
  const environment: Record<string, string> = row.environment_sealed
    ? JSON.parse(decryptSecret(row.environment_sealed))
    : {};
  const appLog = deploymentLog(row.id, "app");
  const events: AppProcessEvents = {
    onRestarted: (why) => {
      void setRow(
        row.id,
        "restart_count = restart_count + 1, last_exit = $2, error = null",
        "live",
        why,
      );
    },
    onGaveUp: (message) => {
      void setRow(row.id, "status = 'failed', error = $2, stopped_at = now()", "live", message);
      void stopLocalDeployment(row.id);
    },
    // Kept as the deployment's own log rows, never in Kiln's log (it may show the environment).
    onOutput: (stream, text) => appLog.write(stream, text),
  };
  return {
    id: row.id,
    environment,
    memoryBytes: (row.memory_limit && parseMemoryLimit(row.memory_limit)) || defaultMemoryBytes,
    cpus: row.cpu_limit ? Number(row.cpu_limit) : undefined,
    healthPath: row.health_check_path,
    events,
  };
}

/** Builds and starts a new deployment in the background; its row follows. */
export function launchDeployment(row: DeploymentRow, repoPath: string): void {
  const buildLog = deploymentLog(row.id, "build");
  buildAndStart({
    ...runOptions(row),
    repoPath,
    commit: row.commit_sha,
    onBuildOutput: (stream, text) => buildLog.write(stream, text),
  })
    .finally(() => buildLog.close())
    .then(
      () =>
        setRow(row.id, "status = 'live', started_at = now(), error = null", "deploying").then(
          async (updated) => {
            // Stopped or deleted while it was coming up: what came up goes again.
            if (!updated) await letGo(row.id);
          },
        ),
      async (error) => {
        await letGo(row.id);
        await setRow(
          row.id,
          "status = 'failed', error = $2, stopped_at = now()",
          "deploying",
          failureMessage(error),
        );
      },
    );
}

/** Stops what runs of a deployment; and removes its files too when its row is gone (deleted). */
async function letGo(id: string) {
  const db = await getDb().catch(() => undefined);
  const rows = db ? await db.query("select 1 from deployments where id = $1", [id]) : [{}];
  if (rows.length === 0) await removeLocalDeployment(id);
  else await stopLocalDeployment(id);
}

/** Starts a deployment's built app again; resolves once it serves, or throws why it cannot. */
export async function startDeploymentAgain(row: DeploymentRow): Promise<void> {
  try {
    await startAgain(runOptions(row));
  } catch (error) {
    await stopLocalDeployment(row.id);
    await setRow(
      row.id,
      "status = 'failed', error = $2, stopped_at = now()",
      "deploying",
      failureMessage(error),
    );
    throw error instanceof KilnError
      ? error
      : new KilnError("INTERNAL_ERROR", `The deployment did not start: ${failureMessage(error)}`);
  }
  await setRow(row.id, "status = 'live', started_at = now(), error = null", "deploying");
}

/** Starts a live deployment's app again after Kiln restarted; a failure fails the row. */
export async function resumeDeployment(row: DeploymentRow): Promise<void> {
  try {
    await startAgain(runOptions(row));
  } catch (error) {
    await stopLocalDeployment(row.id);
    await setRow(
      row.id,
      "status = 'failed', error = $2, stopped_at = now()",
      "live",
      `Not started again after Kiln restarted: ${failureMessage(error)}`,
    );
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof KilnError) return error.message;
  log.warn("deployment failed", { error });
  return error instanceof Error ? error.message : String(error);
}

/** Updates the row if its status is still `from`; true when it was. */
async function setRow(
  id: string,
  assignments: string,
  from: string,
  error?: string,
): Promise<boolean> {
  try {
    const db = await getDb();
    const rows = await db.query(
      `update deployments set ${assignments}, updated_at = now()
        where id = $1 and status = $${error === undefined ? 2 : 3} returning id`,
      error === undefined ? [id, from] : [id, error, from],
    );
    return rows.length > 0;
  } catch (failure) {
    log.warn("deployment row not updated", { deploymentId: id, error: failure });
    return false;
  }
}
