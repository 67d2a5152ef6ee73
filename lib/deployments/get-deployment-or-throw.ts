import "server-only";
import { getDb } from "@/lib/db/client";
import { notFound } from "@/lib/errors";
import { type DeploymentRow, toDeployment, toProjectDeployment } from "./deployment-rows";
import type { Deployment, ProjectDeployment } from "./schemas";

/** The caller's deployment row; another user's, or one of another project, is a 404. */
export async function getDeploymentRowOrThrow(options: {
  userId: string;
  deploymentId: string;
  projectId?: string;
}): Promise<DeploymentRow> {
  const db = await getDb();
  const [row] = await db.query<DeploymentRow>(
    "select * from deployments where id = $1 and user_id = $2",
    [options.deploymentId, options.userId],
  );
  if (!row || (options.projectId !== undefined && row.project_id !== options.projectId)) {
    throw notFound("Deployment");
  }
  return row;
}

/** Seed 002: GET /api/v1/deployments/:id. */
export async function getDeploymentOrThrow(options: {
  userId: string;
  deploymentId: string;
  origin: string;
}): Promise<Deployment> {
  return toDeployment(await getDeploymentRowOrThrow(options), options.origin);
}

/** Seed 001: GET /api/v1/projects/:projectId/deployments/:deploymentId. */
export async function getProjectDeploymentOrThrow(options: {
  userId: string;
  projectId: string;
  deploymentId: string;
  origin: string;
}): Promise<ProjectDeployment> {
  return toProjectDeployment(await getDeploymentRowOrThrow(options), options.origin);
}
