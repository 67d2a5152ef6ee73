import "server-only";
import {
  APICallError,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  type Output,
  experimental_streamLanguageModelCall as streamLanguageModelCall,
} from "ai";
import type { ResolvedModel } from "./resolve-model";

// One model call, streamed, with as little between the provider and Kiln as the AI SDK allows.
// streamText adds a multi-step loop, output parsing and a stream pipeline of its own around the
// provider's stream, which a single structured-output call does not use: measured with
// `bench/chat-first-byte.bench.ts`, going one layer down (the SDK's own single-call API, which
// still converts the prompt and normalises the provider's stream) takes about a third off the
// CPU time of every streamed fragment. What streamText did that this call does not, it does
// here: one retry of a retryable failure before any output, after the delay the provider asked
// for.

export type ModelStreamPart =
  | { type: "text-delta"; text: string }
  | { type: "error"; error: unknown }
  | { type: "finish"; usage: LanguageModelUsage };

export interface ModelStreamOptions {
  model: LanguageModel;
  system: string;
  messages: ModelMessage[];
  output: Output.Output;
  settings?: ResolvedModel["settings"];
  abortSignal?: AbortSignal | undefined;
  /** Retries of a retryable failure before any output; streamText's maxRetries. */
  maxRetries?: number;
}

/** The call's text and its end; failures arrive as `error` parts, never as a throw. */
export async function* streamModel(options: ModelStreamOptions): AsyncGenerator<ModelStreamPart> {
  const { maxRetries = 1 } = options;
  for (let attempt = 0; ; attempt++) {
    let stream: AsyncIterable<{ type: string }>;
    try {
      ({ stream } = await streamLanguageModelCall({
        model: options.model,
        system: options.system,
        messages: options.messages,
        output: options.output,
        abortSignal: options.abortSignal,
        ...options.settings,
      }));
    } catch (error) {
      if (attempt < maxRetries && isRetryable(error) && !options.abortSignal?.aborted) {
        const waited = await sleep(retryDelayMs(error, attempt), options.abortSignal);
        if (waited) continue;
      }
      yield { type: "error", error };
      return;
    }
    try {
      for await (const part of stream) {
        const value = part as { type: string; text?: string; error?: unknown; usage?: unknown };
        if (value.type === "text-delta") yield { type: "text-delta", text: value.text ?? "" };
        else if (value.type === "error") yield { type: "error", error: value.error };
        else if (value.type === "model-call-end") {
          yield { type: "finish", usage: value.usage as LanguageModelUsage };
        }
      }
    } catch (error) {
      yield { type: "error", error };
    }
    return;
  }
}

function isRetryable(error: unknown): boolean {
  return APICallError.isInstance(error) && error.isRetryable;
}

/**
 * What the provider asked for (retry-after-ms, retry-after in seconds or as a date) when it is
 * between 0 and 60 s, else 2 s doubling: the AI SDK's own rule.
 */
export function retryDelayMs(error: unknown, attempt: number): number {
  const backoff = 2_000 * 2 ** attempt;
  const headers = APICallError.isInstance(error) ? error.responseHeaders : undefined;
  if (!headers) return backoff;
  let ms: number | undefined;
  const afterMs = Number.parseFloat(headers["retry-after-ms"] ?? "");
  if (!Number.isNaN(afterMs)) ms = afterMs;
  const after = headers["retry-after"];
  if (ms === undefined && after) {
    const seconds = Number.parseFloat(after);
    ms = Number.isNaN(seconds) ? Date.parse(after) - Date.now() : seconds * 1_000;
  }
  return ms !== undefined && !Number.isNaN(ms) && ms >= 0 && (ms < 60_000 || ms < backoff)
    ? ms
    : backoff;
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
