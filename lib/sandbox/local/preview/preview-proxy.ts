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
// The browser's word on where a request came from, said of the preview's origin: the preview's
// document itself is framed by Kiln, so it is loaded cross-site. Dev servers refuse cross-site
// requests to their scripts and hot-reload sockets (Next.js's allowedDevOrigins), a defence for
// a dev server any page can reach at localhost:3000. Here the token in the host name is the
// boundary, checked before anything reaches the app, and no Kiln credential reaches it; so the
// app is told nothing of sites, and its own pages reach it as they would on the developer's
// machine. An Origin other than the preview's own (or "null") names another page, which the app
// may judge.
const isSiteMarker = (name: string, value: string) =>
  name === "sec-fetch-site" || (name === "origin" && value === "null");
// Kiln's own cookies never reach an app (its session cookie is host-only on Kiln's host, so a
// browser would not send it here anyway).
const isKilnCookie = (name: string) => name.trim().toLowerCase().startsWith("kiln_");
// These act beyond one response: a preview must not clear storage, change HSTS, or register
// origin-wide policies. An app's own cookies are kept when they are host-only (see appCookie).
const originWideResponseHeaders = new Set([
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
  /** The request as the browser addressed it: its URL is on the preview's own origin. */
  request: Request;
  socketPath: string;
  /** Kiln's pages that may frame the preview, as a CSP source list. */
  frameAncestors: string;
}

/**
 * Forwards one request to the sandbox's app and streams its answer back. An app that does not
 * answer is a 502 (a KilnError carrying the preview's headers), for the caller to send.
 */
export async function proxyPreview(options: ProxyPreviewOptions): Promise<Response> {
  const { request, socketPath } = options;
  const url = new URL(request.url);
  const responseHeaders = previewHeaders(options.frameAncestors);
  const headers = forwardedHeaders(request.headers, url.origin);
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
        path: url.pathname + url.search,
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
    return toWebResponse(response, request.method, responseHeaders);
  } catch (error) {
    upstream?.destroy();
    if (request.signal.aborted) throw error;
    throw new KilnError("BAD_GATEWAY", "The app in this sandbox is not answering", {
      reason: "sandbox_unavailable",
      headers: { ...responseHeaders },
    });
  }
}

/** The request's headers as the app gets them; `ownOrigin` is the preview's origin. */
function forwardedHeaders(source: Headers, ownOrigin: string): Record<string, string> {
  const connectionListed = new Set(
    (source.get("connection") ?? "").split(",").map((token) => token.trim().toLowerCase()),
  );
  const headers: Record<string, string> = {};
  source.forEach((value, name) => {
    if (hopByHop.has(name) || connectionListed.has(name) || kilnRequestHeaders.has(name)) return;
    if (kilnRequestPrefixes.some((p) => name.startsWith(p))) return;
    if (isSiteMarker(name, value)) return;
    // The app is served as localhost (the Host it gets): its own pages say so too.
    headers[name] = name === "origin" && value === ownOrigin ? "http://localhost" : value;
  });
  const cookies = (source.get("cookie") ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair && !isKilnCookie(pair.split("=")[0] ?? ""));
  if (cookies.length > 0) headers.cookie = cookies.join("; ");
  return headers;
}

/**
 * An app's own cookie is kept when it stays on the preview's host: no Domain attribute (one
 * could reach Kiln's host or other previews) and not named as Kiln's cookies are.
 */
function appCookie(value: string): boolean {
  const [pair, ...attributes] = value.split(";");
  if (isKilnCookie((pair ?? "").split("=")[0] ?? "")) return false;
  return !attributes.some((attribute) => /^\s*domain\s*=/i.test(attribute));
}

function toWebResponse(
  upstream: IncomingMessage,
  method: string,
  responseHeaders: Readonly<Record<string, string>>,
): Response {
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
    if (name === "x-frame-options") continue;
    if (name === "set-cookie" && !appCookie(value)) continue;
    if (decoder && (name === "content-encoding" || name === "content-length")) continue;
    headers.append(name, name === "location" ? rewriteLocation(value) : value);
  }

  const isBodyless = method === "HEAD" || status === 204 || status === 205 || status === 304;
  if (isBodyless) {
    upstream.resume();
    return withPreviewHeaders(null, status, headers, responseHeaders);
  }
  let body: Readable = upstream;
  if (decoder) {
    upstream.on("error", (error) => decoder.destroy(error));
    body = upstream.pipe(decoder);
  }
  const stream = Readable.toWeb(body) as ReadableStream<Uint8Array>;
  return withPreviewHeaders(stream, status, headers, responseHeaders);
}

function withPreviewHeaders(
  body: ReadableStream | null,
  status: number,
  headers: Headers,
  responseHeaders: Readonly<Record<string, string>>,
) {
  for (const [name, value] of Object.entries(responseHeaders)) {
    // The app's own policy stays in force beside Kiln's: each policy only narrows.
    if (name === "Content-Security-Policy") headers.append(name, value);
    else headers.set(name, value);
  }
  return new Response(body, { status, headers });
}

/** A redirect to the app's own loopback address stays inside the preview. */
function rewriteLocation(location: string): string {
  if (location.startsWith("/")) return location;
  try {
    const url = new URL(location);
    return localHosts.has(url.hostname) ? url.pathname + url.search + url.hash : location;
  } catch {
    return location;
  }
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
  /** The preview's origin, as the browser addressed it. */
  ownOrigin: string;
}) {
  const { request, socket, head, socketPath } = options;
  const requestPath = new URL(request.url ?? "/", options.ownOrigin);
  const fail = (status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  socket.on("error", () => socket.destroy());

  const source = new Headers();
  for (const [name, value] of Object.entries(request.headers as IncomingHttpHeaders)) {
    if (value !== undefined) source.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const headers = forwardedHeaders(source, options.ownOrigin);
  headers.host = "localhost";
  headers.connection = "Upgrade";
  if (request.headers.upgrade) headers.upgrade = request.headers.upgrade;
  const upstream = httpRequest({
    socketPath,
    method: request.method,
    path: requestPath.pathname + requestPath.search,
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
      const name = raw[i]!.toLowerCase();
      if (originWideResponseHeaders.has(name)) continue;
      if (name === "set-cookie" && !appCookie(raw[i + 1]!)) continue;
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
