import { createHash, randomBytes } from "node:crypto";
import {
  type Answer,
  bearer,
  type FakeServer,
  parseJson,
  type SeenRequest,
  startFakeServer,
} from "./fake-provider-http";

// A local stand-in for Vercel's REST API, the part a file deployment uses: POST /v2/files (the
// body's SHA-1 must match x-vercel-digest, its length Content-Length), POST /v13/deployments
// with files [{ file, sha, size }] (a digest never uploaded is a 400 `missing_files` listing
// the missing digests, as Vercel answers), GET /v13/deployments/:id whose readyState goes
// QUEUED → BUILDING → READY over a few polls (or ERROR, in error mode), and DELETE. Every call
// needs a known bearer token, else 403 as Vercel answers an invalid token.

export interface FakeVercelDeployment {
  id: string;
  name: string;
  token: string;
  teamId: string | null;
  /** The files as the deployment received them: path → bytes. */
  files: Map<string, Buffer>;
  polls: number;
  deleted: boolean;
}

export interface FakeVercelOptions {
  /** Polls answered before a deployment is READY. */
  readyAfterPolls: number;
  /** Builds end in ERROR with this message. */
  failBuildWith?: string;
  /** Answer every call with 500, as an outage would. */
  down: boolean;
  /**
   * Accept the next uploads without keeping them, as files Vercel has let expire: the next
   * deployment then finds them missing.
   */
  forgetUploads: boolean;
}

export interface FakeVercel extends FakeServer {
  options: FakeVercelOptions;
  deployments: Map<string, FakeVercelDeployment>;
  addToken(token: string): void;
}

const vercelError = (status: number, code: string, message: string, extra = {}): Answer => [
  status,
  { error: { code, message, ...extra } },
];

export async function startFakeVercel(
  options: Partial<FakeVercelOptions> = {},
): Promise<FakeVercel> {
  const settings: FakeVercelOptions = {
    readyAfterPolls: 2,
    down: false,
    forgetUploads: false,
    ...options,
  };
  const tokens = new Set<string>();
  // Uploaded files are kept per token (Vercel keeps them per account), by digest.
  const blobs = new Map<string, Map<string, Buffer>>();
  const deployments = new Map<string, FakeVercelDeployment>();

  function handle(request: SeenRequest): Answer {
    if (settings.down)
      return vercelError(500, "internal_server_error", "An unexpected error occurred");
    const token = bearer(request);
    if (!token || !tokens.has(token)) {
      return vercelError(403, "forbidden", "Not authorized", { invalidToken: true });
    }
    const teamId = request.query.get("teamId");
    if (request.method === "POST" && request.path === "/v2/files") return upload(request, token);
    if (request.method === "POST" && request.path === "/v13/deployments") {
      return create(request, token, teamId);
    }
    const match = /^\/v13\/deployments\/([^/]+)$/.exec(request.path);
    const found = match ? deployments.get(decodeURIComponent(match[1]!)) : undefined;
    if (match && (!found || found.token !== token || found.deleted)) {
      return vercelError(404, "not_found", "Deployment was not found.");
    }
    if (found && request.method === "GET") {
      found.polls += 1;
      return [200, shown(found)];
    }
    if (found && request.method === "DELETE") {
      found.deleted = true;
      return [200, { uid: found.id, state: "DELETED" }];
    }
    return vercelError(404, "not_found", "The requested path was not found");
  }

  function upload(request: SeenRequest, token: string): Answer {
    const digest = String(request.headers["x-vercel-digest"] ?? "");
    const length = Number(request.headers["content-length"]);
    if (!/^[0-9a-f]{40}$/.test(digest)) {
      return vercelError(400, "missing_digest", "Missing `x-vercel-digest` header");
    }
    if (length !== request.body.length) {
      return vercelError(400, "invalid_content_length", "Content-Length does not match the body");
    }
    if (createHash("sha1").update(request.body).digest("hex") !== digest) {
      return vercelError(400, "invalid_digest", "The file's SHA1 does not match x-vercel-digest");
    }
    if (settings.forgetUploads) return [200, {}];
    const own = blobs.get(token) ?? new Map<string, Buffer>();
    blobs.set(token, own);
    own.set(digest, request.body);
    return [200, {}];
  }

  function create(request: SeenRequest, token: string, teamId: string | null): Answer {
    const body = parseJson(request) as
      | { name?: unknown; files?: { file?: unknown; sha?: unknown; size?: unknown }[] }
      | undefined;
    if (!body || typeof body.name !== "string" || !Array.isArray(body.files)) {
      return vercelError(400, "bad_request", "Invalid request: missing required property `name`.");
    }
    const own = blobs.get(token) ?? new Map<string, Buffer>();
    const missing = new Set<string>();
    const files = new Map<string, Buffer>();
    for (const entry of body.files) {
      if (typeof entry.file !== "string" || typeof entry.sha !== "string") {
        return vercelError(
          400,
          "bad_request",
          "Invalid request: `files` should be an array of files",
        );
      }
      const bytes = own.get(entry.sha);
      if (!bytes) missing.add(entry.sha);
      else if (entry.size !== bytes.length) {
        return vercelError(400, "bad_request", `Invalid request: size of ${entry.file} is wrong`);
      } else files.set(entry.file, bytes);
    }
    if (missing.size > 0) {
      settings.forgetUploads = false;
      return vercelError(400, "missing_files", "Missing files", { missing: [...missing] });
    }
    const id = `dpl_${randomBytes(12).toString("hex")}`;
    const deployment = { id, name: body.name, token, teamId, files, polls: 0, deleted: false };
    deployments.set(id, deployment);
    return [200, shown(deployment)];
  }

  function shown(deployment: FakeVercelDeployment) {
    const states = ["QUEUED", "BUILDING"];
    const isDone = deployment.polls >= settings.readyAfterPolls;
    const readyState = isDone
      ? settings.failBuildWith
        ? "ERROR"
        : "READY"
      : states[Math.min(deployment.polls, states.length - 1)];
    return {
      id: deployment.id,
      name: deployment.name,
      url: `${deployment.name}-${deployment.id.slice(4, 13)}.vercel.app`,
      readyState,
      ...(readyState === "ERROR"
        ? { errorCode: "BUILD_FAILED", errorMessage: settings.failBuildWith }
        : {}),
    };
  }

  const server = await startFakeServer(handle);
  return {
    ...server,
    options: settings,
    deployments,
    addToken: (token) => tokens.add(token),
  };
}
