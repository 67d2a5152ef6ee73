import "server-only";
import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { APICallError, type LanguageModel, wrapLanguageModel } from "ai";
import { hostOf } from "@/lib/text";

// A model server a client chose could be any HTTP server Kiln can reach, and whatever it answers
// must not come back to the client word for word, or Kiln would be a proxy for reading pages it
// can see and the client cannot. So its failures are told by status and a generic reason, and
// answers that are not an OpenAI-compatible reply say only that. Failures Kiln itself describes
// (timeouts, refused addresses, redirects, network errors) pass through.

const reasons: Record<number, string> = {
  400: "it refused the request",
  401: "it refused the key",
  403: "it refused access",
  404: "not found; check the base URL and the model id",
  408: "it timed out",
  413: "the request is too large for it",
  422: "it refused the request",
  429: "it is limiting requests",
  500: "it failed",
  502: "it could not reach its upstream",
  503: "it is unavailable",
  504: "its upstream timed out",
};

const ownErrors = [
  "AbortError",
  "TimeoutError",
  "ModelTimeoutError",
  "BlockedAddressError",
  "RedirectRefusedError",
];

/** Kiln's own errors (anywhere in the chain), and network failures, quote nothing remote. */
function isOwn(error: unknown): boolean {
  if (APICallError.isInstance(error) && error.statusCode === undefined) return true;
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (ownErrors.includes(e.name)) return true;
  }
  return false;
}

function opaque(error: unknown, host: string): unknown {
  if (isOwn(error)) return error;
  const status = APICallError.isInstance(error) ? error.statusCode : undefined;
  if (APICallError.isInstance(error) && status !== undefined && status >= 300) {
    const reason = reasons[status] ?? (status >= 500 ? "it failed" : "it refused the request");
    return new APICallError({
      message: `the model server ${host} answered HTTP ${status} (${reason})`,
      url: error.url,
      requestBodyValues: undefined,
      statusCode: status,
      isRetryable: error.isRetryable,
    });
  }
  return new Error(`the model server ${host} did not answer as an OpenAI-compatible server does`);
}

/** The model, with every failure from the remote server reduced to what Kiln can vouch for. */
export function withOpaqueErrors(model: LanguageModel, baseURL: string): LanguageModel {
  if (typeof model === "string") return model;
  const host = hostOf(baseURL) ?? "(unknown)";
  return wrapLanguageModel({
    model,
    middleware: {
      wrapGenerate: async ({ doGenerate }) => {
        try {
          return await doGenerate();
        } catch (error) {
          throw opaque(error, host);
        }
      },
      wrapStream: async ({ doStream }) => {
        let result: Awaited<ReturnType<typeof doStream>>;
        try {
          result = await doStream();
        } catch (error) {
          throw opaque(error, host);
        }
        const stream = result.stream.pipeThrough(
          new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
            transform(part, controller) {
              controller.enqueue(
                part.type === "error" ? { type: "error", error: opaque(part.error, host) } : part,
              );
            },
          }),
        );
        return { ...result, stream };
      },
    },
  });
}
