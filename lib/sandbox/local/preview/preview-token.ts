import "server-only";
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { getEnv } from "@/lib/env";

// The preview URL is a capability: the preview document runs with an opaque origin (see
// previewHeaders), so its own requests carry no Kiln cookies and the token is what admits them.
// 22 base64url characters hold 132 bits; it lasts as long as the sandbox and KILN_SECRET do.

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

/** Where a browser opens the sandbox's app: `/api/sandbox/<id>/preview/<token>/`. */
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
