import "server-only";
import { APICallError, RetryError } from "ai";
import { KilnError } from "@/lib/errors";

// Failures to reach a model server, told the same way whoever made the call (a chat, a repair,
// a model list): which host, and what went wrong on the way, never what the server said.

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

const hostOf = (url: string | undefined) => {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
};

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

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
