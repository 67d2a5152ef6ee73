import "server-only";
import { getDb } from "@/lib/db/client";
import type { Pagination } from "@/lib/http/route";
import { type DeploymentRow, toDeployment } from "./deployment-rows";
import type { Deployment, ListDeploymentsQuery } from "./schemas";

/** The caller's deployments, newest first, filtered by status and project. */
export async function listDeployments(options: {
  userId: string;
  query: ListDeploymentsQuery;
  origin: string;
}): Promise<{ items: Deployment[]; pagination: Pagination }> {
  const { page, pageSize, status, project_id } = options.query;
  const params: unknown[] = [options.userId];
  let filter = "user_id = $1";
  if (status) {
    params.push(status);
    filter += ` and status = $${params.length}`;
  }
  if (project_id) {
    params.push(project_id);
    filter += ` and project_id = $${params.length}`;
  }
  const db = await getDb();
  const [count] = await db.query<{ total: string }>(
    `select count(*) as total from deployments where ${filter}`,
    params,
  );
  const rows = await db.query<DeploymentRow>(
    `select * from deployments where ${filter}
      order by created_at desc, id desc limit ${pageSize} offset ${(page - 1) * pageSize}`,
    params,
  );
  const total = Number(count?.total ?? 0);
  return {
    items: rows.map((row) => toDeployment(row, options.origin)),
    pagination: { page, pageSize, total, totalPages: Math.ceil(total / pageSize) },
  };
}
