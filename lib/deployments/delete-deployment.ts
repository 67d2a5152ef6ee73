import "server-only";
import { getDb } from "@/lib/db/client";
import { deploymentStream } from "./deployment-logs";
import { getDeploymentRowOrThrow } from "./get-deployment-or-throw";
import { removeLocalDeployment } from "./local/local-deployments";
import type { DeploymentAction } from "./schemas";

/** Stops a deployment and removes it: its app, its built workspace, its logs and its row. */
export async function deleteDeployment(options: {
  userId: string;
  deploymentId: string;
}): Promise<DeploymentAction> {
  const row = await getDeploymentRowOrThrow(options);
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.query("delete from events where stream = $1", [deploymentStream(row.id)]);
    await tx.query("delete from deployments where id = $1", [row.id]);
  });
  await removeLocalDeployment(row.id);
  return { message: `Deployment ${row.id} deleted`, id: row.id, status: null };
}
