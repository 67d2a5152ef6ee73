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
import { type DeploymentTarget, filesTarget, removeSourceRepo } from "./deployment-sources";
import { holdHostPort, removeLocalDeployment } from "./local/local-deployments";
import { assertProviderConnected, startRemoteDeployment } from "./providers/remote-deployments";
import { launchDeployment } from "./run-deployment";
import type { DeployBody, DeploymentProvider, DeployResult, DeployRunBody } from "./schemas";

// A new deployment of a run's result (only a run that succeeded deploys, else 409), or of a
// chat's app, a fragment or workspace files (deployment-sources.ts). The row and its host port
// are taken before anything else, so two deployments never hold one port; the build and start
// run in the background, and the row says how they went.

interface CreateOptions {
  userId: string;
  /** What deploys: a project's run (its latest that succeeded without `runId`), or files. */
  source:
    | { projectId: string; runId: string | undefined }
    | Parameters<typeof filesTarget>[0]["source"];
  name: string | undefined;
  provider: DeploymentProvider;
  port?: number | undefined;
  environment?: Record<string, string>;
  cpuLimit?: string | undefined;
  memoryLimit?: string | undefined;
  healthCheckPath?: string;
}

/** A run's result, as a deployment names it; only a run that succeeded deploys (else 409). */
async function runTarget(
  userId: string,
  projectId: string,
  runId: string | undefined,
): Promise<DeploymentTarget & { name: string }> {
  const repo = await getProjectRepoOrThrow({ userId, projectId });
  const db = await getDb();
  const [run] = await db.query<{
    id: string;
    run_number: number;
    status: string;
    result_commit: string | null;
  }>(
    runId
      ? `select id, run_number, status, result_commit from runs
          where id = $3 and project_id = $1 and user_id = $2`
      : `select id, run_number, status, result_commit from runs
          where project_id = $1 and user_id = $2 and status = 'succeeded'
          order by run_number desc limit 1`,
    runId ? [projectId, userId, runId] : [projectId, userId],
  );
  if (!run) {
    if (runId) throw notFound("Run");
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
  return {
    repoPath: repo.repoPath,
    commit: run.result_commit,
    projectId,
    runId: run.id,
    source: "run",
    sourceRef: null,
    name: `${repo.name} run ${run.run_number}`,
  };
}

async function createDeployment(options: CreateOptions): Promise<DeploymentRow> {
  const { userId, source } = options;
  const id = prefixedId("dep");
  const target =
    "projectId" in source
      ? await runTarget(userId, source.projectId, source.runId)
      : await filesTarget({ userId, deploymentId: id, source });
  try {
    return await insertAndLaunch(id, options, target);
  } catch (error) {
    if (target.source !== "run") await removeSourceRepo(id);
    throw error;
  }
}

async function insertAndLaunch(
  id: string,
  options: CreateOptions,
  target: DeploymentTarget & { name?: string },
): Promise<DeploymentRow> {
  const { userId } = options;
  const db = await getDb();
  await assertProviderConnected(userId, options.provider);
  const environment = options.environment ?? {};
  const keys = Object.keys(environment).sort();
  let row: DeploymentRow;
  try {
    row = await db.transaction(async (tx) => {
      await claimDeploymentSlot(tx, userId);
      const [inserted] = await tx.query<DeploymentRow>(
        `insert into deployments (id, user_id, project_id, run_id, name, provider, commit_sha, port,
                                environment_sealed, environment_keys, cpu_limit, memory_limit,
                                health_check_path, source, source_ref)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       returning *`,
        [
          id,
          userId,
          target.projectId,
          target.runId,
          options.name ?? target.name ?? "App",
          options.provider,
          target.commit,
          options.port ?? null,
          keys.length > 0 ? encryptSecret(JSON.stringify(environment)) : null,
          keys,
          options.cpuLimit ?? null,
          options.memoryLimit ?? null,
          options.healthCheckPath ?? "/",
          target.source,
          target.sourceRef,
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
  if (row.provider !== "local") return startRemoteDeployment(row, target.repoPath);
  launchDeployment(row, target.repoPath);
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
    source: { projectId: options.projectId, runId: options.body.runId },
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
  const projectId = body.project_id ?? body.projectId;
  const row = await createDeployment({
    userId: options.userId,
    source: projectId
      ? { projectId, runId: body.run_id ?? body.runId }
      : body.chatId
        ? { chatId: body.chatId }
        : body.fragment
          ? { fragment: body.fragment }
          : { workspace: body.workspace?.path ?? "" },
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
