import "server-only";
import { getEnv } from "@/lib/env";
import type { ProviderAccess } from "../providers/credentials";
import { callProvider, trimSlash, unexpectedAnswer } from "../providers/provider-http";
import {
  type DeployFile,
  eachLimited,
  type RemoteAdapter,
  type RemoteState,
} from "../providers/remote-adapter";

// Vercel's REST API (https://vercel.com/docs/rest-api): each file is uploaded to POST /v2/files
// under its SHA-1 (x-vercel-digest), then POST /v13/deployments names the files by path, digest
// and size; Vercel builds it and GET /v13/deployments/:id says its readyState (QUEUED,
// INITIALIZING, BUILDING, then READY, ERROR or CANCELED). A file Vercel does not have is a 400
// `missing_files` listing the digests it lacks: those are uploaded and the deployment asked for
// again, once.

const provider = "vercel" as const;

function endpoint(path: string, access: ProviderAccess, query: Record<string, string> = {}) {
  const url = new URL(`${trimSlash(getEnv().VERCEL_API_URL)}${path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  if (access.teamId) url.searchParams.set("teamId", access.teamId);
  return url.href;
}

async function upload(access: ProviderAccess, file: DeployFile) {
  const what = `upload ${file.path}`;
  const answer = await callProvider({
    provider,
    token: access.token,
    method: "POST",
    url: endpoint("/v2/files", access),
    body: file.bytes,
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(file.bytes.length),
      "x-vercel-digest": file.sha1,
    },
    what,
  });
  if (answer.status >= 300) throw unexpectedAnswer({ provider, what }, answer);
}

interface VercelDeployment {
  id: string;
  url?: string;
  readyState?: string;
  errorMessage?: string | null;
  errorCode?: string | null;
}

const httpsUrl = (host: string) => (/^https?:\/\//.test(host) ? host : `https://${host}`);

export const vercelAdapter: RemoteAdapter = {
  async start({ access, name, files, onProgress }) {
    // Vercel keeps files by digest: the same bytes at two paths go up once.
    const unique = [...new Map(files.map((file) => [file.sha1, file])).values()];
    onProgress(`Uploading ${unique.length} files to Vercel\n`);
    await eachLimited(unique, 4, (file) => upload(access, file));
    const create = () =>
      callProvider({
        provider,
        token: access.token,
        method: "POST",
        // Without it, a new project's framework detection waits for a confirmation first.
        url: endpoint("/v13/deployments", access, { skipAutoDetectionConfirmation: "1" }),
        json: {
          name,
          files: files.map((file) => ({
            file: file.path,
            sha: file.sha1,
            size: file.bytes.length,
          })),
        },
        what: "create the deployment",
      });
    let answer = await create();
    const missing = missingDigests(answer.body);
    if (answer.status === 400 && missing) {
      onProgress(`Vercel asked for ${missing.size} files again\n`);
      await eachLimited(
        unique.filter((file) => missing.has(file.sha1)),
        4,
        (file) => upload(access, file),
      );
      answer = await create();
    }
    const created = answer.body as VercelDeployment | null;
    if (answer.status >= 300 || !created?.id) {
      throw unexpectedAnswer({ provider, what: "create the deployment" }, answer);
    }
    onProgress(`Vercel deployment ${created.id} created\n`);
    return {
      remoteId: created.id,
      siteId: null,
      url: created.url ? httpsUrl(created.url) : "",
    };
  },

  async status({ access, remoteId }): Promise<RemoteState> {
    const what = "report the deployment's state";
    const answer = await callProvider({
      provider,
      token: access.token,
      method: "GET",
      url: endpoint(`/v13/deployments/${encodeURIComponent(remoteId)}`, access),
      what,
    });
    if (answer.status === 404) {
      return { state: "error", message: "Vercel no longer has this deployment" };
    }
    if (answer.status >= 300) throw unexpectedAnswer({ provider, what }, answer);
    const shown = answer.body as VercelDeployment;
    if (shown.readyState === "READY") {
      return { state: "ready", url: shown.url ? httpsUrl(shown.url) : undefined };
    }
    if (shown.readyState === "ERROR" || shown.readyState === "CANCELED") {
      const why = shown.errorMessage || shown.errorCode || shown.readyState.toLowerCase();
      return { state: "error", message: `Vercel's build ended in ${shown.readyState}: ${why}` };
    }
    return { state: "building" };
  },

  async remove({ access, remoteId }) {
    if (!remoteId) return;
    const what = "delete the deployment";
    const answer = await callProvider({
      provider,
      token: access.token,
      method: "DELETE",
      url: endpoint(`/v13/deployments/${encodeURIComponent(remoteId)}`, access),
      what,
    });
    if (answer.status >= 300 && answer.status !== 404) {
      throw unexpectedAnswer({ provider, what }, answer);
    }
  },
};

/** The digests a `missing_files` refusal lists, if that is what it is. */
function missingDigests(body: unknown): Set<string> | undefined {
  const error = (body as { error?: { code?: unknown; missing?: unknown } } | null)?.error;
  if (error?.code !== "missing_files" || !Array.isArray(error.missing)) return undefined;
  return new Set(error.missing.filter((sha): sha is string => typeof sha === "string"));
}

/** A Vercel project name: lowercase letters, digits, ".", "_" and "-", at most 100 long. */
export function vercelName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-._]+|[-._]+$/g, "")
    .slice(0, 100);
  return slug || "kiln-app";
}
