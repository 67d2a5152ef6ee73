import type { z } from "zod";

// What an endpoint is, as data: every domain describes its endpoints with it (lib/*/contracts.ts)
// and the HTTP layer and the OpenAPI document read it. It stands below all of them, importing
// nothing of Kiln's, so that describing an endpoint never depends on serving one.

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type RateLimitGroup = "general" | "llm" | "github" | "deploy";

/**
 * Everything the HTTP layer and the OpenAPI document need to know about one endpoint.
 * `auth`: "user" accepts a session or an API key, "session" only a browser session (for
 * managing keys), "public" anyone.
 */
export interface RouteContract<
  Body extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Params extends z.ZodType = z.ZodType,
  Response extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** OpenAPI-style path, such as /api/v1/api-keys/{id}. */
  path: string;
  summary: string;
  tags: readonly string[];
  auth: "user" | "session" | "public";
  /** Defaults to "general"; false for endpoints that must stay reachable (health, logout). */
  rateLimit?: RateLimitGroup | false;
  body?: Body;
  query?: Query;
  params?: Params;
  response: Response;
  /** Success status; 200 unless given. */
  status?: number;
  /** v1 list endpoints answer { success, data, pagination }. */
  paginated?: boolean;
  /** The response is the schema itself on either surface, with no envelope (health, per the seed). */
  bare?: boolean;
  /** A success that is a file rather than JSON (an export's zip): its media type. */
  mediaType?: string;
}

export function defineContract<
  Body extends z.ZodType = z.ZodUndefined,
  Query extends z.ZodType = z.ZodUndefined,
  Params extends z.ZodType = z.ZodUndefined,
  Response extends z.ZodType = z.ZodType,
>(contract: RouteContract<Body, Query, Params, Response>) {
  return contract;
}

export type Surface = "api" | "v1";

export function surfaceOf(path: string): Surface {
  return /^\/(api\/)?v1(\/|$)/.test(path) ? "v1" : "api";
}
