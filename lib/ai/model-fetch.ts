import "server-only";
import { getEnv } from "@/lib/env";
import { hostOf } from "@/lib/text";

// Every model call goes through a fetch with two deadlines, so a model server that accepts a
// connection and then says nothing cannot hold a request (and its rate-limit slot) forever:
// - the first byte: a streamed answer must start within KILN_MODEL_FIRST_BYTE_TIMEOUT_MS;
// - the total: the whole answer, headers to last byte, within KILN_MODEL_TIMEOUT_MS.
// A call that is not streamed sends its first byte when it is done, so only the total applies.

export type ModelTimeout = "first_byte" | "total";

const variables: Record<ModelTimeout, string> = {
  first_byte: "KILN_MODEL_FIRST_BYTE_TIMEOUT_MS",
  total: "KILN_MODEL_TIMEOUT_MS",
};

export class ModelTimeoutError extends Error {
  readonly timeout: ModelTimeout;
  readonly host: string;

  constructor(timeout: ModelTimeout, ms: number, host: string) {
    const seconds = `${Math.round(ms / 100) / 10} s`;
    super(
      timeout === "first_byte"
        ? `the model server ${host} sent nothing within ${seconds} (${variables[timeout]})`
        : `the model server ${host} did not finish within ${seconds} (${variables[timeout]})`,
    );
    this.name = "ModelTimeoutError";
    this.timeout = timeout;
    this.host = host;
  }
}

/** Whether a provider's request asks for a streamed answer (OpenAI, Anthropic; Google's URL). */
function isStreamed(url: string, body: unknown): boolean {
  if (url.includes(":streamGenerateContent")) return true;
  if (typeof body !== "string" || !body.includes('"stream"')) return false;
  try {
    return (JSON.parse(body) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

export function withModelTimeouts(
  inner: typeof fetch,
  limits: { firstByteMs: number; totalMs: number } = {
    firstByteMs: getEnv().KILN_MODEL_FIRST_BYTE_TIMEOUT_MS,
    totalMs: getEnv().KILN_MODEL_TIMEOUT_MS,
  },
): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const host = hostOf(url) ?? "(unknown)";
    const deadline = new AbortController();
    const expire = (timeout: ModelTimeout, ms: number) =>
      setTimeout(() => deadline.abort(new ModelTimeoutError(timeout, ms, host)), ms);
    const total = expire("total", limits.totalMs);
    let firstByte = isStreamed(url, init?.body)
      ? expire("first_byte", limits.firstByteMs)
      : undefined;
    const stop = () => {
      clearTimeout(total);
      clearTimeout(firstByte);
    };
    // The caller's own signal (a client that went away) still cancels as before.
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    const ours = (error: unknown) => (deadline.signal.aborted ? deadline.signal.reason : error);

    let response: Response;
    try {
      response = await inner(input, { ...init, signal });
    } catch (error) {
      stop();
      throw ours(error);
    }
    if (!response.body) {
      stop();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // A deadline ends the body with its error whatever the underlying stream does then
        // (an aborted fetch body may just end, which would pass for a complete answer).
        deadline.signal.addEventListener(
          "abort",
          () => {
            try {
              controller.error(deadline.signal.reason);
            } catch {}
            reader.cancel().catch(() => {});
          },
          { once: true },
        );
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          clearTimeout(firstByte);
          firstByte = undefined;
          if (deadline.signal.aborted) return;
          if (done) {
            stop();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          stop();
          if (!deadline.signal.aborted) controller.error(error);
        }
      },
      cancel(reason) {
        stop();
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
