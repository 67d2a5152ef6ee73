import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { claimDeploymentSlot, portInUse } from "./create-deployment";
import type { DeploymentRow } from "./deployment-rows";
import { getDeploymentRowOrThrow } from "./get-deployment-or-throw";
import { holdHostPort, stopLocalDeployment } from "./local/local-deployments";
import { refuseOnRemote } from "./providers/remote-actions";
import { startDeploymentAgain } from "./run-deployment";
import type { DeploymentAction } from "./schemas";

/**
 * Starts a deployment's built app again, live or stopped, on its port if it has one (taken in
 * the meantime: PORT_IN_USE); answers once it serves. One still deploying is a 409.
 */
export async function restartDeployment(options: {
  userId: string;
  deploymentId: string;
}): Promise<DeploymentAction> {
  const row = await getDeploymentRowOrThrow(options);
  refuseOnRemote(row, "restart");
  if (row.status === "deploying") {
    throw new KilnError(
      "CONFLICT",
      `Deployment ${row.id} is still deploying: wait until it is live`,
    );
  }
  if (row.started_at === null) {
    throw new KilnError(
      "CONFLICT",
      `Deployment ${row.id} never came up, so there is nothing to restart: deploy it again`,
    );
  }
  const db = await getDb();
  let claimed: DeploymentRow | undefined;
  try {
    claimed = await db.transaction(async (tx) => {
      // A live deployment holds its slot already; a stopped or failed one takes one again.
      if (row.status !== "live") await claimDeploymentSlot(tx, options.userId);
      const [updated] = await tx.query<DeploymentRow>(
        `update deployments set status = 'deploying', error = null, stopped_at = null,
                updated_at = now()
          where id = $1 and status = $2 returning *`,
        [row.id, row.status],
      );
      return updated;
    });
  } catch (error) {
    if ((error as { code?: string }).code === "23505" && row.port !== null) {
      throw portInUse(row.port);
    }
    throw error;
  }
  if (!claimed) {
    throw new KilnError("CONFLICT", `Deployment ${row.id} changed meanwhile: try again`);
  }
  await stopLocalDeployment(row.id);
  if (claimed.port !== null) {
    try {
      await holdHostPort(row.id, claimed.port);
    } catch (error) {
      await db.query(
        "update deployments set status = $2, updated_at = now() where id = $1 and status = 'deploying'",
        [row.id, row.status === "live" ? "stopped" : row.status],
      );
      throw error;
    }
  }
  await startDeploymentAgain(claimed);
  return { message: `Deployment ${row.id} restarted`, id: row.id, status: "live" };
}
