import "server-only";
import {
  type ClientRequest,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import { type Duplex, Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { KilnError } from "@/lib/errors";
import { previewHeaders } from "./preview-headers";

// RFC 9110 §7.6.1: these describe one connection, not the message.
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
// Kiln's credentials and its own request metadata never reach user code.
const kilnRequestHeaders = new Set(["cookie", "authorization", "host", "forwarded", "x-real-ip"]);
const kilnRequestPrefixes = ["x-kiln-", "x-forwarded-", "x-middleware-"];
// The browser's word on where a request came from, said of Kiln's origin: every request from a
// preview's own page is cross-site to Kiln (its document's origin is opaque, so its Origin is
// "null"). Dev servers refuse such requests to their scripts and hot-reload sockets (Next.js's
// allowedDevOrigins), a defence for a dev server any page can reach at localhost:3000. Here the
// capability URL is the boundary, checked before anything reaches the app, and the app holds
// no credentials a forged request could use (no cookie reaches it or leaves it); so the app is
// told nothing of Kiln's sites, and its own pages reach it as they would on the developer's
// machine. An Origin other than "null" names a real page, and the app may judge it.
const isKilnSiteMarker = (name: string, value: string) =>
  name === "sec-fetch-site" || (name === "origin" && value === "null");
// These act on all of Kiln's origin, not on one response: a preview must not set or clear
// Kiln's cookies and storage, change its HSTS, or register origin-wide policies. (Set-Cookie is
// not confined to the opaque origin: the browser stores it for Kiln's host.)
const originWideResponseHeaders = new Set([
  "set-cookie",
  "set-cookie2",
  "clear-site-data",
  "strict-transport-security",
  "public-key-pins",
  "public-key-pins-report-only",
  "expect-ct",
  "alt-svc",
  "nel",
  "report-to",
  "accept-ch",
  "critical-ch",
  "set-login",
  "service-worker-allowed",
  "origin-agent-cluster",
]);
const localHosts = new Set(["localhost", "127.0.0.1", "0.0.0.0", "[::1]"]);

export interface ProxyPreviewOptions {
  request: Request;
  socketPath: string;
  /** The preview's path prefix, `/api/sandbox/<id>/preview/<token>`. */
  prefix: string;
  /** Forwards the full path, for apps configured to serve under the prefix (a base path). */
  keepPrefix?: boolean;
}

/**
 * Forwards one request to the sandbox's app and streams its answer back. An app that does not
 * answer is a 502 (a KilnError carrying the preview's headers), for the route to send.
 */
export async function proxyPreview(options: ProxyPreviewOptions): Promise<Response> {
  const { request, socketPath } = options;
  const prefix = options.prefix.replace(/\/+$/, "");
  const url = new URL(request.url);
  if (url.pathname === prefix) {
    // Relative links resolve against the directory: the root needs its slash.
    return withPreviewHeaders(null, 308, new Headers({ Location: `${prefix}/${url.search}` }));
  }
  if (!url.pathname.startsWith(`${prefix}/`)) throw new KilnError("NOT_FOUND", "Preview not found");
  if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
    return preflight(request);
  }

  // An app serving under the prefix (a base path) has its root at the prefix without the slash,
  // and would redirect the slash away, back to the redirect above.
  const path = options.keepPrefix
    ? url.pathname === `${prefix}/`
      ? prefix
      : url.pathname
    : url.pathname.slice(prefix.length);
  const target = path + url.search;
  const headers = forwardedHeaders(request.headers, prefix);
  headers.host = "localhost";
  headers["x-forwarded-host"] = url.host;
  headers["x-forwarded-proto"] = url.protocol.slice(0, -1);
  // Next drops Content-Encoding from a route's response: ask for plain bytes.
  headers["accept-encoding"] = "identity";

  const hasBody = request.body !== null && request.method !== "GET" && request.method !== "HEAD";
  let upstream: ClientRequest | undefined;
  try {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      upstream = httpRequest({
        socketPath,
        method: request.method,
        path: target,
        headers,
        signal: request.signal,
      });
      upstream.on("response", resolve);
      upstream.on("error", reject);
      if (hasBody && request.body) {
        const body = Readable.fromWeb(request.body as import("node:stream/web").ReadableStream);
        body.on("error", (error) => upstream?.destroy(error));
        body.pipe(upstream);
      } else upstream.end();
    });
    return toWebResponse(response, request.method, prefix);
  } catch (error) {
    upstream?.destroy();
    if (request.signal.aborted) throw error;
    throw new KilnError("BAD_GATEWAY", "The app in this sandbox is not answering", {
      reason: "sandbox_unavailable",
      headers: { ...previewHeaders },
    });
  }
}

function forwardedHeaders(source: Headers, prefix: string): Record<string, string> {
  const connectionListed = new Set(
    (source.get("connection") ?? "").split(",").map((token) => token.trim().toLowerCase()),
  );
  const headers: Record<string, string> = {};
  source.forEach((value, name) => {
    if (hopByHop.has(name) || connectionListed.has(name) || kilnRequestHeaders.has(name)) return;
    if (kilnRequestPrefixes.some((p) => name.startsWith(p))) return;
    if (isKilnSiteMarker(name, value)) return;
    headers[name] = value;
  });
  headers["x-forwarded-prefix"] = prefix;
  return headers;
}

function toWebResponse(upstream: IncomingMessage, method: string, prefix: string): Response {
  const status = upstream.statusCode ?? 502;
  if (status < 200 || status > 599) {
    upstream.destroy();
    throw new Error(`the app answered with status ${status}`);
  }
  const connectionListed = new Set(
    String(upstream.headers.connection ?? "")
      .split(",")
      .map((token) => token.trim().toLowerCase()),
  );
  const encoding = String(upstream.headers["content-encoding"] ?? "").toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : undefined;
  const headers = new Headers();
  const raw = upstream.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (hopByHop.has(name) || connectionListed.has(name) || originWideResponseHeaders.has(name)) {
      continue;
    }
    if (name === "x-frame-options" || name.startsWith("access-control-")) continue;
    if (decoder && (name === "content-encoding" || name === "content-length")) continue;
    headers.append(name, name === "location" ? rewriteLocation(value, prefix) : value);
  }

  const isBodyless = method === "HEAD" || status === 204 || status === 205 || status === 304;
  if (isBodyless) {
    upstream.resume();
    return withPreviewHeaders(null, status, headers);
  }
  let body: Readable = upstream;
  if (decoder) {
    upstream.on("error", (error) => decoder.destroy(error));
    body = upstream.pipe(decoder);
  }
  const stream = Readable.toWeb(body) as ReadableStream<Uint8Array>;
  return withPreviewHeaders(stream, status, headers);
}

function withPreviewHeaders(body: ReadableStream | null, status: number, headers: Headers) {
  for (const [name, value] of Object.entries(previewHeaders)) {
    // The app's own policy stays in force beside Kiln's: each policy only narrows.
    if (name === "Content-Security-Policy") headers.append(name, value);
    else headers.set(name, value);
  }
  return new Response(body, { status, headers });
}

/** An absolute-path or loopback redirect stays inside the preview. */
function rewriteLocation(location: string, prefix: string): string {
  let pathname = location;
  if (!location.startsWith("/") || location.startsWith("//")) {
    try {
      const url = new URL(location);
      if (!localHosts.has(url.hostname)) return location;
      pathname = url.pathname + url.search + url.hash;
    } catch {
      return location;
    }
  }
  // An app that knows its base path (KILN_BASE_PATH) already points inside.
  if (pathname === prefix) return `${prefix}/`;
  if (pathname.startsWith(`${prefix}/`)) return pathname;
  return prefix + pathname;
}

// Preflights come from the preview's own scripts (origin "null"); the app need not know CORS.
function preflight(request: Request): Response {
  const headers = new Headers({
    "Access-Control-Allow-Methods": request.headers.get("access-control-request-method") ?? "",
    "Access-Control-Max-Age": "600",
  });
  const requested = request.headers.get("access-control-request-headers");
  if (requested) headers.set("Access-Control-Allow-Headers", requested);
  return withPreviewHeaders(null, 204, headers);
}

/**
 * Carries a websocket (or other) upgrade, such as a dev server's hot reload, through the relay.
 * For a node:http server's "upgrade" event, after the caller has checked the preview token.
 */
export function proxyPreviewUpgrade(options: {
  request: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  socketPath: string;
  prefix: string;
  keepPrefix?: boolean;
}) {
  const { request, socket, head, socketPath } = options;
  const prefix = options.prefix.replace(/\/+$/, "");
  const requestPath = request.url ?? "/";
  const fail = (status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  socket.on("error", () => socket.destroy());
  if (!requestPath.startsWith(`${prefix}/`)) return fail("404 Not Found");

  const source = new Headers();
  for (const [name, value] of Object.entries(request.headers as IncomingHttpHeaders)) {
    if (value !== undefined) source.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const headers = forwardedHeaders(source, prefix);
  headers.host = "localhost";
  headers.connection = "Upgrade";
  if (request.headers.upgrade) headers.upgrade = request.headers.upgrade;
  const upstream = httpRequest({
    socketPath,
    method: request.method,
    path: options.keepPrefix ? requestPath : requestPath.slice(prefix.length),
    headers,
  });
  upstream.on("error", () => fail("502 Bad Gateway"));
  upstream.on("response", (response) => {
    response.resume();
    fail(`${response.statusCode} Upgrade Refused`);
  });
  upstream.on("upgrade", (response, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 101 ${response.statusMessage || "Switching Protocols"}`];
    const raw = response.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (originWideResponseHeaders.has(raw[i]!.toLowerCase())) continue;
      lines.push(`${raw[i]}: ${raw[i + 1]}`);
    }
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.on("error", () => socket.destroy());
    socket.on("close", () => upstreamSocket.destroy());
    upstreamSocket.on("close", () => socket.destroy());
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
  });
  upstream.end();
}
