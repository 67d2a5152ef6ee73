import "server-only";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { proxyPreviewUpgrade } from "./preview-proxy";
import { checkPreviewToken, parsePreviewPath } from "./preview-token";

// Websocket upgrades (hot reload) for previews. server.ts takes upgrades before Next does and
// offers each to this hook; it is installed on globalThis because server.ts runs outside Next's
// bundle and cannot import it. Installed when local sandboxes are first used, which is always
// before a preview of this process exists.

export interface PreviewTarget {
  socketPath: string;
  keepPrefix: boolean;
}

type Lookup = (sandboxId: string) => PreviewTarget | undefined;
type UpgradeHook = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** `targetOf` finds the running app of a sandbox in this process. */
export function installPreviewUpgrade(targetOf: Lookup) {
  const hook: UpgradeHook = (request, socket, head) => upgrade(targetOf, request, socket, head);
  (globalThis as { __kilnPreviewUpgrade?: UpgradeHook }).__kilnPreviewUpgrade = hook;
}

/** True when the request was a preview's (answered or refused); false leaves it to Next. */
function upgrade(
  targetOf: Lookup,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): boolean {
  const parsed = parsePreviewPath(new URL(request.url ?? "/", "http://kiln").pathname);
  if (!parsed) return false;
  const target = checkPreviewToken(parsed.sandboxId, parsed.token)
    ? targetOf(parsed.sandboxId)
    : undefined;
  if (!target) {
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return true;
  }
  proxyPreviewUpgrade({ request, socket, head, prefix: parsed.prefix, ...target });
  return true;
}
