// Browser-side calls to Kiln's own API. Both surfaces' error shapes become one Error whose
// message is the server's, so components can show it as it is.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function call(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const response = await fetch(path, {
    ...rest,
    headers: {
      ...(json !== undefined ? { "content-type": "application/json" } : {}),
      ...rest.headers,
    },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => null);
  return { response, body };
}

const apiError = (body: { message?: string } | null, status: number) =>
  new ApiError(body?.message ?? `Request failed (${status})`, status);

/** /api/* — plain JSON, errors as { error: true, message }. */
export async function apiFetch<T>(
  path: string,
  init?: RequestInit & { json?: unknown },
): Promise<T> {
  const { response, body } = await call(path, init);
  if (!response.ok) throw apiError(body, response.status);
  return body as T;
}

/** The error a failed /api/* response carries, for callers that read the body themselves. */
export async function apiFailure(response: Response): Promise<ApiError> {
  return apiError(await response.json().catch(() => null), response.status);
}

/** /api/v1/* — { success, data } envelopes, errors as { success: false, error: { code, message } }. */
export async function v1Fetch<T>(
  path: string,
  init?: RequestInit & { json?: unknown },
): Promise<T> {
  const { response, body } = await call(path, init);
  if (!response.ok || !body?.success) {
    throw new ApiError(
      body?.error?.message ?? `Request failed (${response.status})`,
      response.status,
      body?.error?.code,
    );
  }
  return body.data as T;
}

/**
 * What to tell the user when a call failed: the server's message, or that it was unreachable.
 * A validation message's field path ("messages.0.content: …") is for API clients, not people.
 */
export function errorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return "Kiln could not be reached. Try again.";
  const message = error.message.replace(/^[A-Za-z_]\w*(?:\.\w+)+: /, "");
  return message === error.message ? message : message.charAt(0).toUpperCase() + message.slice(1);
}

export interface PageInfo {
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

/** A paginated /api/v1 list: its items and where they sit among all of them. */
export async function v1FetchPage<T>(
  path: string,
  init?: RequestInit,
): Promise<{ items: T[]; pagination: PageInfo }> {
  const { response, body } = await call(path, init);
  if (!response.ok || !body?.success) {
    throw new ApiError(
      body?.error?.message ?? `Request failed (${response.status})`,
      response.status,
      body?.error?.code,
    );
  }
  return { items: body.data as T[], pagination: body.pagination as PageInfo };
}
