// Which host names Kiln answers to. A DNS-rebinding page (evil.example resolving to Kiln's
// address) talks to Kiln as its own origin, so its Host and Origin agree with each other; only
// a check against a fixed list of Kiln's own hosts stops it. server.ts runs this for every
// request and websocket upgrade, and lib/http/origin.ts checks Origin headers against it.
// No "server-only" and no "@/" imports: server.ts loads this file under plain Node.
import type { IncomingMessage, ServerResponse } from "node:http";
import { hostname as machineName, networkInterfaces } from "node:os";
import type { Duplex } from "node:stream";
import { processSlot } from "../process-lifetime.ts";
import { isUnderPreviewDomain, normalizePreviewDomain } from "./preview-hosts.ts";
import { securityHeaders } from "./security-headers.ts";

export interface KilnHostsOptions {
  /** KILN_ORIGIN: when set, its host is the one name Kiln serves besides loopback. */
  kilnOrigin?: string;
  /** The address the server listens on (0.0.0.0 or :: for all interfaces). */
  bindAddress: string;
  /** KILN_PREVIEW_DOMAIN: names under it are sandbox previews, never Kiln's own hosts. */
  previewDomain?: string;
}

/** A host name as a browser would send it: lower case, IPv4 normalised, IPv6 without brackets. */
export function normalizeHost(host: string): string | undefined {
  const value = host.trim();
  if (!value || /[\s/?#@\\]/.test(value)) return undefined;
  try {
    const name = new URL(`http://${value}`).hostname.replace(/\.$/, "");
    return name.startsWith("[") ? name.slice(1, -1) : name;
  } catch {
    return undefined;
  }
}

/** Names a rebinding page can never send: the browser resolves them to this machine itself. */
export function isLoopbackHost(name: string): boolean {
  return (
    name === "localhost" ||
    name.endsWith(".localhost") ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    name === "::1" ||
    name === "::ffff:7f00:1"
  );
}

const allInterfaces = new Set(["0.0.0.0", "::", ""]);
// Interface addresses change (DHCP, VPNs); a name not found is looked up again at most this often.
const interfaceRefreshMs = 5_000;

/**
 * A predicate for "is this one of Kiln's own host names". A preview's host name never is, even
 * under a loopback name such as `<token>.preview.localhost`: its pages are another origin.
 */
export function createKilnHosts(options: KilnHostsOptions): (name: string) => boolean {
  const previewDomain = normalizePreviewDomain(options.previewDomain);
  const isKilnHost = kilnHostsBesidesPreviews(options);
  return (name) => !isUnderPreviewDomain(name, previewDomain) && isKilnHost(name);
}

function kilnHostsBesidesPreviews(options: KilnHostsOptions): (name: string) => boolean {
  const fixed = new Set<string>();
  if (options.kilnOrigin) {
    const name = normalizeHost(new URL(options.kilnOrigin).host);
    if (name) fixed.add(name);
    return (name) => isLoopbackHost(name) || fixed.has(name);
  }
  const bound = normalizeHost(options.bindAddress) ?? "";
  const servesAll = allInterfaces.has(bound);
  if (!servesAll) fixed.add(bound);
  if (servesAll || bound === machineName().toLowerCase()) {
    // The machine's own name, as a LAN user types it; a rebinding page cannot send it either,
    // since the victim's own resolver decides what it means.
    const name = machineName().toLowerCase();
    fixed.add(name);
    fixed.add(`${name}.local`);
  }
  let addresses = new Set<string>();
  let readAt = 0;
  const readInterfaces = () => {
    addresses = new Set(
      Object.values(networkInterfaces())
        .flat()
        .map((info) =>
          normalizeHost(info?.family === "IPv6" ? `[${info.address}]` : (info?.address ?? "")),
        )
        .filter((a): a is string => Boolean(a)),
    );
    readAt = Date.now();
  };
  return (name) => {
    if (isLoopbackHost(name) || fixed.has(name)) return true;
    if (!servesAll) return false;
    if (addresses.has(name)) return true;
    if (Date.now() - readAt < interfaceRefreshMs) return false;
    readInterfaces();
    return addresses.has(name);
  };
}

// lib/http/origin.ts runs inside Next's bundle, which holds its own copy of this module; the
// server publishes its options in a process slot so that both sides agree on the list.
const published = processSlot("hosts-options", (): { options?: KilnHostsOptions } => ({}));

/** The options server.ts started with, or loopback only when Kiln runs without server.ts. */
export function publishedHostsOptions(): KilnHostsOptions {
  return published.options ?? { bindAddress: "127.0.0.1" };
}

/**
 * The host a request was addressed to as the browser saw it: Host, or behind a trusted proxy
 * (KILN_TRUST_PROXY > 0) the X-Forwarded-Host entry the outermost trusted proxy wrote.
 */
export function requestedHost(
  headers: Record<string, string | string[] | undefined>,
  trustProxy: number,
): string | undefined {
  const forwarded = headers["x-forwarded-host"];
  if (trustProxy > 0 && typeof forwarded === "string" && forwarded.trim()) {
    const chain = forwarded
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return chain[chain.length - trustProxy] ?? chain[0];
  }
  const host = headers.host;
  return typeof host === "string" ? host : undefined;
}

function misdirected(path: string, host: string) {
  const message = `Kiln does not serve the host "${host.slice(0, 100)}". Open it at its own address, or set KILN_ORIGIN to the URL you use.`;
  if (/^\/(api\/)?v1(\/|$)/.test(path)) {
    return {
      type: "application/json",
      body: JSON.stringify({
        success: false,
        error: { code: "MISDIRECTED_REQUEST", message, details: { host: host.slice(0, 100) } },
      }),
    };
  }
  if (path === "/api" || path.startsWith("/api/") || path === "/health") {
    return { type: "application/json", body: JSON.stringify({ error: true, message }) };
  }
  return { type: "text/plain; charset=utf-8", body: `${message}\n` };
}

/**
 * The gate server.ts puts in front of every request and upgrade. It also drops the
 * X-Forwarded-Proto and -Host a client sent when no proxy is trusted.
 */
export function createHostGate(
  options: KilnHostsOptions & { trustProxy: number; isProduction: boolean },
) {
  published.options = {
    kilnOrigin: options.kilnOrigin,
    bindAddress: options.bindAddress,
    previewDomain: options.previewDomain,
  };
  const isKilnHost = createKilnHosts(options);
  const refusedHost = (req: IncomingMessage): string | undefined => {
    // Next builds request.url from these headers whoever sent them; only a trusted proxy may.
    if (options.trustProxy === 0) {
      delete req.headers["x-forwarded-proto"];
      delete req.headers["x-forwarded-host"];
    }
    // Behind a trusted proxy the browser's host (X-Forwarded-Host) must be Kiln's, and so must
    // the Host the proxy sent: a rebinding page that reaches Kiln around the proxy could write
    // an X-Forwarded-Host of its choosing, but not the Host its own name puts there.
    const hosts = [req.headers.host ?? "", requestedHost(req.headers, options.trustProxy) ?? ""];
    return hosts.find((host) => {
      const name = normalizeHost(host);
      return !name || !isKilnHost(name);
    });
  };
  return {
    /** False (and the request answered 421) when the request is for a host Kiln does not serve. */
    allowRequest(req: IncomingMessage, res: ServerResponse): boolean {
      const host = refusedHost(req);
      if (host === undefined) return true;
      const { type, body } = misdirected((req.url ?? "/").split("?")[0] ?? "/", host);
      res.writeHead(421, {
        // This answer never reaches proxy.ts, which sets these on every other response.
        ...securityHeaders({ isProduction: options.isProduction }),
        "Content-Type": type,
        "Content-Length": Buffer.byteLength(body),
        "Cache-Control": "no-store",
        Connection: "close",
      });
      res.end(body);
      return false;
    },
    allowUpgrade(req: IncomingMessage, socket: Duplex): boolean {
      if (refusedHost(req) === undefined) return true;
      socket.end(
        "HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      );
      return false;
    },
  };
}
