import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { text as readText } from "node:stream/consumers";
import { setTimeout as sleep } from "node:timers/promises";
import { estimateTokens, playStream, type StreamFormat, splitText } from "./fake-openai-streams.ts";

// A local stand-in for the Gemini API under /v1beta, speaking its wire protocol as @ai-sdk/google
// uses it: POST models/{id}:generateContent and :streamGenerateContent?alt=sse (server-sent
// events), GET models, keys in `x-goog-api-key` (or `?key=`), errors as `{ error: { code,
// message, status } }`. Like Google it refuses bad keys, unknown models and unknown request
// fields. Replies are scripted per test as with fake-openai.ts; every request is recorded.

export type GoogleContent = { role?: string; parts?: { text?: string; [key: string]: unknown }[] };
export interface GoogleRequestBody {
  contents?: GoogleContent[];
  systemInstruction?: GoogleContent;
  /** `responseJsonSchema` (plain JSON Schema) is what @ai-sdk/google sends for structured
   *  output; `responseSchema` is Google's OpenAPI subset, which older clients send. */
  generationConfig?: { responseMimeType?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** An HTTP error; `statusText` is Google's status name, by default the one for `status`
 *  (RESOURCE_EXHAUSTED for 429…); `headers` are extra response headers, e.g. `retry-after`. */
export interface FakeGoogleError {
  status: number;
  message: string;
  statusText?: string;
  details?: unknown[];
  headers?: Record<string, string>;
}

export interface FakeGoogleReplyOptions {
  /** Only requests this returns true for take the reply, so parallel tests keep their own. */
  when?: (request: RecordedGoogleRequest) => boolean;
  /** Token counts to report; otherwise estimated at four characters a token. */
  usage?: { input?: number; output?: number };
  /** The candidate's finishReason, "STOP" unless given (e.g. "MAX_TOKENS", "SAFETY"). */
  finishReason?: string;
  /** Before the first chunk, or before a JSON reply. */
  firstTokenDelayMs?: number;
  chunkDelayMs?: number;
  /** Stream this many text chunks, then Google's error chunk `failWith` (500 INTERNAL unless
   *  given); a JSON reply fails with it as its HTTP error. */
  failAfterChunks?: number;
  failWith?: { message: string; status?: number; statusText?: string };
}

/** Text (cut into chunks of 8–20 characters), `json` serialized as the model's text, exact
 *  `chunks`, an HTTP `error`, or `hang`: no answer until the fake closes. */
type Outcome = { text: string } | { json: unknown } | { chunks: string[] } | { hang: true };
export type FakeGoogleReply = FakeGoogleReplyOptions & (Outcome | { error: FakeGoogleError });
type ReplySource = FakeGoogleReply | ((request: RecordedGoogleRequest) => FakeGoogleReply);

/** A listed model; `methods` (supportedGenerationMethods) default to a chat model's. */
export type FakeGoogleModel = { id: string; displayName?: string; methods?: string[] };

export interface FakeGoogleOptions {
  /** When set, the only valid key: others get Google's 400 API_KEY_INVALID. */
  apiKey?: string;
  port?: number;
  /** What GET /v1beta/models lists: ids of chat models, or models with their methods. */
  models?: (string | FakeGoogleModel)[];
  firstTokenDelayMs?: number;
  chunkDelayMs?: number;
  defaultReply?: ReplySource;
}

const words = (list: string) => new Set(list.split(/\s+/));
const statusNames = `400 INVALID_ARGUMENT 401 UNAUTHENTICATED 403 PERMISSION_DENIED 404 NOT_FOUND
  409 ABORTED 429 RESOURCE_EXHAUSTED 499 CANCELLED 500 INTERNAL 501 UNIMPLEMENTED 503 UNAVAILABLE
  504 DEADLINE_EXCEEDED`.split(/\s+/);
/** Google's error body; `status` defaults to Google's name for the code (429: RESOURCE_EXHAUSTED). */
export function googleError(code: number, message: string, status?: string, details?: unknown[]) {
  const known = statusNames.indexOf(String(code));
  const name = status ?? (known >= 0 ? statusNames[known + 1] : "UNKNOWN");
  return { error: { code, message, status: name, ...(details && { details }) } };
}

// The fields of GenerateContentRequest and GenerationConfig: Google refuses any other name.
const requestFields = words(`contents systemInstruction tools toolConfig safetySettings
  generationConfig cachedContent serviceTier continuationToken`);
const configFields = words(`stopSequences responseMimeType responseSchema responseJsonSchema
  responseModalities candidateCount maxOutputTokens temperature topP topK seed presencePenalty
  frequencyPenalty responseLogprobs logprobs enableEnhancedCivicAnswers speechConfig
  thinkingConfig imageConfig mediaResolution audioTimestamp`);
const unknownName = (name: string, at?: string) =>
  `Invalid JSON payload received. Unknown name "${name}"${at ? ` at '${at}'` : ""}: Cannot find field.`;

/** Why Google would refuse this generate request with a 400, or undefined. */
function requestProblem(body: GoogleRequestBody): string | undefined {
  const bad = Object.keys(body).find((k) => !requestFields.has(k));
  if (bad) return unknownName(bad);
  const config = body.generationConfig ?? {};
  const badConfig = Object.keys(config).find((k) => !configFields.has(k));
  if (badConfig) return unknownName(badConfig, "generation_config");
  if (!body.contents?.length) return "* GenerateContentRequest.contents: contents is not specified";
  if (body.contents.some((c) => c.role !== undefined && c.role !== "user" && c.role !== "model"))
    return "Please use a valid role: user, model.";
  const schema = config.responseJsonSchema ?? config.responseSchema;
  if (schema !== undefined && config.responseMimeType !== "application/json")
    return "* GenerateContentRequest.generation_config.response_mime_type: must be application/json when a response schema is set";
  return undefined;
}

const textsOf = (content?: GoogleContent) =>
  (content?.parts ?? []).flatMap((p) => (typeof p.text === "string" ? [p.text] : []));

/** A request: `model` is a generate call's model without `models/`; `apiKey` comes from
 *  `x-goog-api-key` (else `?key=`); `system` is the system instruction's text and `prompt` all
 *  the prompt's text; `schema` the structured output's (responseJsonSchema ?? responseSchema). */
export type RecordedGoogleRequest = ReturnType<typeof record>;
function record(method: string, url: URL, headers: IncomingHttpHeaders, raw: string) {
  let body: GoogleRequestBody | undefined | null; // null: not JSON
  try {
    body = raw ? (JSON.parse(raw) as GoogleRequestBody) : undefined;
  } catch {
    body = null;
  }
  const path = url.pathname.replace(/\/+$/, "");
  const call = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(path);
  const header = [headers["x-goog-api-key"]].flat()[0];
  const system = textsOf(body?.systemInstruction).join("\n");
  const config = body?.generationConfig;
  const api = call?.[2] ?? (path.startsWith("/v1beta/models") ? "models" : "other");
  return {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
    api: api as "generateContent" | "streamGenerateContent" | "models" | "other",
    model: call ? decodeURIComponent(call[1]!) : undefined,
    apiKey: (header ?? url.searchParams.get("key") ?? undefined) as string | undefined,
    system,
    prompt: [system, ...(body?.contents ?? []).flatMap(textsOf)].filter(Boolean).join("\n"),
    schema: config?.responseJsonSchema ?? config?.responseSchema,
  };
}

/** A model as GET /v1beta/models lists it. */
export function googleModelJson(model: string | FakeGoogleModel) {
  const { id, displayName, methods } = typeof model === "string" ? { id: model } : model;
  const name =
    displayName ?? id.replace(/(^|-)(\w)/g, (_, d, c) => `${d && " "}${c.toUpperCase()}`);
  const supportedGenerationMethods = methods ?? [
    "generateContent",
    "countTokens",
    "createCachedContent",
  ];
  const chat = supportedGenerationMethods.includes("generateContent");
  return {
    name: `models/${id}`,
    version: "001",
    displayName: name,
    inputTokenLimit: chat ? 1_048_576 : 2048,
    outputTokenLimit: chat ? 65_536 : 1,
    supportedGenerationMethods,
    ...(chat && { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2, thinking: true }),
  };
}

const embedding = { id: "embedding-001", methods: ["embedContent", "countTokens"] };
const keyInvalid = {
  "@type": "type.googleapis.com/google.rpc.ErrorInfo",
  reason: "API_KEY_INVALID",
  domain: "googleapis.com",
};
const notFound = (model?: string) =>
  `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`;
const unregistered =
  "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";

/** `url` ends in /v1beta; `script` queues replies, each taken by the first request it
 *  matches; `pending` counts those not taken; `reset` forgets requests and queued replies. */
export type FakeGoogle = Awaited<ReturnType<typeof startFakeGoogle>>;
export async function startFakeGoogle(initial: FakeGoogleOptions = {}) {
  const options: FakeGoogleOptions = {
    models: ["gemini-2.5-flash", "gemini-2.5-pro", embedding],
    defaultReply: { text: "Hello from the fake Gemini." },
    ...initial,
  };
  const requests: RecordedGoogleRequest[] = [];
  const queue: FakeGoogleReply[] = [];
  const closing = new AbortController();
  const take = (request: RecordedGoogleRequest): FakeGoogleReply => {
    const index = queue.findIndex((reply) => !reply.when || reply.when(request));
    if (index >= 0) return queue.splice(index, 1)[0]!;
    const fallback = options.defaultReply ?? { text: "" };
    return typeof fallback === "function" ? fallback(request) : fallback;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const headers = { "content-type": "application/json; charset=UTF-8", vary: "Origin, X-Origin" };
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, ...extra });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, message: string, details?: unknown[]) =>
      send(status, googleError(status, message, undefined, details));
    const raw = await readText(req).catch(() => undefined); // undefined: the client went away
    if (raw === undefined) return;
    const request = record(req.method ?? "GET", url, req.headers, raw);
    requests.push(request);
    if (request.body === null) return fail(400, "Invalid JSON payload received. Unexpected token.");
    if (!request.apiKey) return fail(403, unregistered);
    if (options.apiKey !== undefined && request.apiKey !== options.apiKey)
      return fail(400, "API key not valid. Please pass a valid API key.", [keyInvalid]);

    const models = (options.models ?? []).map(googleModelJson);
    if (req.method === "GET" && request.path === "/v1beta/models") return send(200, { models });
    if (req.method !== "POST" || !request.model)
      return fail(404, `Method not found: ${req.method} ${request.path}`);
    const model = models.find((m) => m.name === `models/${request.model}`);
    if (!model?.supportedGenerationMethods.includes("generateContent"))
      return fail(404, notFound(request.model));
    const problem = requestProblem(request.body ?? {});
    if (problem) return fail(400, problem);

    const reply = take(request);
    if ("hang" in reply) return;
    if ("error" in reply) {
      const { status, message, statusText, details, headers: extra } = reply.error;
      return send(status, googleError(status, message, statusText, details), extra);
    }
    const content =
      "chunks" in reply ? reply.chunks : "text" in reply ? reply.text : JSON.stringify(reply.json);
    const deltas = typeof content === "string" ? splitText(content) : content;
    const text = deltas.join("");
    const input = reply.usage?.input ?? estimateTokens(request.prompt);
    const output = reply.usage?.output ?? estimateTokens(text);
    const responseId = randomBytes(16).toString("base64url");
    const finishReason = reply.finishReason ?? "STOP";
    const usage = { promptTokenCount: input, totalTokenCount: input };
    const done = { candidatesTokenCount: output, totalTokenCount: input + output };
    /** A GenerateContentResponse: one stream chunk, or (`last`) the final one or whole answer. */
    const response = (text: string, last: boolean) => ({
      candidates: [
        { content: { parts: [{ text }], role: "model" }, ...(last && { finishReason }), index: 0 },
      ],
      usageMetadata: { ...usage, ...(last && done) },
      modelVersion: request.model,
      responseId,
    });
    const failWith = reply.failWith ?? { message: "Internal error encountered." };
    const failure = googleError(failWith.status ?? 500, failWith.message, failWith.statusText);
    const stopped = new AbortController();
    res.on("close", () => stopped.abort());
    const signal = AbortSignal.any([stopped.signal, closing.signal]);
    const playback = {
      firstTokenDelayMs: reply.firstTokenDelayMs ?? options.firstTokenDelayMs ?? 0,
      chunkDelayMs: reply.chunkDelayMs ?? options.chunkDelayMs ?? 0,
      failAfterChunks: reply.failAfterChunks,
      failWith: { message: failWith.message },
    };
    try {
      if (request.api === "streamGenerateContent") {
        const sse = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;
        let sent = 0;
        const format: StreamFormat = {
          start: () => [],
          // Google's last chunk with text also carries the finishReason and the full usage.
          delta: (part) => [sse(response(part, ++sent === deltas.length))],
          error: () => [sse(failure)],
          finish: () => (deltas.length === 0 ? [sse(response("", true))] : []),
        };
        return await playStream(res, headers, format, deltas, playback, signal);
      }
      await sleep(playback.firstTokenDelayMs, undefined, { signal });
      const failed = reply.failAfterChunks !== undefined;
      send(failed ? failure.error.code : 200, failed ? failure : response(text, true));
    } catch {
      // Aborted: the client went away or the fake is closing; the socket goes with it.
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(initial.port ?? 0, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/v1beta`,
    requests,
    options,
    script: (...replies: FakeGoogleReply[]) => void queue.push(...replies),
    setDefault: (reply: ReplySource) => void Object.assign(options, { defaultReply: reply }),
    pending: () => queue.length,
    reset: () => void [requests.splice(0), queue.splice(0)],
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
