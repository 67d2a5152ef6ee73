import { createHash, randomUUID } from "node:crypto";
import {
  type Answer,
  bearer,
  type FakeServer,
  parseJson,
  type SeenRequest,
  startFakeServer,
} from "./fake-provider-http";

// A local stand-in for Netlify's REST API under /api/v1, the part a file digest deploy uses:
// POST /sites, POST /sites/:site_id/deploys with { files: { "/path": sha1 } } answering the
// digests it still needs in `required`, PUT /deploys/:id/files/:path (application/octet-stream;
// the bytes must hash to the digest the deploy listed for that path), GET /deploys/:id whose
// state goes uploading → processing → ready over a few polls once every required file is in
// (or error, in error mode), and DELETE /sites/:id. A missing or unknown token is a 401.

export interface FakeNetlifyDeploy {
  id: string;
  siteId: string;
  /** Path (with its leading "/") → the digest the deploy listed. */
  digests: Map<string, string>;
  required: Set<string>;
  /** The files as uploaded: path (no leading "/") → bytes. */
  files: Map<string, Buffer>;
  polls: number;
}

export interface FakeNetlifySite {
  id: string;
  name: string;
  token: string;
  deleted: boolean;
}

export interface FakeNetlifyOptions {
  readyAfterPolls: number;
  failDeployWith?: string;
  down: boolean;
}

export interface FakeNetlify extends FakeServer {
  options: FakeNetlifyOptions;
  sites: Map<string, FakeNetlifySite>;
  deploys: Map<string, FakeNetlifyDeploy>;
  addToken(token: string): void;
}

const netlifyError = (status: number, message: string): Answer => [
  status,
  { code: status, message },
];

export async function startFakeNetlify(
  options: Partial<FakeNetlifyOptions> = {},
): Promise<FakeNetlify> {
  const settings: FakeNetlifyOptions = { readyAfterPolls: 2, down: false, ...options };
  const tokens = new Set<string>();
  const sites = new Map<string, FakeNetlifySite>();
  const deploys = new Map<string, FakeNetlifyDeploy>();
  // Digests Netlify holds already, per account: a deploy does not ask for them again.
  const held = new Map<string, Set<string>>();

  const siteUrl = (site: FakeNetlifySite) => `https://${site.name}.netlify.app`;

  function handle(request: SeenRequest): Answer {
    if (settings.down) return netlifyError(500, "Internal Server Error");
    const token = bearer(request);
    if (!token || !tokens.has(token)) return netlifyError(401, "Access Denied: Invalid token");
    const ownSite = (id: string) => {
      const site = sites.get(decodeURIComponent(id));
      return site && site.token === token && !site.deleted ? site : undefined;
    };
    if (request.method === "POST" && request.path === "/api/v1/sites") {
      const body = (parseJson(request) ?? {}) as { name?: unknown };
      const name = typeof body.name === "string" ? body.name : `site-${randomUUID().slice(0, 8)}`;
      if (!/^[a-z0-9-]{1,63}$/.test(name)) return netlifyError(422, "Validation Failed");
      if ([...sites.values()].some((site) => site.name === name && !site.deleted)) {
        return netlifyError(422, "Validation Failed: subdomain must be unique");
      }
      const site = { id: randomUUID(), name, token, deleted: false };
      sites.set(site.id, site);
      return [
        201,
        { id: site.id, name, url: `http://${name}.netlify.app`, ssl_url: siteUrl(site) },
      ];
    }
    let match = /^\/api\/v1\/sites\/([^/]+)\/deploys$/.exec(request.path);
    if (match && request.method === "POST") {
      const site = ownSite(match[1]!);
      if (!site) return netlifyError(404, "Not Found");
      const body = parseJson(request) as { files?: Record<string, unknown> } | undefined;
      const listed = Object.entries(body?.files ?? {});
      if (
        !listed.every(
          ([path, sha]) =>
            path.startsWith("/") && typeof sha === "string" && /^[0-9a-f]{40}$/.test(sha),
        )
      ) {
        return netlifyError(422, "Validation Failed: files");
      }
      const own = held.get(token) ?? new Set<string>();
      const digests = new Map(listed as [string, string][]);
      const required = new Set([...digests.values()].filter((sha) => !own.has(sha)));
      const deploy: FakeNetlifyDeploy = {
        id: randomUUID().replaceAll("-", "").slice(0, 24),
        siteId: site.id,
        digests,
        required,
        files: new Map(),
        polls: 0,
      };
      deploys.set(deploy.id, deploy);
      return [200, shownDeploy(deploy)];
    }
    match = /^\/api\/v1\/deploys\/([^/]+)\/files\/(.+)$/.exec(request.path);
    if (match && request.method === "PUT") {
      const deploy = deploys.get(match[1]!);
      if (!deploy || !ownSite(deploy.siteId)) return netlifyError(404, "Not Found");
      if (request.headers["content-type"] !== "application/octet-stream") {
        return netlifyError(422, "Content-Type must be application/octet-stream");
      }
      const path = `/${match[2]!.split("/").map(decodeURIComponent).join("/")}`;
      const expected = deploy.digests.get(path);
      if (!expected) return netlifyError(422, `${path} is not part of this deploy`);
      const sha = createHash("sha1").update(request.body).digest("hex");
      if (sha !== expected) return netlifyError(422, `The SHA1 of ${path} does not match`);
      deploy.files.set(path.slice(1), request.body);
      deploy.required.delete(sha);
      const own = held.get(token) ?? new Set<string>();
      held.set(token, own);
      own.add(sha);
      return [
        200,
        { id: sha, path, sha, mime_type: "application/octet-stream", size: request.body.length },
      ];
    }
    match = /^\/api\/v1\/deploys\/([^/]+)$/.exec(request.path);
    if (match && request.method === "GET") {
      const deploy = deploys.get(match[1]!);
      if (!deploy || !ownSite(deploy.siteId)) return netlifyError(404, "Not Found");
      if (deploy.required.size === 0) deploy.polls += 1;
      return [200, shownDeploy(deploy)];
    }
    match = /^\/api\/v1\/sites\/([^/]+)$/.exec(request.path);
    if (match && request.method === "DELETE") {
      const site = ownSite(match[1]!);
      if (!site) return netlifyError(404, "Not Found");
      site.deleted = true;
      return [204];
    }
    return netlifyError(404, "Not Found");
  }

  function shownDeploy(deploy: FakeNetlifyDeploy) {
    const site = sites.get(deploy.siteId)!;
    const state =
      deploy.required.size > 0
        ? "uploading"
        : deploy.polls < settings.readyAfterPolls
          ? "processing"
          : settings.failDeployWith
            ? "error"
            : "ready";
    return {
      id: deploy.id,
      site_id: deploy.siteId,
      state,
      required: [...deploy.required],
      ssl_url: siteUrl(site),
      deploy_ssl_url: `https://${deploy.id}--${site.name}.netlify.app`,
      error_message: state === "error" ? settings.failDeployWith : null,
    };
  }

  const server = await startFakeServer(handle);
  return {
    ...server,
    options: settings,
    sites,
    deploys,
    addToken: (token) => tokens.add(token),
  };
}
