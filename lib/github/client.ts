import "server-only";
import { Octokit } from "@octokit/rest";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";

// One way to call GitHub: Octokit at GITHUB_API_URL (GitHub Enterprise sets its own), with a
// deadline on every call, and GitHub's refusals turned into Kiln's errors. The token is only
// ever in the Authorization header; no error or log line carries it.

export function githubClient(token: string): Octokit {
  const callTimeoutMs = getEnv().KILN_GITHUB_TIMEOUT_MS;
  return new Octokit({
    auth: token,
    baseUrl: getEnv().GITHUB_API_URL.replace(/\/+$/, ""),
    userAgent: "Kiln",
    request: {
      fetch: (url: string | URL, init: RequestInit = {}) =>
        fetch(url, {
          ...init,
          signal: init.signal
            ? AbortSignal.any([init.signal, AbortSignal.timeout(callTimeoutMs)])
            : AbortSignal.timeout(callTimeoutMs),
        }),
    },
    // Octokit logs warnings (deprecations) to the console by default: Kiln's log is quiet.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

interface OctokitRequestError {
  name: string;
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined> };
}

const isRequestError = (error: unknown): error is OctokitRequestError =>
  error instanceof Error &&
  error.name === "HttpError" &&
  typeof (error as { status?: unknown }).status === "number";

/** GitHub's words, without anything that could echo what was sent. */
export function githubMessage(message: string): string {
  const first = message.split(" - ")[0] ?? "";
  return first.replace(/[^\x20-\x7e]/g, "").slice(0, 200);
}

/** Calls GitHub; `what` names what was asked for, for a 404's message. */
export async function callGithub<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toKilnError(what, error);
  }
}

export function toKilnError(what: string, error: unknown): KilnError {
  if (error instanceof KilnError) return error;
  // No answer at all: GitHub could not be reached, or took too long.
  if (!isRequestError(error) || !error.response) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    const timedOut = cause instanceof Error && cause.name === "TimeoutError";
    return timedOut
      ? new KilnError(
          "GATEWAY_TIMEOUT",
          `GitHub did not answer within ${getEnv().KILN_GITHUB_TIMEOUT_MS / 1000} s`,
          { reason: "github_timeout" },
        )
      : new KilnError("BAD_GATEWAY", "GitHub could not be reached", {
          reason: "github_unreachable",
        });
  }
  return githubRefusal({
    what,
    status: error.status,
    headers: error.response.headers,
    message: githubMessage(error.message),
  });
}

/** A refusal GitHub answered (status and headers), as Kiln's error. */
export function githubRefusal(options: {
  what: string;
  status: number;
  headers: Record<string, string | number | undefined>;
  /** GitHub's own words, already cleaned (see githubMessage). */
  message: string;
}): KilnError {
  const { what, status, headers, message } = options;
  const remaining = headers["x-ratelimit-remaining"];
  const reset = Number(headers["x-ratelimit-reset"]);
  const retryAfter = Number(headers["retry-after"]);
  const isRateLimited =
    status === 429 || (status === 403 && (String(remaining) === "0" || retryAfter > 0));
  if (isRateLimited) {
    const seconds =
      retryAfter > 0
        ? retryAfter
        : Number.isFinite(reset)
          ? Math.max(1, Math.ceil(reset - Date.now() / 1000))
          : 60;
    const resetAt = new Date(Date.now() + seconds * 1000).toISOString();
    return new KilnError(
      "RATE_LIMITED",
      `GitHub's rate limit for this token is spent; it resets at ${resetAt}`,
      {
        reason: "github_rate_limited",
        headers: { "Retry-After": String(seconds) },
        details: { resetAt },
      },
    );
  }
  switch (status) {
    case 401:
      return new KilnError(
        "UNAUTHORIZED",
        "GitHub refused the token: it is wrong, expired or revoked. Connect GitHub again in Settings.",
        { reason: "github_unauthorized" },
      );
    case 403:
      return new KilnError("FORBIDDEN", `GitHub refused: ${message}`, {
        reason: "github_forbidden",
      });
    case 404:
      return new KilnError("NOT_FOUND", `GitHub has no ${what} that this token can see`, {
        reason: "github_not_found",
      });
    case 409:
    case 422:
      return new KilnError("VALIDATION_ERROR", `GitHub refused: ${message}`, {
        reason: "github_rejected",
      });
    default:
      return new KilnError("BAD_GATEWAY", `GitHub answered ${status}`, {
        reason: "github_error",
      });
  }
}
