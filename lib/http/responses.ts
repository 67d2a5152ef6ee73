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
 * Turns anything thrown into the surface's error shape. KilnErrors say what they say; anything
 * else is a bug: logged with the request id, and in production answered with a generic message.
 */
export function errorResponse(
  surface: Surface,
  error: unknown,
  context: { requestId: string; headers?: Headers },
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
  if (!(error instanceof KilnError) || known.status >= 500) {
    log.error("request failed", { requestId: context.requestId, error });
  }
  const headers = new Headers(context.headers);
  for (const [name, value] of Object.entries(known.headers ?? {})) headers.set(name, value);
  // A reason (such as "model_not_configured") rides along: as `code` on /api, whose shape has
  // no code of its own, and in `details` on /api/v1.
  const reason = known.reason ? { reason: known.reason } : {};
  const body =
    surface === "api"
      ? { error: true, message: known.message, ...(known.reason ? { code: known.reason } : {}) }
      : {
          success: false,
          error: {
            code: known.code,
            message: known.message,
            details: { ...known.details, ...reason },
          },
        };
  return json(body, { status: known.status, headers });
}
