import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { requestedHost } from "@/lib/http/kiln-hosts";
import type { PreviewHostHandlers } from "@/lib/process-lifetime";
import { previewHeaders } from "./preview-headers";
import { proxyPreview, proxyPreviewUpgrade } from "./preview-proxy";

// Requests and websocket upgrades (hot reload) for preview host names. server.ts takes them
// before Next does and hands them here alone (lib/process-lifetime.ts's onPreviewHost); the
// local provider registers these handlers at start-up (registerLocalSandboxHooks).

export interface PreviewTarget {
  socketPath: string;
}

/** The running app whose preview host name carries `label`, if any runs here. */
type Lookup = (label: string) => PreviewTarget | undefined;

/** The preview's origin as the browser addressed it. */
function ownOrigin(request: IncomingMessage): string {
  const { KILN_TRUST_PROXY } = getEnv();
  const forwarded = request.headers["x-forwarded-proto"];
  const scheme =
    KILN_TRUST_PROXY > 0 && typeof forwarded === "string" && forwarded.trim()
      ? forwarded.split(",")[0]!.trim()
      : (request.socket as TLSSocket).encrypted
        ? "https"
        : "http";
  return `${scheme}://${requestedHost(request.headers, KILN_TRUST_PROXY) ?? "localhost"}`;
}

/** Kiln's pages that may frame a preview: KILN_ORIGIN, and loopback names on any port. */
export function frameAncestors(): string {
  const { KILN_ORIGIN } = getEnv();
  const loopback = ["localhost", "127.0.0.1", "[::1]"].flatMap((host) => [
    `http://${host}:*`,
    `https://${host}:*`,
  ]);
  return [...(KILN_ORIGIN ? [new URL(KILN_ORIGIN).origin] : []), ...loopback].join(" ");
}

/** What serves preview host names (server.ts hands them over before Next sees them). */
export function previewHostHandlers(targetOf: Lookup): PreviewHostHandlers {
  return {
    request(request, response, label) {
      serve(targetOf, request, response, label).catch(() => {
        if (!response.headersSent) send(response, 502, "The app in this sandbox is not answering");
        else response.destroy();
      });
    },
    upgrade(request, socket, head, label) {
      const target = label ? targetOf(label) : undefined;
      if (!target) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      proxyPreviewUpgrade({ request, socket, head, ownOrigin: ownOrigin(request), ...target });
    },
  };
}

async function serve(
  targetOf: Lookup,
  request: IncomingMessage,
  response: ServerResponse,
  label: string,
) {
  const target = label ? targetOf(label) : undefined;
  if (!target) {
    return send(
      response,
      404,
      "Preview not found: this app is not running. Press Run in Kiln to start it again.",
    );
  }
  const origin = ownOrigin(request);
  const url = new URL(request.url ?? "/", origin);
  const abort = new AbortController();
  response.on("close", () => {
    if (!response.writableFinished) abort.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const webRequest = new Request(new URL(url.pathname + url.search, origin), {
    method: request.method,
    headers,
    body: hasBody ? (Readable.toWeb(request) as ReadableStream) : undefined,
    signal: abort.signal,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
  let answer: Response;
  try {
    answer = await proxyPreview({
      request: webRequest,
      socketPath: target.socketPath,
      frameAncestors: frameAncestors(),
    });
  } catch (error) {
    if (abort.signal.aborted) return;
    if (error instanceof KilnError) return send(response, 502, error.message);
    throw error;
  }
  const out: Record<string, string | string[]> = {};
  answer.headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = answer.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  response.writeHead(answer.status, out);
  if (!answer.body) return void response.end();
  const body = Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream);
  body.on("error", () => response.destroy());
  body.pipe(response);
}

function send(response: ServerResponse, status: number, message: string) {
  const body = `${message}\n`;
  response.writeHead(status, {
    ...previewHeaders(frameAncestors()),
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  });
  response.end(body);
}
