import "server-only";
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { getEnv } from "@/lib/env";
import { normalizePreviewDomain } from "@/lib/http/preview-hosts";

// The preview URL is a capability: each preview is served on its own origin,
// `<label>.<preview domain>`, so its requests carry no Kiln cookies and the label in its host
// name is what admits them. 32 hex characters (lower case, as browsers write host names) hold
// 128 bits; it lasts as long as the sandbox and KILN_SECRET do. The older path form,
// `/api/sandbox/<id>/preview/<token>/`, only redirects there.

let tokenKey: Buffer | undefined;
function previewKey(): Buffer {
  tokenKey ??= Buffer.from(hkdfSync("sha256", getEnv().secret, "", "kiln preview tokens v1", 32));
  return tokenKey;
}

export function previewToken(sbxId: string): string {
  return createHmac("sha256", previewKey())
    .update(`preview:${sbxId}`)
    .digest("base64url")
    .slice(0, 22);
}

export function checkPreviewToken(sbxId: string, token: string): boolean {
  const expected = Buffer.from(previewToken(sbxId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The older address of a sandbox's app, `/api/sandbox/<id>/preview/<token>/`: a redirect. */
export function previewPath(sbxId: string): string {
  return `/api/sandbox/${sbxId}/preview/${previewToken(sbxId)}/`;
}

/** The parts of a preview URL's path, for callers outside the route (a websocket upgrade). */
export function parsePreviewPath(pathname: string) {
  const match = /^(\/api\/sandbox\/([^/]+)\/preview\/([^/]+))(\/.*)?$/.exec(pathname);
  if (!match) return undefined;
  const [, prefix, sbxId, token, rest] = match;
  return { prefix: prefix!, sbxId: sbxId!, token: token!, rest: rest ?? "" };
}

/** The host-name label of a sandbox's preview origin. */
export function previewHostLabel(sbxId: string): string {
  return createHmac("sha256", previewKey())
    .update(`preview-host:${sbxId}`)
    .digest("hex")
    .slice(0, 32);
}

export function checkPreviewHostLabel(sbxId: string, label: string): boolean {
  const expected = Buffer.from(previewHostLabel(sbxId));
  const given = Buffer.from(label);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Where a browser opens the sandbox's app: `<label>.<preview domain>` with the scheme and port
 * of Kiln's own origin, e.g. `http://<label>.preview.localhost:3000/`.
 */
export function previewOriginUrl(sbxId: string, kilnOrigin: string): string {
  const kiln = new URL(kilnOrigin);
  const domain = normalizePreviewDomain(getEnv().KILN_PREVIEW_DOMAIN);
  const port = kiln.port ? `:${kiln.port}` : "";
  return `${kiln.protocol}//${previewHostLabel(sbxId)}.${domain}${port}/`;
}
