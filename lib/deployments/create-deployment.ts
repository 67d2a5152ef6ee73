import "server-only";
import { getDb } from "@/lib/db/client";
import type { Queryable } from "@/lib/db/types";
import { getEnv } from "@/lib/env";
import { KilnError, notFound } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";
import { getProjectRepoOrThrow } from "@/lib/project-files/get-project-repo-or-throw";
import { objectIdPattern } from "@/lib/project-files/git-objects";
import { encryptSecret } from "@/lib/secrets";
import { type DeploymentRow, rowUrl } from "./deployment-rows";
import { holdHostPort, removeLocalDeployment } from "./local/local-deployments";
import { assertProviderConnected, startRemoteDeployment } from "./providers/remote-deployments";
import { launchDeployment } from "./run-deployment";
import type { DeployBody, DeploymentProvider, DeployResult, DeployRunBody } from "./schemas";

// A new deployment of a run's result: only a run that succeeded deploys (else 409). The row and
// its host port are taken before anything else, so two deployments never hold one port; the
// build and start run in the background, and the row says how they went.

interface CreateOptions {
  userId: string;
  projectId: string;
  runId: string | undefined;
  name: string | undefined;
  provider: DeploymentProvider;
  port?: number | undefined;
  environment?: Record<string, string>;
  cpuLimit?: string | undefined;
  memoryLimit?: string | undefined;
  healthCheckPath?: string;
}

async function createDeployment(options: CreateOptions): Promise<DeploymentRow> {
  const { userId, projectId } = options;
  const repo = await getProjectRepoOrThrow({ userId, projectId });
  const db = await getDb();
  const [run] = await db.query<{
    id: string;
    run_number: number;
    status: string;
    result_commit: string | null;
  }>(
    options.runId
      ? `select id, run_number, status, result_commit from runs
          where id = $3 and project_id = $1 and user_id = $2`
      : `select id, run_number, status, result_commit from runs
          where project_id = $1 and user_id = $2 and status = 'succeeded'
          order by run_number desc limit 1`,
    options.runId ? [projectId, userId, options.runId] : [projectId, userId],
  );
  if (!run) {
    if (options.runId) throw notFound("Run");
    throw new KilnError(
      "CONFLICT",
      "This project has no succeeded run to deploy: build it first, or name a run",
      { details: { projectId } },
    );
  }
  if (run.status !== "succeeded" || !run.result_commit) {
    throw new KilnError(
      "CONFLICT",
      `Run ${run.run_number} is ${run.status}: only a run that succeeded can be deployed`,
      { details: { runId: run.id, status: run.status } },
    );
  }
  if (!objectIdPattern.test(run.result_commit)) {
    throw new KilnError("CONFLICT", `Run ${run.run_number} has no result commit to deploy`);
  }
  await assertProviderConnected(userId, options.provider);
  const id = prefixedId("dep");
  const environment = options.environment ?? {};
  const keys = Object.keys(environment).sort();
  let row: DeploymentRow;
  try {
    row = await db.transaction(async (tx) => {
      await claimDeploymentSlot(tx, userId);
      const [inserted] = await tx.query<DeploymentRow>(
        `insert into deployments (id, user_id, project_id, run_id, name, provider, commit_sha, port,
                                environment_sealed, environment_keys, cpu_limit, memory_limit,
                                health_check_path)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       returning *`,
        [
          id,
          userId,
          projectId,
          run.id,
          options.name ?? `${repo.name} run ${run.run_number}`,
          options.provider,
          run.result_commit,
          options.port ?? null,
          keys.length > 0 ? encryptSecret(JSON.stringify(environment)) : null,
          keys,
          options.cpuLimit ?? null,
          options.memoryLimit ?? null,
          options.healthCheckPath ?? "/",
        ],
      );
      return inserted as DeploymentRow;
    });
  } catch (error) {
    if ((error as { code?: string }).code === "23505" && options.port !== undefined) {
      throw portInUse(options.port);
    }
    throw error;
  }
  if (options.port !== undefined) {
    try {
      await holdHostPort(id, options.port);
    } catch (error) {
      await removeLocalDeployment(id);
      await db.query("delete from deployments where id = $1", [id]);
      throw error;
    }
  }
  if (row.provider !== "local") return startRemoteDeployment(row, repo.repoPath);
  launchDeployment(row, repo.repoPath);
  return row;
}

// Every claim takes this one lock, so the count it reads cannot change before its row is in
// (as sandbox reservations do: lib/sandbox/sandboxes.ts).
const slotLockKey = 0x6b646570;

/** Refuses a user who has KILN_DEPLOY_MAX_PER_USER deployments deploying or live already. */
export async function claimDeploymentSlot(tx: Queryable, userId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock($1)", [slotLockKey]);
  const [count] = await tx.query<{ active: number | string }>(
    `select count(*) as active from deployments
      where user_id = $1 and status in ('deploying', 'live')`,
    [userId],
  );
  const max = getEnv().KILN_DEPLOY_MAX_PER_USER;
  if (Number(count?.active ?? 0) >= max) {
    throw new KilnError(
      "CONFLICT",
      `You have ${max} deployments deploying or live, the most allowed: stop or delete one first`,
      { reason: "deployment_limit" },
    );
  }
}

export function portInUse(port: number): KilnError {
  return new KilnError("PORT_IN_USE", `Port ${port} is already used by another deployment`, {
    details: { field: "port", port },
  });
}

/** Seed 001: POST /api/v1/projects/:projectId/deploy. */
export async function deployRun(options: {
  userId: string;
  projectId: string;
  body: DeployRunBody;
}) {
  const row = await createDeployment({
    userId: options.userId,
    projectId: options.projectId,
    runId: options.body.runId,
    name: undefined,
    provider: options.body.provider,
  });
  return { deploymentId: row.id, status: row.status, provider: row.provider };
}

/** Seed 002: POST /api/v1/deploy. */
export async function deployProject(options: {
  userId: string;
  body: DeployBody;
  origin: string;
}): Promise<DeployResult> {
  const { body } = options;
  const row = await createDeployment({
    userId: options.userId,
    projectId: (body.project_id ?? body.projectId)!,
    runId: body.run_id ?? body.runId,
    name: body.name,
    provider: body.provider,
    port: body.port,
    environment: body.environment,
    cpuLimit: body.cpu_limit,
    memoryLimit: body.memory_limit,
    healthCheckPath: body.health_check_path,
  });
  return {
    message:
      row.port === null ? `Deployment ${row.id} created` : `Deployment created on port ${row.port}`,
    id: row.id,
    status: row.status,
    url: rowUrl(row, options.origin),
    port: row.port,
  };
}
