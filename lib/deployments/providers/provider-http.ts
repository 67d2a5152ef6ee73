import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { providerNames, type RemoteProvider } from "./schemas";

// One way to call Vercel or Netlify: a deadline on every call, and the provider's answers turned
// into Kiln's errors. No answer at all (unreachable, too slow) or a 5xx is a 502 naming the
// provider; a token it refuses is a 400 pointing at Settings. The token rides only in the
// Authorization header: no message here carries it or the provider's raw body.

export interface ProviderCall {
  provider: RemoteProvider;
  token: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
  /** What the call does, for messages: "upload index.html". */
  what: string;
}

export interface ProviderAnswer {
  status: number;
  body: unknown;
}

/** Calls the provider; resolves with any 2xx or 4xx answer other than 401/403 (callers read those). */
export async function callProvider(call: ProviderCall): Promise<ProviderAnswer> {
  const name = providerNames[call.provider];
  const timeoutMs = getEnv().KILN_DEPLOY_PROVIDER_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers: {
        authorization: `Bearer ${call.token}`,
        "user-agent": "Kiln",
        ...(call.json === undefined ? {} : { "content-type": "application/json" }),
        ...call.headers,
      },
      body:
        call.json !== undefined
          ? JSON.stringify(call.json)
          : call.body
            ? new Uint8Array(call.body)
            : undefined,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    const isTimeout =
      (error instanceof Error && error.name === "TimeoutError") ||
      (cause instanceof Error && cause.name === "TimeoutError");
    throw new KilnError(
      "BAD_GATEWAY",
      isTimeout
        ? `${name} did not answer within ${timeoutMs / 1000} s (${call.what})`
        : `${name} could not be reached (${call.what})`,
      { reason: "provider_unreachable", details: { provider: call.provider } },
    );
  }
  const text = await response.text().catch(() => "");
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: kept as text, and never echoed whole.
  }
  if (response.status === 401 || response.status === 403) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `${name} refused your token (${response.status}${providerMessage(body) ? `: ${providerMessage(body)}` : ""}): check your ${name} token in Settings`,
      { reason: "provider_token_refused", details: { provider: call.provider, field: "token" } },
    );
  }
  if (response.status >= 500 || response.status === 429) {
    throw new KilnError(
      "BAD_GATEWAY",
      `${name} answered ${response.status} (${call.what})${providerMessage(body) ? `: ${providerMessage(body)}` : ""}`,
      { reason: "provider_error", details: { provider: call.provider, status: response.status } },
    );
  }
  return { status: response.status, body };
}

/** The provider's own words about an error, short and printable. */
export function providerMessage(body: unknown): string {
  const record = (body ?? {}) as Record<string, unknown>;
  const nested = (record.error ?? {}) as Record<string, unknown>;
  const message =
    typeof nested.message === "string"
      ? nested.message
      : typeof record.message === "string"
        ? record.message
        : typeof record.error === "string"
          ? record.error
          : "";
  return message.replace(/[^\x20-\x7e]/g, "").slice(0, 200);
}

/** A 4xx the provider gave that the adapter did not expect: its message, as a 502. */
export function unexpectedAnswer(
  call: { provider: RemoteProvider; what: string },
  answer: ProviderAnswer,
) {
  const name = providerNames[call.provider];
  const message = providerMessage(answer.body);
  return new KilnError(
    "BAD_GATEWAY",
    `${name} refused to ${call.what} (${answer.status}${message ? `: ${message}` : ""})`,
    { reason: "provider_error", details: { provider: call.provider, status: answer.status } },
  );
}

export const trimSlash = (url: string) => url.replace(/\/+$/, "");
