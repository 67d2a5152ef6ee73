import "server-only";
import { getDb } from "@/lib/db/client";
import { deploymentStream } from "./deployment-logs";
import { removeSourceRepo } from "./deployment-sources";
import { getDeploymentRowOrThrow } from "./get-deployment-or-throw";
import { removeLocalDeployment } from "./local/local-deployments";
import { isRemote, removeRemoteDeployment } from "./providers/remote-deployments";
import type { DeploymentAction } from "./schemas";

/**
 * Stops a deployment and removes it: its app, its built workspace, its logs and its row. A remote
 * one is deleted at its provider first; a provider that cannot be reached keeps the row (502).
 */
export async function deleteDeployment(options: {
  userId: string;
  deploymentId: string;
}): Promise<DeploymentAction> {
  const row = await getDeploymentRowOrThrow(options);
  const leftRemote = isRemote(row.provider) ? await removeRemoteDeployment(row) : undefined;
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.query("delete from events where stream = $1", [deploymentStream(row.id)]);
    await tx.query("delete from deployments where id = $1", [row.id]);
  });
  if (row.provider === "local") await removeLocalDeployment(row.id);
  if (row.source !== "run") await removeSourceRepo(row.id);
  const message = `Deployment ${row.id} deleted${leftRemote ? `: ${leftRemote}` : ""}`;
  return { message, id: row.id, status: null };
}
