import "server-only";
import { APICallError, RetryError } from "ai";
import { modelServerUnreachable } from "@/lib/ai/model-errors";
import { KilnError } from "@/lib/errors";
import { redact } from "@/lib/log";

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
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const uncapitalise = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
