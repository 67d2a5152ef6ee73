// The first look at every request, in server.ts before Next's router: a request Next would
// choke on (a 500 in plain text, without Kiln's headers) or quietly reinterpret (dot segments
// resolved into another path, answered with an HTML page) is refused here with a 4xx in the
// shape of the surface it was aimed at. server.ts runs under plain Node, so this file imports
// only relative .ts paths and nothing that needs Next.
import type { IncomingMessage, ServerResponse } from "node:http";
import { securityHeaders } from "./security-headers.ts";

const requestIdPattern = /^[A-Za-z0-9._-]{8,128}$/;

/** The client's request id when it is safe to echo and log, else a new one. */
export function requestIdFor(incoming: string | null | undefined): string {
  return incoming && requestIdPattern.test(incoming) ? incoming : crypto.randomUUID();
}

export type GateSurface = "api" | "v1" | "page";

function surfaceOfPath(path: string): GateSurface | undefined {
  if (/^\/(api\/)?v1(\/|$)/.test(path)) return "v1";
  if (/^\/(api|health)(\/|$)/.test(path)) return "api";
  return undefined;
}

export interface RequestProblem {
  surface: GateSurface;
  status: 400 | 405;
  code: "VALIDATION_ERROR" | "METHOD_NOT_ALLOWED";
  message: string;
}

// Every method some route of Kiln's answers (Next answers HEAD and OPTIONS itself); Next's
// router fails with a 500 on the others, TRACE among them.
const servedMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const absoluteForm = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i;

/**
 * Why a request (its method, and the path of its target as sent) cannot be served, or
 * undefined when it can. Checked on the raw bytes, since any client may send what a browser
 * would not. The query is left alone: Next reads a malformed one leniently, a sandboxed app's
 * may be anything, and the API's own parsing refuses a NUL in it by field name.
 */
export function requestProblem(method: string, target: string): RequestProblem | undefined {
  // An absolute-form target (GET http://host/path) names the path after its authority.
  const relative = absoluteForm.exec(target)?.[3] ?? target;
  const queryAt = relative.indexOf("?");
  const path = queryAt === -1 ? relative : relative.slice(0, queryAt);
  // Aimed at where its dot segments lead when that is an API path (/api/./v1/x is /api/v1/x),
  // else at where it starts (/api/x/../../etc is still an API request).
  const slashed = path.replaceAll("\\", "/");
  const surface = surfaceOfPath(normalised(slashed)) ?? surfaceOfPath(slashed) ?? "page";
  const refuse = (message: string): RequestProblem => ({
    surface,
    status: 400,
    code: "VALIDATION_ERROR",
    message,
  });

  if (!servedMethods.includes(method)) {
    return {
      surface,
      status: 405,
      code: "METHOD_NOT_ALLOWED",
      message: `${method} is not a method Kiln serves; use ${servedMethods.join(", ")}`,
    };
  }
  if (!path.startsWith("/")) return refuse("The request target must be a path starting with /");
  // URL parsers treat a backslash as a slash, so it separates segments here too.
  for (const segment of path.split(/[/\\]/)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return refuse("The request path has malformed percent-encoding (or is not UTF-8)");
    }
    if (decoded.includes("\0")) return refuse("The request path must not contain NUL (%00)");
    // Resolving "." and ".." would serve another path than the one asked for.
    if (decoded === "." || decoded === "..") {
      return refuse('The request path must not contain "." or ".." segments');
    }
  }
  return undefined;
}

/** The path with dot segments resolved, as a URL parser would; the path itself when it cannot. */
function normalised(path: string): string {
  try {
    return new URL(path, "http://kiln.invalid").pathname;
  } catch {
    return path;
  }
}

function problemBody(problem: RequestProblem): string {
  if (problem.surface === "page") return `${problem.message}\n`;
  if (problem.surface === "api") return JSON.stringify({ error: true, message: problem.message });
  return JSON.stringify({
    success: false,
    error: {
      code: problem.code,
      message: problem.message,
      details: problem.status === 400 ? { in: "path" } : {},
    },
  });
}

/**
 * Answers a request `requestProblem` refuses, or whose path has repeated slashes (a 308 to the
 * path without them, as Next would answer, but with Kiln's headers), and says so (true).
 * Otherwise leaves the request for Next to serve (false), an absolute-form target rewritten to
 * the path form Next expects, with its authority as the Host (RFC 9112, 3.2.2).
 */
export function gateRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: { isProduction: boolean },
): boolean {
  const method = req.method ?? "GET";
  const target = req.url ?? "/";
  const idHeader = req.headers["x-request-id"];
  const requestId = requestIdFor(Array.isArray(idHeader) ? idHeader[0] : idHeader);
  const headers = {
    ...securityHeaders({ isProduction: options.isProduction }),
    "Cache-Control": "no-store",
    "X-Request-Id": requestId,
  };

  const problem = requestProblem(method, target);
  if (problem) {
    const body = problemBody(problem);
    res.writeHead(problem.status, {
      ...headers,
      "Content-Type":
        problem.surface === "page"
          ? "text/plain; charset=utf-8"
          : "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      ...(problem.status === 405 ? { Allow: servedMethods.join(", ") } : {}),
      // Whatever body follows such a request is not worth reading.
      Connection: "close",
    });
    res.end(method === "HEAD" ? undefined : body);
    // The target is left out: it is malformed by definition, and a preview path holds a token.
    console.log(
      JSON.stringify({
        time: new Date().toISOString(),
        level: "info",
        message: "request refused",
        requestId,
        status: problem.status,
        code: problem.code,
        method,
        surface: problem.surface,
        detail: problem.message,
      }),
    );
    return true;
  }

  const absolute = absoluteForm.exec(target);
  if (absolute) {
    req.headers.host = absolute[2];
    req.url = absolute[3] || "/";
  }
  const url = req.url ?? "/";
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const single = path.replace(/[/\\]+/g, "/");
  if (single !== path) {
    const location = single + (queryAt === -1 ? "" : url.slice(queryAt));
    res.writeHead(308, { ...headers, Location: location, "Content-Length": 0 });
    res.end();
    return true;
  }
  return false;
}
