import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { text as readText } from "node:stream/consumers";
import { setTimeout as sleep } from "node:timers/promises";
import type { FakeOpenAIError, FakeReplyOptions as OpenAIReplyOptions } from "./fake-openai.ts";
import * as streams from "./fake-openai-streams.ts";

// A local stand-in for Anthropic's API under /v1, speaking the Messages API as @ai-sdk/anthropic
// uses it: POST /messages (JSON, or named server-sent events for `stream: true`), GET /models,
// `x-api-key`/`anthropic-version` checks, errors as `{ type: "error", error: { type, message } }`.
// A `json` reply goes out as the request asked for structured output: natively (output_config)
// as text; for the provider's fallback, a forced tool named "json", as that tool's input.

export interface AnthropicRequestBody {
  model?: string;
  max_tokens?: number;
  stream?: boolean;
  system?: string | { type: string; text: string }[];
  messages?: { role: string; content: unknown }[];
  tools?: { name: string; input_schema?: unknown; [key: string]: unknown }[];
  tool_choice?: { type: string; name?: string; disable_parallel_tool_use?: boolean };
  /** Native structured output: `format: { type: "json_schema", schema }`. */
  output_config?: { format?: { type: string; schema?: unknown }; [key: string]: unknown };
  [key: string]: unknown;
}

export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: AnthropicRequestBody | undefined;
  api: "messages" | "models" | "other";
  apiKey: string | undefined;
  /** Every piece of text in the prompt (system, then messages), joined by newlines. */
  prompt: string;
  /** How structured output was asked for, if it was, and the JSON schema asked for. */
  structuredOutput: "output_format" | "json_tool" | undefined;
  schema: unknown;
}

/** An HTTP error; `type` defaults by status as Anthropic's do (429 rate_limit_error, …). */
export type FakeAnthropicError = Omit<FakeOpenAIError, "code">;

/** As the OpenAI fake's (delays, usage, failAfterChunks); `failWith: { message, code }` sends
 *  Anthropic's in-stream `error` event, `code` being its type (default "overloaded_error"). */
export type FakeReplyOptions = Omit<OpenAIReplyOptions, "when"> & {
  when?: (request: RecordedAnthropicRequest) => boolean;
};

type Content = { text: string } | { json: unknown } | { chunks: string[] };
export type FakeReply = FakeReplyOptions &
  (Content | { error: FakeAnthropicError } | { hang: true });
type DefaultReply = FakeReply | ((request: RecordedAnthropicRequest) => FakeReply);

export interface FakeAnthropicOptions {
  /** When set, every request must carry `x-api-key: <apiKey>`. */
  apiKey?: string;
  port?: number;
  /** Ids GET /v1/models lists, newest first as Anthropic lists them. */
  models?: string[];
  /** Answer a model neither listed nor an alias of one with a 404, as Anthropic does. */
  strictModels?: boolean;
  firstTokenDelayMs?: number;
  chunkDelayMs?: number;
  defaultReply?: DefaultReply;
}

/** As the OpenAI fake: `url` (ending in /v1), `requests`, `options`, `script`, `setDefault`, … */
export type FakeAnthropic = Awaited<ReturnType<typeof startFakeAnthropic>>;

const errorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};
export function errorBody(type: string, message: string) {
  return { type: "error", error: { type, message } };
}

/** "claude-sonnet-4-5-20250929" → "Claude Sonnet 4.5", as Anthropic's display names read. */
export const displayName = (id: string) =>
  id
    .replace(/-\d{8}$/, "")
    .replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash && " "}${c.toUpperCase()}`)
    .replace(/(\d)-(?=\d)/g, "$1.")
    .replaceAll("-", " ");

const modelJson = (id: string, index: number) => {
  const created = new Date(Date.UTC(2025, 9, 1) - index * 86_400_000).toISOString();
  return { type: "model", id, display_name: displayName(id), created_at: created };
};

/** Whether `wanted` names `id`: exactly, as its dateless alias, or as its "-latest" alias. */
const isModel = (id: string, wanted: string) =>
  id === wanted ||
  id.replace(/-\d{8}$/, "") === wanted ||
  (wanted.endsWith("-latest") && id.startsWith(wanted.slice(0, -"latest".length)));

const textOf = (value: unknown): string[] => {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(textOf);
  if (!value || typeof value !== "object") return [];
  const { text, content, input } = value as Record<string, unknown>;
  return [...textOf(text), ...textOf(content), ...(input ? [JSON.stringify(input)] : [])];
};

function record(method: string, path: string, headers: IncomingHttpHeaders, raw: string) {
  const body = raw ? (JSON.parse(raw) as AnthropicRequestBody) : undefined;
  const native = body?.output_config?.format;
  const tool = body?.tools?.find((t) => t.name === "json");
  const isNative = native?.type === "json_schema";
  return {
    method,
    path,
    headers,
    body,
    api: path === "/v1/messages" ? "messages" : path.startsWith("/v1/models") ? "models" : "other",
    apiKey: typeof headers["x-api-key"] === "string" ? headers["x-api-key"] : undefined,
    prompt: [body?.system, body?.messages].flatMap(textOf).join("\n"),
    structuredOutput: isNative ? "output_format" : tool ? "json_tool" : undefined,
    schema: isNative ? native.schema : tool?.input_schema,
  } satisfies RecordedAnthropicRequest;
}

const id = (prefix: string) => `${prefix}_01${randomBytes(12).toString("base64url")}`;
const cache = { cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
const sse = (data: { type: string }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
const event = (type: string, data: object = {}) => sse({ type, ...data });

/** The events of a streamed message with one content block: text, or the json tool's input. */
function messageEvents(message: object, block: { type: string }, usage: Usage, stop: string) {
  const [kind, field] =
    block.type === "tool_use" ? ["input_json_delta", "partial_json"] : ["text_delta", "text"];
  const delta = (piece: string) =>
    event("content_block_delta", { index: 0, delta: { type: kind, [field!]: piece } });
  const opening = { ...message, content: [], stop_reason: null, stop_sequence: null };
  const initial = { ...usage, ...cache, output_tokens: 1 };
  const stopped = { delta: { stop_reason: stop, stop_sequence: null } };
  return {
    start: () => [
      event("message_start", { message: { ...opening, usage: initial } }),
      event("content_block_start", { index: 0, content_block: block }),
      ...(field === "partial_json" ? [delta("")] : []), // as Anthropic opens a tool's input
      event("ping"),
    ],
    delta: (piece) => [delta(piece)],
    error: ({ message, code = "overloaded_error" }) => [sse(errorBody(code, message))],
    finish: () => [
      event("content_block_stop", { index: 0 }),
      event("message_delta", { ...stopped, usage: { output_tokens: usage.output_tokens } }),
      event("message_stop"),
    ],
  } satisfies streams.StreamFormat;
}
type Usage = { input_tokens: number; output_tokens: number };

export async function startFakeAnthropic(initial: FakeAnthropicOptions = {}) {
  const { port = 0, ...rest } = initial;
  const options: FakeAnthropicOptions = {
    models: ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805"],
    defaultReply: { text: "Hello from the fake Anthropic." },
    ...rest,
  };
  const requests: RecordedAnthropicRequest[] = [];
  const queue: FakeReply[] = [];
  const closing = new AbortController();
  let closed: Promise<void> | undefined;

  const take = (request: RecordedAnthropicRequest): FakeReply => {
    const index = queue.findIndex((reply) => !reply.when || reply.when(request));
    if (index >= 0) return queue.splice(index, 1)[0]!;
    const fallback = options.defaultReply ?? { text: "" };
    return typeof fallback === "function" ? fallback(request) : fallback;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/\/+$/, "");
    const headers = { "content-type": "application/json", "request-id": id("req") };
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, ...extra });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, message: string, type?: string, extra?: Record<string, string>) =>
      send(status, errorBody(type ?? errorTypes[status] ?? "api_error", message), extra);
    const raw = await readText(req).catch(() => undefined); // undefined: the client went away
    if (raw === undefined) return;
    const method = req.method ?? "GET";
    let request: RecordedAnthropicRequest;
    try {
      request = record(method, path, req.headers, raw);
    } catch {
      requests.push(record(method, path, req.headers, ""));
      return fail(400, "There was an issue with the format of your request: invalid JSON");
    }
    requests.push(request);

    if (options.apiKey !== undefined && request.apiKey !== options.apiKey)
      return fail(401, request.apiKey ? "invalid x-api-key" : "x-api-key header is required");
    if (!req.headers["anthropic-version"])
      return fail(400, "anthropic-version: header is required");

    const models = options.models ?? [];
    if (method === "GET" && path === "/v1/models") {
      const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 20), 1), 1000);
      const start = models.indexOf(url.searchParams.get("after_id") ?? "") + 1;
      const page = models.slice(start, start + limit);
      const [first_id = null, last_id = null] = [page[0], page.at(-1)];
      const data = page.map((m, i) => modelJson(m, start + i));
      return send(200, { data, has_more: start + limit < models.length, first_id, last_id });
    }
    if (method !== "POST" || request.api !== "messages") return fail(404, "Not found");
    const missing = ["model", "max_tokens", "messages"].find((key) => request.body?.[key] == null);
    if (missing) return fail(400, `${missing}: Field required`);
    const body = request.body!;
    if (options.strictModels && !models.some((m) => isModel(m, body.model!)))
      return fail(404, `model: ${body.model}`);

    const reply = take(request);
    if ("hang" in reply) return;
    if ("error" in reply) {
      const { status, message, type, headers: extra } = reply.error;
      return fail(status, message, type, extra);
    }
    const asTool = "json" in reply && request.structuredOutput === "json_tool";
    const content =
      "chunks" in reply ? reply.chunks : "text" in reply ? reply.text : JSON.stringify(reply.json);
    const deltas = typeof content === "string" ? streams.splitText(content) : content;
    const text = deltas.join("");
    const { input = streams.estimateTokens(request.prompt), output } = reply.usage ?? {};
    const usage = { input_tokens: input, output_tokens: output ?? streams.estimateTokens(text) };
    const stop = asTool ? "tool_use" : "end_turn";
    const block = asTool
      ? { type: "tool_use", id: id("toolu"), name: "json", input: {} }
      : { type: "text", text: "" };
    const message = { id: id("msg"), type: "message", role: "assistant", model: body.model };
    const playback: streams.Playback = {
      firstTokenDelayMs: reply.firstTokenDelayMs ?? options.firstTokenDelayMs ?? 0,
      chunkDelayMs: reply.chunkDelayMs ?? options.chunkDelayMs ?? 0,
      failAfterChunks: reply.failAfterChunks,
      failWith: reply.failWith ?? "socket",
    };
    const stopped = new AbortController();
    res.on("close", () => stopped.abort());
    const signal = AbortSignal.any([stopped.signal, closing.signal]);

    try {
      if (body.stream === true) {
        const events = messageEvents(message, block, usage, stop);
        return await streams.playStream(res, headers, events, deltas, playback, signal);
      }
      // A JSON reply takes as long as its stream would have.
      const { firstTokenDelayMs, chunkDelayMs, failAfterChunks, failWith } = playback;
      const steps = Math.max(deltas.length - 1, 0);
      await sleep(firstTokenDelayMs + chunkDelayMs * steps, undefined, { signal });
      if (failAfterChunks === undefined) {
        const part = asTool ? { ...block, input: JSON.parse(text) } : { ...block, text };
        const ending = { stop_reason: stop, stop_sequence: null, usage: { ...usage, ...cache } };
        return send(200, { ...message, content: [part], ...ending });
      }
      if (failWith === "socket") return res.destroy();
      if (typeof failWith === "object") {
        const type = failWith.code ?? "overloaded_error";
        const status = Object.keys(errorTypes).find((s) => errorTypes[+s] === type);
        fail(Number(status ?? 500), failWith.message, type);
      }
    } catch {
      // Aborted: the client went away or the fake is closing; the socket goes with it.
    }
  });

  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(port, "127.0.0.1", resolve),
  );
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    requests,
    options,
    script: (...replies: FakeReply[]) => void queue.push(...replies),
    setDefault: (reply: DefaultReply) => void Object.assign(options, { defaultReply: reply }),
    pending: () => queue.length,
    reset() {
      for (const list of [requests, queue]) list.splice(0);
    },
    close(): Promise<void> {
      closing.abort();
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
