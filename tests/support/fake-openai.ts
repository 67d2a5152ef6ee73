import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { text as readText } from "node:stream/consumers";
import { setTimeout as sleep } from "node:timers/promises";
import {
  chatJson,
  chatStream,
  defaultErrorType,
  errorBody,
  estimateTokens,
  type Generation,
  modelJson,
  type Playback,
  playStream,
  responsesJson,
  responsesStream,
  type StreamFormat,
  splitText,
  unauthorized,
  unparsable,
} from "./fake-openai-streams.ts";

// A local stand-in for OpenAI's HTTP API under /v1, speaking its wire protocol as @ai-sdk/openai
// uses it: POST /responses (the provider's default) and POST /chat/completions, each as JSON or
// as server-sent events when the body asks for `stream: true`, GET /models, Bearer key checks
// and errors in OpenAI's shape. Replies are scripted per test; every request is recorded.

export interface OpenAIRequestBody {
  model?: string;
  stream?: boolean;
  /** Responses API: a string or a list of input items. */
  input?: unknown;
  instructions?: string;
  /** Responses API structured output: `format.type === "json_schema"`. */
  text?: { format?: { type: string; name?: string; strict?: boolean; schema?: unknown } };
  /** Chat Completions. */
  messages?: unknown;
  response_format?: {
    type: string;
    json_schema?: { name?: string; strict?: boolean; schema?: unknown };
  };
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export interface RecordedOpenAIRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined for requests without one. */
  body: OpenAIRequestBody | undefined;
  api: "responses" | "chat" | "models" | "other";
  /** The Bearer token sent, if any. */
  apiKey: string | undefined;
  /** Every piece of text in the prompt (instructions, input, messages), joined by newlines. */
  prompt: string;
  /** The JSON schema asked for as structured output, if any. */
  schema: unknown;
}

export interface FakeOpenAIError {
  status: number;
  message: string;
  /** Defaults by status: "requests" for 429, "server_error" for 5xx, else "invalid_request_error". */
  type?: string;
  code?: string | null;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
}

export interface FakeReplyOptions {
  /** Only requests this returns true for take the reply, so parallel tests keep their own. */
  when?: (request: RecordedOpenAIRequest) => boolean;
  /** Token counts to report; otherwise estimated at four characters a token. */
  usage?: { input?: number; output?: number };
  /** Before the first text delta (for JSON replies, added to the response time). */
  firstTokenDelayMs?: number;
  chunkDelayMs?: number;
  /** Send this many text deltas, then fail as `failWith` says. */
  failAfterChunks?: number;
  /** "socket" (default) destroys the connection; "hang" stops sending; an object sends
   *  OpenAI's in-stream error event (`response.failed`, or a chat chunk with `error`). */
  failWith?: "socket" | "hang" | { message: string; code?: string };
}

/**
 * Plain text (cut into deltas of 8–20 characters); `json`, serialized as the assistant's text
 * as a model answering a JSON schema would; exact `chunks`; an HTTP `error`; or `hang`, never
 * answering until the fake closes.
 */
export type FakeReply = FakeReplyOptions &
  (
    | { text: string }
    | { json: unknown }
    | { chunks: string[] }
    | { error: FakeOpenAIError }
    | { hang: true }
  );

export interface FakeOpenAIOptions {
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** A fixed port, e.g. for a Playwright web server's env; random by default. */
  port?: number;
  /** Ids GET /v1/models lists. */
  models?: string[];
  firstTokenDelayMs?: number;
  chunkDelayMs?: number;
  /** Answers requests no scripted reply matches. */
  defaultReply?: FakeReply | ((request: RecordedOpenAIRequest) => FakeReply);
  /** When set, every request (recorded first) is answered 307 to this origin, same path. */
  redirectTo?: string;
}

export interface FakeOpenAI {
  /** Base URL ending in /v1, for `createOpenAI({ baseURL })` or OPENAI_BASE_URL. */
  url: string;
  requests: RecordedOpenAIRequest[];
  /** Change behaviour mid-test (the port aside). */
  options: FakeOpenAIOptions;
  /** Queues replies, taken in order by the first request each matches. */
  script(...replies: FakeReply[]): void;
  setDefault(reply: FakeReply | ((request: RecordedOpenAIRequest) => FakeReply)): void;
  /** Scripted replies no request has taken yet. */
  pending(): number;
  /** Forgets recorded requests and queued replies. */
  reset(): void;
  close(): Promise<void>;
}

const textOf = (value: unknown): string[] => {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(textOf);
  if (value && typeof value === "object") {
    const { text, content } = value as { text?: unknown; content?: unknown };
    return [...textOf(text), ...textOf(content)];
  }
  return [];
};

const apis: Record<string, RecordedOpenAIRequest["api"]> = {
  "/v1/responses": "responses",
  "/v1/chat/completions": "chat",
  "/v1/models": "models",
};

function record(method: string, path: string, headers: IncomingHttpHeaders, raw: string) {
  const body = raw ? (JSON.parse(raw) as OpenAIRequestBody) : undefined;
  return {
    method,
    path,
    headers,
    body,
    api: apis[path] ?? (path.startsWith("/v1/models/") ? "models" : "other"),
    apiKey: /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1],
    prompt: [body?.instructions, body?.input, body?.messages].flatMap(textOf).join("\n"),
    schema:
      body?.text?.format?.type === "json_schema"
        ? body.text.format.schema
        : body?.response_format?.type === "json_schema"
          ? body.response_format.json_schema?.schema
          : undefined,
  } satisfies RecordedOpenAIRequest;
}

export async function startFakeOpenAI(initial: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const { port = 0, ...rest } = initial;
  const options: FakeOpenAIOptions = {
    models: ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"],
    firstTokenDelayMs: 0,
    chunkDelayMs: 0,
    defaultReply: { text: "Hello from the fake OpenAI." },
    ...rest,
  };
  const requests: RecordedOpenAIRequest[] = [];
  let queue: FakeReply[] = [];
  const closing = new AbortController();
  let closed: Promise<void> | undefined;

  const take = (request: RecordedOpenAIRequest): FakeReply => {
    const index = queue.findIndex((reply) => !reply.when || reply.when(request));
    if (index >= 0) return queue.splice(index, 1)[0]!;
    const fallback = options.defaultReply ?? { text: "" };
    return typeof fallback === "function" ? fallback(request) : fallback;
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://fake").pathname.replace(/\/+$/, "");
    const headers = { "content-type": "application/json", "x-request-id": `req_${Date.now()}` };
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, ...extra });
      res.end(JSON.stringify(body));
    };
    const raw = await readText(req).catch(() => undefined); // undefined: the client went away
    if (raw === undefined) return;
    let request: RecordedOpenAIRequest;
    try {
      request = record(req.method ?? "GET", path, req.headers, raw);
    } catch {
      requests.push(record(req.method ?? "GET", path, req.headers, ""));
      return send(400, unparsable);
    }
    requests.push(request);

    if (options.redirectTo) {
      res.writeHead(307, { location: `${options.redirectTo}${req.url ?? "/"}` });
      return res.end();
    }
    if (options.apiKey !== undefined && request.apiKey !== options.apiKey)
      return send(401, unauthorized(request.apiKey));

    const models = options.models ?? [];
    if (req.method === "GET" && path === "/v1/models")
      return send(200, { object: "list", data: models.map(modelJson) });
    if (req.method === "GET" && path.startsWith("/v1/models/")) {
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      if (models.includes(id)) return send(200, modelJson(id));
      const message = `The model '${id}' does not exist or you do not have access to it.`;
      return send(404, errorBody(message, "invalid_request_error", "model_not_found"));
    }
    if (req.method !== "POST" || (request.api !== "responses" && request.api !== "chat"))
      return send(404, errorBody(`Invalid URL (${req.method} ${path})`, "invalid_request_error"));
    const body = request.body;
    if (!body || typeof body.model !== "string")
      return send(400, errorBody("you must provide a model parameter", "invalid_request_error"));

    const reply = take(request);
    if ("hang" in reply) return;
    if ("error" in reply) {
      const { status, message, type, code = null, headers: extra } = reply.error;
      return send(status, errorBody(message, type ?? defaultErrorType(status), code), extra);
    }
    const content =
      "chunks" in reply ? reply.chunks : "text" in reply ? reply.text : JSON.stringify(reply.json);
    const deltas = typeof content === "string" ? splitText(content) : content;
    const text = deltas.join("");
    const usage = {
      input: reply.usage?.input ?? estimateTokens(request.prompt),
      output: reply.usage?.output ?? estimateTokens(text),
    };
    const generation: Generation = { model: body.model, text, deltas, usage };
    const playback: Playback = {
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
        const format: StreamFormat =
          request.api === "chat"
            ? chatStream(generation, body.stream_options?.include_usage === true)
            : responsesStream(body, generation);
        return await playStream(res, headers, format, deltas, playback, signal);
      }
      // A JSON reply takes as long as its stream would have.
      const { firstTokenDelayMs, chunkDelayMs, failAfterChunks, failWith } = playback;
      const steps = Math.max(deltas.length - 1, 0);
      await sleep(firstTokenDelayMs + chunkDelayMs * steps, undefined, { signal });
      if (failAfterChunks === undefined)
        return send(
          200,
          request.api === "chat" ? chatJson(generation) : responsesJson(body, generation),
        );
      if (failWith === "socket") return res.destroy();
      if (typeof failWith === "object")
        send(500, errorBody(failWith.message, "server_error", failWith.code ?? null));
    } catch {
      // Aborted: the client went away or the fake is closing; the socket goes with it.
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    requests,
    options,
    script: (...replies) => void queue.push(...replies),
    setDefault: (reply) => {
      options.defaultReply = reply;
    },
    pending: () => queue.length,
    reset: () => {
      requests.length = 0;
      queue = [];
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
