import "server-only";
import { access } from "node:fs/promises";
import { getDb } from "@/lib/db/client";
import { log } from "@/lib/log";
import type { DeploymentRow } from "./deployment-rows";
import { deploymentDir } from "./local/local-build";
import { holdHostPort, stopLocalDeployment } from "./local/local-deployments";
import { resumeRemoteDeployments } from "./providers/follow-remote";
import { resumeDeployment } from "./run-deployment";

// After Kiln starts, every local deployment that should be live is started again from its
// built workspace, on its port; one whose build Kiln's stop interrupted is failed, to be
// deployed again. Only deployments built in this DATA_DIR are touched: another Kiln on the same
// database keeps its own.

export async function resumeDeployments(): Promise<number> {
  const db = await getDb();
  await resumeRemoteDeployments().catch((error) =>
    log.warn("remote deployments not followed again", { error }),
  );
  const rows = await db.query<DeploymentRow>(
    `select * from deployments where provider = 'local' and status in ('live', 'deploying')
      order by created_at`,
  );
  let resumed = 0;
  for (const row of rows) {
    const isHere = await access(deploymentDir(row.id)).then(
      () => true,
      () => false,
    );
    if (!isHere) continue;
    if (row.status === "deploying") {
      await db.query(
        `update deployments set status = 'failed', stopped_at = now(), updated_at = now(),
                error = 'Kiln stopped while this deployment was being built: deploy it again'
          where id = $1 and status = 'deploying'`,
        [row.id],
      );
      continue;
    }
    try {
      if (row.port !== null) await holdHostPort(row.id, row.port);
    } catch (error) {
      await stopLocalDeployment(row.id);
      await db.query(
        `update deployments set status = 'failed', stopped_at = now(), updated_at = now(),
                error = $2 where id = $1 and status = 'live'`,
        [row.id, `Not started again after Kiln restarted: ${(error as Error).message}`],
      );
      continue;
    }
    resumed += 1;
    resumeDeployment(row).catch((error) =>
      log.warn("deployment not resumed", { deploymentId: row.id, error }),
    );
  }
  return resumed;
}
