import "server-only";
import { APICallError, RetryError } from "ai";
import { KilnError } from "@/lib/errors";
import { redact } from "@/lib/log";
import { capitalise, hostOf, uncapitalise } from "@/lib/text";

// How a model call failed, told the same way whoever made the call (a chat, a repair, a morph,
// a model list). A failure to reach the model server says which host and what went wrong on the
// way, never what the server said; a provider's own error says its status and its words, short
// and redacted.

const connectionProblems: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "its name does not resolve",
  EAI_AGAIN: "its name could not be resolved now",
  ETIMEDOUT: "connecting timed out",
  UND_ERR_CONNECT_TIMEOUT: "connecting timed out",
  UND_ERR_SOCKET: "the connection closed",
};

/** The error and its causes, outermost first. */
function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  let current = RetryError.isInstance(error) ? error.lastError : error;
  while (current instanceof Error && !seen.includes(current)) {
    seen.push(current);
    current = current.cause;
  }
  return seen;
}

const named = (error: unknown, name: string) => error instanceof Error && error.name === name;

/**
 * A failure on the way to a model server (no answer in time, an address the policy refuses, a
 * redirect, a connection that failed), as the KilnError to answer with; undefined for anything
 * else, such as the server's own error status.
 */
export function modelServerUnreachable(error: unknown, url?: string): KilnError | undefined {
  const causes = chain(error);
  const timeout = causes.find((e) => named(e, "ModelTimeoutError")) as Error | undefined;
  if (timeout) {
    return new KilnError("GATEWAY_TIMEOUT", capitalise(timeout.message), {
      reason: "model_timeout",
    });
  }
  const blocked = causes.find((e) => named(e, "BlockedAddressError")) as
    | (Error & { host: string })
    | undefined;
  if (blocked) {
    return new KilnError(
      "VALIDATION_ERROR",
      `baseURL: ${blocked.host} is not a public address, and this server only lets clients reach public addresses (KILN_CLIENT_BASE_URLS=public)`,
      { details: { field: "baseURL" } },
    );
  }
  const redirect = causes.find((e) => named(e, "RedirectRefusedError")) as Error | undefined;
  if (redirect) {
    return new KilnError("BAD_GATEWAY", capitalise(redirect.message), { reason: "provider_error" });
  }
  const api = causes.find((e) => APICallError.isInstance(e)) as APICallError | undefined;
  if (api?.statusCode !== undefined) return undefined;
  const host = hostOf(api?.url ?? url) ?? "the model server";
  const code = causes
    .map((e) => (e as { code?: unknown }).code)
    .find((c): c is string => typeof c === "string" && c in connectionProblems);
  if (code) {
    return new KilnError(
      "BAD_GATEWAY",
      `Could not reach the model server ${host}: ${connectionProblems[code]}`,
      { reason: "provider_unreachable" },
    );
  }
  return undefined;
}

/** A short, safe account of why a model call failed: status and the provider's own words. */
export function providerFailureReason(error: unknown): string {
  const unreachable = modelServerUnreachable(error);
  if (unreachable) return uncapitalise(unreachable.message);
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode ? `HTTP ${cause.statusCode}` : "no answer";
    const said = providerMessage(cause.responseBody) ?? cause.message;
    return clip(`the model provider failed (${status}): ${said}`);
  }
  if (cause instanceof Error && cause.name === "AbortError") return "the request was cancelled";
  // An error the provider sent inside the stream, with its own status.
  const status = (cause as { statusCode?: unknown })?.statusCode;
  if (cause instanceof Error && typeof status === "number") {
    return clip(`the model provider failed (HTTP ${status}): ${cause.message}`);
  }
  return clip(
    `the model provider failed: ${cause instanceof Error ? cause.message : String(cause)}`,
  );
}

/**
 * The error to answer with: 504 when the model server did not answer in time, 400 for an
 * address the base-URL policy refuses, else 502 with the reason.
 */
export function providerFailure(error: unknown): KilnError {
  return (
    modelServerUnreachable(error) ??
    new KilnError("BAD_GATEWAY", capitalise(providerFailureReason(error)), {
      reason: "provider_error",
    })
  );
}

function providerMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    if (typeof parsed.error === "string") return parsed.error;
    return parsed.error?.message ?? parsed.message;
  } catch {
    return undefined;
  }
}

const clip = (text: string) => {
  const safe = String(redact(text)).replace(/\s+/g, " ");
  return safe.length > 300 ? `${safe.slice(0, 297)}…` : safe;
};
