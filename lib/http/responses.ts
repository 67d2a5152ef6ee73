import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import type { Surface } from "@/lib/route-contract";

export function json(
  body: unknown,
  init: { status?: number; headers?: HeadersInit } = {},
): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

export function successBody(surface: Surface, data: unknown, pagination?: unknown) {
  if (surface === "api") return data;
  return pagination ? { success: true, data, pagination } : { success: true, data };
}

/**
 * One line per failed request, at the level of whose fault it is: a refusal of the client's
 * request (4xx) is routine, an outside service failing (502, 503, 504) is worth a look, and only
 * Kiln's own faults are errors, with their stack. `route` is the endpoint as its contract names
 * it ("POST /api/sandbox/{id}/files"), so ids and tokens in the path stay out of the log.
 */
function logFailure(
  known: KilnError,
  error: unknown,
  context: { requestId: string; route?: string },
) {
  const fields = {
    requestId: context.requestId,
    ...(context.route ? { route: context.route } : {}),
    status: known.status,
    code: known.code,
    ...(known.reason ? { reason: known.reason } : {}),
  };
  if (!(error instanceof KilnError) || known.status === 500) {
    log.error("request failed", { ...fields, error });
  } else if (known.status >= 500) {
    log.warn("request failed upstream", { ...fields, detail: known.message });
  } else {
    log.info("request refused", { ...fields, detail: known.message });
  }
}

/**
 * Turns anything thrown into the surface's error shape. KilnErrors say what they say; anything
 * else is a bug: logged with the request id, and in production answered with a generic message.
 */
export function errorResponse(
  surface: Surface,
  error: unknown,
  context: { requestId: string; headers?: Headers; route?: string },
): Response {
  const known =
    error instanceof KilnError
      ? error
      : new KilnError(
          "INTERNAL_ERROR",
          getEnv().isProduction
            ? `Internal server error (request ${context.requestId})`
            : `Internal server error: ${(error as Error)?.message ?? String(error)} (request ${context.requestId})`,
        );
  logFailure(known, error, context);
  const headers = new Headers(context.headers);
  for (const [name, value] of Object.entries(known.headers ?? {})) headers.set(name, value);
  return json(errorBody(surface, known), { status: known.status, headers });
}

/**
 * A refusal in the surface's shape. A reason (such as "model_not_configured") rides along: as
 * `code` on /api, whose shape has no code of its own, and in `details` on /api/v1.
 */
export function errorBody(surface: Surface, known: KilnError) {
  if (surface === "api") {
    return { error: true, message: known.message, ...(known.reason ? { code: known.reason } : {}) };
  }
  const reason = known.reason ? { reason: known.reason } : {};
  return {
    success: false,
    error: { code: known.code, message: known.message, details: { ...known.details, ...reason } },
  };
}
