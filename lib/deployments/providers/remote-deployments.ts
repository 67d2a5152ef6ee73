import "server-only";
import { createHash } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import { listTreeFiles, readBlob } from "@/lib/project-files/git-objects";
import { deploymentLog } from "../deployment-logs";
import type { DeploymentRow } from "../deployment-rows";
import { netlifyName } from "../netlify/netlify-adapter";
import { vercelName } from "../vercel/vercel-adapter";
import { adapters } from "./adapters";
import { findProviderAccess, providerAccessFor } from "./credentials";
import { follow, setRemoteStatus } from "./follow-remote";
import type { DeployFile } from "./remote-adapter";
import { providerNames, type RemoteProvider } from "./schemas";

// A deployment on Vercel or Netlify: the commit's files (bytes as committed) go up while the
// deploy request waits, so a provider that refuses the token or cannot be reached answers that
// request (400 or 502); follow-remote.ts then polls it until it is ready or failed.

/** What one deployment may upload: both providers refuse far less per file anyway. */
const maxTreeBytes = 512 * 1024 * 1024;

export const isRemote = (provider: string): provider is RemoteProvider =>
  provider === "vercel" || provider === "netlify";

/** Refuses a deployment to a provider the user has no token for, before any row is made. */
export async function assertProviderConnected(userId: string, provider: string): Promise<void> {
  if (isRemote(provider)) await providerAccessFor(userId, provider);
}

async function treeFiles(repoPath: string, commit: string): Promise<DeployFile[]> {
  const listed = await listTreeFiles(repoPath, commit);
  const total = listed.reduce((sum, file) => sum + file.size, 0);
  if (total > maxTreeBytes) {
    throw new KilnError(
      "PAYLOAD_TOO_LARGE",
      `The commit holds ${Math.round(total / 1024 / 1024)} MB of files, more than the ${maxTreeBytes / 1024 / 1024} MB a remote deployment may upload`,
    );
  }
  const files: DeployFile[] = [];
  for (const file of listed) {
    const bytes = await readBlob(repoPath, file.blob, file.size);
    files.push({ path: file.path, bytes, sha1: createHash("sha1").update(bytes).digest("hex") });
  }
  return files;
}

/**
 * Uploads the deployment's commit to its provider and creates the remote deployment; the row
 * then holds its ids and URL. Polling goes on in the background. A failure fails the row and
 * is thrown, to answer the deploy request.
 */
export async function startRemoteDeployment(
  row: DeploymentRow,
  repoPath: string,
): Promise<DeploymentRow> {
  const provider = row.provider as RemoteProvider;
  const buildLog = deploymentLog(row.id, "build");
  try {
    const access = await providerAccessFor(row.user_id, provider);
    const files = await treeFiles(repoPath, row.commit_sha);
    const started = await adapters[provider].start({
      access,
      name: provider === "vercel" ? vercelName(row.name) : netlifyName(row.name, row.id),
      files,
      onProgress: (line) => buildLog.write("stdout", line),
    });
    const db = await getDb();
    const [updated] = await db.query<DeploymentRow>(
      `update deployments set remote_id = $2, remote_site_id = $3, remote_url = $4,
              updated_at = now()
        where id = $1 returning *`,
      [row.id, started.remoteId, started.siteId, started.url || null],
    );
    if (!updated) {
      // Deleted while it was being created: what was made on the provider goes too.
      await adapters[provider]
        .remove({ access, remoteId: started.remoteId, siteId: started.siteId })
        .catch(() => {});
      return { ...row, status: "failed" };
    }
    void follow(updated, access, Date.now());
    return updated;
  } catch (error) {
    const message = error instanceof KilnError ? error.message : failure(error);
    buildLog.write("stderr", `${message}\n`);
    await setRemoteStatus(row.id, "failed", message);
    throw error instanceof KilnError
      ? new KilnError(error.code, error.message, {
          reason: error.reason,
          details: { ...error.details, deploymentId: row.id },
        })
      : new KilnError("INTERNAL_ERROR", `The deployment to ${providerNames[provider]} failed`);
  } finally {
    await buildLog.close();
  }
}

/**
 * Takes a remote deployment down at its provider. Without a saved token there is no way to, and
 * the caller is told so; a provider that cannot be reached is a 502 and nothing is removed.
 */
export async function removeRemoteDeployment(row: DeploymentRow): Promise<string | undefined> {
  const provider = row.provider as RemoteProvider;
  const access = await findProviderAccess(row.user_id, provider);
  if (!access) {
    return `${providerNames[provider]} is not connected any more, so the deployment there was left as it is`;
  }
  await adapters[provider].remove({
    access,
    remoteId: row.remote_id,
    siteId: row.remote_site_id,
  });
  return undefined;
}

function failure(error: unknown): string {
  log.warn("remote deployment failed", { error });
  return error instanceof Error ? error.message : String(error);
}
