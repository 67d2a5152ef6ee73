import "server-only";
import type { z } from "zod";
import { type Caller, isCookieCaller } from "@/lib/auth/types";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import {
  type HttpMethod,
  type RateLimitGroup,
  type RouteContract,
  surfaceOf,
} from "@/lib/route-contract";
import { getClientAddress } from "./client-address";
import { assertNotCrossSite, assertNotFromAnotherSite, assertSameOrigin } from "./origin";
import { parseWith, readJsonBody, searchParamsToObject } from "./parse";
import { applyRateLimit } from "./rate-limit";
import { resolveCaller } from "./resolve-caller";
import { errorResponse, json, successBody } from "./responses";

type Output<T> = [NonNullable<T>] extends [z.ZodType] ? z.output<NonNullable<T>> : undefined;

export interface RouteContext<C extends RouteContract> {
  request: Request;
  requestId: string;
  clientAddress: string;
  caller: C["auth"] extends "public" ? Caller | null : Caller;
  body: Output<C["body"]>;
  query: Output<C["query"]>;
  params: Output<C["params"]>;
  /** Headers to add to the response, such as Set-Cookie. */
  responseHeaders: Headers;
  /**
   * Counts the request against one more rate-limit group, decided by the handler (for example
   * the LLM group, only when the server's own model key pays). Throws RATE_LIMITED when spent.
   */
  limit(group: RateLimitGroup): Promise<void>;
}

export type RouteResult<C extends RouteContract> =
  | z.input<C["response"]>
  | { items: z.input<C["response"]>; pagination: Pagination }
  | Response;

export interface Pagination {
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

type NextHandler = (
  request: Request,
  context: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>;

/**
 * The one wrapper every API route goes through: request id, caller, same-origin check for cookie
 * mutations, rate limit, params/query/body parsing, and errors in the surface's shape.
 */
export function apiRoute<C extends RouteContract>(
  contract: C,
  handler: (ctx: RouteContext<C>) => Promise<RouteResult<C>>,
  options: {
    /** The largest JSON body this route reads, when it is not KILN_BODY_LIMIT_BYTES (file uploads). */
    bodyLimitBytes?: () => number;
  } = {},
): NextHandler {
  const surface = surfaceOf(contract.path);
  return async (request, context) => {
    const requestId = request.headers.get("x-request-id") ?? crypto.randomUUID();
    const responseHeaders = new Headers();
    try {
      const env = getEnv();
      const clientAddress = getClientAddress(request.headers);
      assertNotCrossSite(request);
      // Public mutations (sign-up, sign-in, sign-out) set or clear the session cookie: another
      // site must not drive them either (login CSRF, forced logout).
      if (contract.auth === "public") assertNotFromAnotherSite(request);
      // Public routes never look at credentials: they must keep working when nothing else does.
      const caller = contract.auth === "public" ? null : await resolveCaller(request);
      if (contract.rateLimit !== false) {
        const limitHeaders = await applyRateLimit({
          group: contract.rateLimit ?? "general",
          surface,
          caller,
          clientAddress,
        });
        for (const [k, v] of limitHeaders) responseHeaders.set(k, v);
      }
      if (contract.auth !== "public") {
        if (!caller) {
          throw new KilnError(
            "UNAUTHORIZED",
            "Authentication required: sign in or send an API key as Authorization: Bearer <key>",
          );
        }
        if (contract.auth === "session" && caller.kind === "api_key") {
          throw new KilnError(
            "FORBIDDEN",
            "This action needs a signed-in browser session, not an API key",
          );
        }
        if (isCookieCaller(caller)) assertSameOrigin(request);
      }
      if (caller && "setCookies" in caller) {
        for (const cookie of caller.setCookies ?? []) responseHeaders.append("Set-Cookie", cookie);
      }

      const params = contract.params
        ? parseWith(contract.params, await context.params, "path")
        : undefined;
      const query = contract.query
        ? parseWith(
            contract.query,
            searchParamsToObject(new URL(request.url).searchParams),
            "query",
          )
        : undefined;
      let body: unknown;
      if (contract.body) {
        const limit = options.bodyLimitBytes?.() ?? env.KILN_BODY_LIMIT_BYTES;
        const raw = await readJsonBody(request, limit);
        // No body at all is an empty object (every field then names itself as missing); a
        // JSON null is a value, and refused as one.
        body = parseWith(contract.body, raw === undefined ? {} : raw, "body");
      }

      const result = await handler({
        request,
        requestId,
        clientAddress,
        caller: caller as RouteContext<C>["caller"],
        body: body as RouteContext<C>["body"],
        query: query as RouteContext<C>["query"],
        params: params as RouteContext<C>["params"],
        responseHeaders,
        async limit(group) {
          const headers = await applyRateLimit({ group, surface, caller, clientAddress });
          for (const [k, v] of headers) responseHeaders.set(k, v);
        },
      });
      if (result instanceof Response) {
        for (const [k, v] of responseHeaders) result.headers.set(k, v);
        return result;
      }
      const payload =
        contract.paginated && result && typeof result === "object" && "items" in result
          ? successBody(surface, result.items, result.pagination)
          : successBody(surface, result);
      return json(payload, { status: contract.status ?? 200, headers: responseHeaders });
    } catch (error) {
      return errorResponse(surface, error, {
        requestId,
        headers: responseHeaders,
        route: `${contract.method} ${contract.path}`,
      });
    }
  };
}

const allMethods: HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * The exports of a route file: the given handlers, and for every other method a 405 that says
 * which methods exist (Next's own 405 sends no Allow header and no JSON body).
 */
export function routeMethods(path: string, handlers: Partial<Record<HttpMethod, NextHandler>>) {
  const defined = allMethods.filter((m) => handlers[m]);
  const allow = [...defined, ...(defined.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
  const notAllowed: NextHandler = async (request) =>
    errorResponse(
      surfaceOf(path),
      new KilnError(
        "METHOD_NOT_ALLOWED",
        `${request.method} is not allowed here; use ${defined.join(" or ")}`,
        {
          headers: { Allow: allow },
        },
      ),
      {
        requestId: request.headers.get("x-request-id") ?? crypto.randomUUID(),
        route: `${request.method} ${path}`,
      },
    );
  return Object.fromEntries(allMethods.map((m) => [m, handlers[m] ?? notAllowed])) as Record<
    HttpMethod,
    NextHandler
  >;
}
