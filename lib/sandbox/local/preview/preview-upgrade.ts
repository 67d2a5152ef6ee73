import "server-only";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { UpgradeHandler } from "@/lib/process-lifetime";
import { proxyPreviewUpgrade } from "./preview-proxy";
import { checkPreviewToken, parsePreviewPath } from "./preview-token";

// Websocket upgrades (hot reload) for previews. server.ts takes upgrades before Next does and
// offers each to the handlers of lib/process-lifetime.ts; the local provider registers this one
// at start-up (registerLocalSandboxHooks).

export interface PreviewTarget {
  socketPath: string;
  keepPrefix: boolean;
}

type Lookup = (sbxId: string) => PreviewTarget | undefined;

/** The upgrade handler for previews: `targetOf` finds the running app of a sandbox here. */
export function previewUpgradeHandler(targetOf: Lookup): UpgradeHandler {
  return (request, socket, head) => upgrade(targetOf, request, socket, head);
}

/** True when the request was a preview's (answered or refused); false leaves it to others. */
function upgrade(
  targetOf: Lookup,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): boolean {
  const parsed = parsePreviewPath(new URL(request.url ?? "/", "http://kiln").pathname);
  if (!parsed) return false;
  const target = checkPreviewToken(parsed.sbxId, parsed.token) ? targetOf(parsed.sbxId) : undefined;
  if (!target) {
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return true;
  }
  proxyPreviewUpgrade({ request, socket, head, prefix: parsed.prefix, ...target });
  return true;
}
