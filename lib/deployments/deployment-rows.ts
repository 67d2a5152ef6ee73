import "server-only";
import { getEnv } from "@/lib/env";
import { previewOriginUrl } from "@/lib/sandbox/local/preview/preview-token";
import type {
  Deployment,
  DeploymentProvider,
  DeploymentSource,
  DeploymentStatus,
  ProjectDeployment,
} from "./schemas";

// How a deployments row reads on the API: seed 002's snake_case object and seed 001's
// camelCase one. Environment values are sealed in the row and never read back here.

export interface DeploymentRow {
  id: string;
  user_id: string;
  project_id: string | null;
  run_id: string | null;
  source: DeploymentSource;
  source_ref: string | null;
  name: string;
  provider: DeploymentProvider;
  status: DeploymentStatus;
  commit_sha: string;
  port: number | null;
  environment_sealed: string | null;
  environment_keys: string[];
  cpu_limit: string | null;
  memory_limit: string | null;
  health_check_path: string;
  restart_count: number;
  last_exit: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  stopped_at: Date | null;
  /** A remote provider's ids for it, and the URL it serves at there. */
  remote_id: string | null;
  remote_site_id: string | null;
  remote_url: string | null;
}

const iso = (d: Date) => new Date(d).toISOString();

/** Where the app is served through Kiln: the root of an origin of its own. */
export function deploymentUrl(id: string, origin: string): string {
  return previewOriginUrl(id, origin);
}

/** Where the row's app is served: through Kiln, or at its remote provider's URL. */
export function rowUrl(row: DeploymentRow, origin: string): string {
  return row.provider === "local" ? deploymentUrl(row.id, origin) : (row.remote_url ?? "");
}

function portUrl(port: number): string {
  const host = getEnv().KILN_DEPLOY_HOST;
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}/`;
}

export function toDeployment(row: DeploymentRow, origin: string): Deployment {
  const url = rowUrl(row, origin);
  return {
    id: row.id,
    project_id: row.project_id,
    source: row.source,
    run_id: row.run_id,
    name: row.name,
    provider: row.provider,
    status: row.status,
    commit_sha: row.commit_sha,
    port: row.port,
    container_id: row.id,
    url,
    port_url: row.port === null ? null : portUrl(row.port),
    health_check_url: url ? new URL(row.health_check_path, url).href : "",
    environment: Object.fromEntries(row.environment_keys.map((key) => [key, "[hidden]"])),
    cpu_limit: row.cpu_limit,
    memory_limit: row.memory_limit,
    restart_count: row.restart_count,
    last_exit: row.last_exit,
    error: row.error,
    created_at: iso(row.created_at),
    started_at: row.started_at ? iso(row.started_at) : null,
    stopped_at: row.stopped_at ? iso(row.stopped_at) : null,
  };
}

export function toProjectDeployment(row: DeploymentRow, origin: string): ProjectDeployment {
  return {
    id: row.id,
    // Seed 001 reads deployments through their project: this row has one.
    projectId: row.project_id ?? "",
    runId: row.run_id,
    status: row.status,
    provider: row.provider,
    url: rowUrl(row, origin),
    commitSha: row.commit_sha,
    error: row.error,
    createdAt: iso(row.created_at),
  };
}
