import "server-only";
import { getDb } from "@/lib/db/client";
import { getDeploymentRowOrThrow } from "./get-deployment-or-throw";
import { stopLocalDeployment } from "./local/local-deployments";
import { refuseOnRemote } from "./providers/remote-actions";
import type { DeploymentAction } from "./schemas";

/** Stops a deployment's app and frees its port; stopping a stopped one changes nothing. */
export async function stopDeployment(options: {
  userId: string;
  deploymentId: string;
}): Promise<DeploymentAction> {
  const row = await getDeploymentRowOrThrow(options);
  refuseOnRemote(row, "stop");
  const db = await getDb();
  // The row first: a build finishing now sees it stopped and takes its app down again.
  await db.query(
    `update deployments set status = 'stopped', stopped_at = now(), updated_at = now()
      where id = $1 and status in ('deploying', 'live')`,
    [row.id],
  );
  await stopLocalDeployment(row.id);
  const status = row.status === "failed" ? "failed" : "stopped";
  return { message: `Deployment ${row.id} stopped`, id: row.id, status };
}
