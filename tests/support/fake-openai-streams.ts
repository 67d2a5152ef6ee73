import { randomBytes } from "node:crypto";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

// Wire formats for tests/support/fake-openai.ts: the bodies and server-sent events of the
// Responses API and Chat Completions as OpenAI sends them, OpenAI's errors, and stream playback.

/** What one generation produced, whichever API asked for it. */
export interface Generation {
  model: string;
  text: string;
  deltas: string[];
  usage: { input: number; output: number };
}

type TokenUsage = Generation["usage"];

/** Frames of one streamed reply: sent before the first delta, per delta, and after the last. */
export interface StreamFormat {
  start(): string[];
  delta(text: string): string[];
  /** An in-stream error event, as OpenAI sends when a generation fails after it started. */
  error(failure: { message: string; code?: string }): string[];
  finish(): string[];
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const now = () => Math.floor(Date.now() / 1000);

/** A rough token count, as OpenAI's tokenizers average about four characters per token. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/**
 * Cuts text into deltas of roughly `min`–`max` characters, preferring to cut after whitespace,
 * so consumers see partial output the way a model's tokens trickle in.
 */
export function splitText(text: string, min = 8, max = 20): string[] {
  const deltas: string[] = [];
  let current = "";
  for (const word of text.split(/(?<=\s)(?=\S)/)) {
    if (current.length >= min && current.length + word.length > max) {
      deltas.push(current);
      current = "";
    }
    current += word;
    while (current.length > max) {
      deltas.push(current.slice(0, max));
      current = current.slice(max);
    }
  }
  if (current) deltas.push(current);
  return deltas;
}

export function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

/** OpenAI's error type for a status, when the script names none. */
export const defaultErrorType = (status: number) =>
  status === 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";

export const unparsable = errorBody(
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
  "invalid_request_error",
);

/** OpenAI's 401: for a missing key, and for a wrong one (shown masked, as OpenAI does). */
export function unauthorized(key: string | undefined) {
  const masked =
    key && `${key.slice(0, 3)}${"*".repeat(Math.max(key.length - 7, 0))}${key.slice(-4)}`;
  const message = masked
    ? `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  return errorBody(message, "invalid_request_error", "invalid_api_key");
}

export const modelJson = (id: string) => ({
  id,
  object: "model",
  created: 1_700_000_000,
  owned_by: "system",
});

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

function responsesUsage({ input, output }: TokenUsage) {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

function responseObject(
  id: string,
  createdAt: number,
  request: Record<string, unknown>,
  status: "in_progress" | "completed" | "failed",
  extra: { output?: unknown[]; usage?: TokenUsage; error?: unknown } = {},
) {
  return {
    id,
    object: "response",
    created_at: createdAt,
    status,
    error: extra.error ?? null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: request.model,
    output: extra.output ?? [],
    parallel_tool_calls: true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: request.text ?? { format: { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: "disabled",
    usage: extra.usage ? responsesUsage(extra.usage) : null,
    user: null,
    metadata: request.metadata ?? {},
  };
}

const outputText = (text: string) => ({ type: "output_text", annotations: [], logprobs: [], text });
const messageItem = (id: string, status: "in_progress" | "completed", content: unknown[]) => ({
  id,
  type: "message",
  status,
  content,
  role: "assistant",
});

/** The body of a non-streamed `POST /v1/responses`. */
export function responsesJson(request: Record<string, unknown>, generation: Generation) {
  const output = [messageItem(`msg_${hex(24)}`, "completed", [outputText(generation.text)])];
  return responseObject(`resp_${hex(24)}`, now(), request, "completed", {
    output,
    usage: generation.usage,
  });
}

/** Events of a streamed `POST /v1/responses`, each framed with its `event:` line. */
export function responsesStream(request: Record<string, unknown>, generation: Generation) {
  const id = `resp_${hex(24)}`;
  const itemId = `msg_${hex(24)}`;
  const createdAt = now();
  let sequence = 0;
  let text = "";
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\n${sse({ type, sequence_number: sequence++, ...data })}`;
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  const inProgress = () => ({ response: responseObject(id, createdAt, request, "in_progress") });
  return {
    start: () => [
      event("response.created", inProgress()),
      event("response.in_progress", inProgress()),
      event("response.output_item.added", {
        output_index: 0,
        item: messageItem(itemId, "in_progress", []),
      }),
      event("response.content_part.added", { ...at, part: outputText("") }),
    ],
    delta(delta) {
      text += delta;
      return [event("response.output_text.delta", { ...at, delta, logprobs: [] })];
    },
    error: ({ message, code = "server_error" }) => [
      event("response.failed", {
        response: responseObject(id, createdAt, request, "failed", { error: { code, message } }),
      }),
    ],
    finish() {
      const item = messageItem(itemId, "completed", [outputText(text)]);
      return [
        event("response.output_text.done", { ...at, text, logprobs: [] }),
        event("response.content_part.done", { ...at, part: outputText(text) }),
        event("response.output_item.done", { output_index: 0, item }),
        event("response.completed", {
          response: responseObject(id, createdAt, request, "completed", {
            output: [item],
            usage: generation.usage,
          }),
        }),
      ];
    },
  } satisfies StreamFormat;
}

function chatUsage({ input, output }: TokenUsage) {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const chatEnvelope = (id: string, model: string, object: string) => ({
  id,
  object,
  created: now(),
  model,
  service_tier: "default",
  system_fingerprint: "fp_fake0penai",
});

/** The body of a non-streamed `POST /v1/chat/completions`. */
export function chatJson(generation: Generation) {
  return {
    ...chatEnvelope(`chatcmpl-${hex(15)}`, generation.model, "chat.completion"),
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: generation.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: chatUsage(generation.usage),
  };
}

/** `data:` lines of a streamed `POST /v1/chat/completions`, ending with `data: [DONE]`. */
export function chatStream(generation: Generation, includeUsage: boolean) {
  const envelope = chatEnvelope(`chatcmpl-${hex(15)}`, generation.model, "chat.completion.chunk");
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    sse({
      ...envelope,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage && { usage: null }),
    });
  return {
    start: () => [chunk({ role: "assistant", content: "", refusal: null })],
    delta: (content) => [chunk({ content })],
    error: ({ message, code = "server_error" }) => [sse(errorBody(message, "server_error", code))],
    finish: () => [
      chunk({}, "stop"),
      ...(includeUsage
        ? [sse({ ...envelope, choices: [], usage: chatUsage(generation.usage) })]
        : []),
      "data: [DONE]\n\n",
    ],
  } satisfies StreamFormat;
}

export interface Playback {
  firstTokenDelayMs: number;
  chunkDelayMs: number;
  failAfterChunks: number | undefined;
  failWith: "socket" | "hang" | { message: string; code?: string };
}

/** Streams a reply's frames with its delays, failing where the script says; rejects on abort. */
export async function playStream(
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
  format: StreamFormat,
  deltas: string[],
  { firstTokenDelayMs, chunkDelayMs, failAfterChunks, failWith }: Playback,
  signal: AbortSignal,
) {
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const write = (frames: string[]) => {
    for (const frame of frames) res.write(frame);
  };
  write(format.start());
  await sleep(firstTokenDelayMs, undefined, { signal });
  for (const [index, delta] of deltas.entries()) {
    if (index === failAfterChunks) break;
    if (index > 0) await sleep(chunkDelayMs, undefined, { signal });
    write(format.delta(delta));
  }
  if (failAfterChunks === undefined || failAfterChunks >= deltas.length)
    return res.end(format.finish().join(""));
  if (failWith === "hang") return;
  if (typeof failWith === "object") return res.end(format.error(failWith).join(""));
  // Clients drop data still queued when the connection breaks: let the deltas land first.
  await sleep(Math.max(chunkDelayMs, 50), undefined, { signal });
  res.destroy();
}
