import "server-only";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import type { DeploymentRow } from "../deployment-rows";
import { adapters } from "./adapters";
import { findProviderAccess, type ProviderAccess } from "./credentials";
import { providerNames, type RemoteProvider } from "./schemas";

// A remote deployment after its files are up: Kiln asks the provider for its state every
// KILN_DEPLOY_POLL_MS until it is ready (live, at the provider's URL) or failed with the
// provider's reason, and gives up after KILN_DEPLOY_REMOTE_TIMEOUT_MS with the deployment failed
// and why. A provider briefly unreachable is asked again; a token it now refuses fails it.
// Deleted or stopped meanwhile, the row is left alone.

/** Asks for the remote deployment's state until it is ready, failed, or out of time. */
export async function follow(
  row: DeploymentRow,
  access: ProviderAccess,
  since: number,
): Promise<void> {
  const provider = row.provider as RemoteProvider;
  const name = providerNames[provider];
  const { KILN_DEPLOY_POLL_MS: everyMs, KILN_DEPLOY_REMOTE_TIMEOUT_MS: limitMs } = getEnv();
  let lastTrouble = "";
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, everyMs).unref());
    if (!(await isStillDeploying(row.id))) return;
    try {
      const shown = await adapters[provider].status({ access, remoteId: row.remote_id! });
      if (shown.state === "ready") {
        await setRemoteStatus(row.id, "live", null, shown.url);
        return;
      }
      if (shown.state === "error") {
        await setRemoteStatus(row.id, "failed", shown.message);
        return;
      }
    } catch (error) {
      // A token refused now will be refused again; an unreachable provider may come back.
      if (error instanceof KilnError && error.code !== "BAD_GATEWAY") {
        await setRemoteStatus(row.id, "failed", error.message);
        return;
      }
      lastTrouble = error instanceof Error ? error.message : String(error);
    }
    // Checked after asking, so a deployment followed again after a restart is asked once.
    if (Date.now() - since > limitMs) {
      await setRemoteStatus(
        row.id,
        "failed",
        `${name} did not report the deployment ready within ${Math.round(limitMs / 1000)} s${lastTrouble ? ` (last: ${lastTrouble})` : ""}`,
      );
      return;
    }
  }
}

async function isStillDeploying(id: string): Promise<boolean> {
  const db = await getDb();
  const rows = await db.query("select 1 from deployments where id = $1 and status = 'deploying'", [
    id,
  ]);
  return rows.length > 0;
}

export async function setRemoteStatus(
  id: string,
  status: "live" | "failed",
  error: string | null,
  url?: string,
): Promise<void> {
  try {
    const db = await getDb();
    await db.query(
      `update deployments set status = $2, error = $3, remote_url = coalesce($4, remote_url),
              ${status === "live" ? "started_at = now()" : "stopped_at = now()"}, updated_at = now()
        where id = $1 and status = 'deploying'`,
      [id, status, error, url ?? null],
    );
  } catch (failure) {
    log.warn("deployment row not updated", { deploymentId: id, error: failure });
  }
}

/** After Kiln restarts: remote deployments still deploying are followed again, or failed. */
export async function resumeRemoteDeployments(): Promise<void> {
  const db = await getDb();
  const rows = await db.query<DeploymentRow>(
    "select * from deployments where provider <> 'local' and status = 'deploying'",
  );
  for (const row of rows) {
    const access = await findProviderAccess(row.user_id, row.provider as RemoteProvider);
    if (!row.remote_id || !access) {
      await setRemoteStatus(
        row.id,
        "failed",
        "Kiln stopped before this deployment was created at its provider: deploy it again",
      );
      continue;
    }
    void follow(row, access, new Date(row.created_at).getTime());
  }
}
