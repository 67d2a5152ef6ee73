import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, generateText, type LanguageModel, Output, streamText } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { type FakeOpenAI, type OpenAIRequestBody, startFakeOpenAI } from "./fake-openai";
import { splitText } from "./fake-openai-streams";

// The fake is driven by the real AI SDK client, so what passes here is what @ai-sdk/openai
// accepts from OpenAI itself.

const KEY = "sk-test-0123456789abcdef";
let fake: FakeOpenAI;
let openai: ReturnType<typeof createOpenAI>;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY, models: ["gpt-4o-mini", "gpt-4.1"] });
  openai = createOpenAI({ baseURL: fake.url, apiKey: KEY });
});
beforeEach(() => {
  fake.reset();
  fake.setDefault({ text: "Hello from the fake OpenAI." });
  fake.options.firstTokenDelayMs = 0;
});
afterAll(() => fake.close());

const LONG = "The quick brown fox jumps over the lazy dog while the kiln fires pottery at dawn.";
const recipe = z.object({ title: z.string(), steps: z.array(z.string()), minutes: z.number() });
const RECIPE = {
  title: "Sourdough loaf for a slow weekend",
  steps: ["feed the starter", "mix and rest", "fold four times", "bake hot"],
  minutes: 1440,
};

type StreamPart = { type: string; text?: string; error?: unknown };

/** Text deltas (with their arrival, ms after `started`), error parts, and any thrown error. */
async function watch(stream: AsyncIterable<StreamPart>, started = performance.now()) {
  const seen = { deltas: [] as string[], at: [] as number[], errors: [] as unknown[] };
  let thrown: unknown;
  try {
    for await (const part of stream) {
      if (part.type === "text-delta") {
        seen.deltas.push(part.text ?? "");
        seen.at.push(performance.now() - started);
      }
      if (part.type === "error") seen.errors.push(part.error);
    }
  } catch (error) {
    thrown = error;
  }
  return { ...seen, thrown };
}

const quiet = { maxRetries: 0, onError: () => {} };
/** What generateText throws (or, if it succeeds, its result). */
const failure = (model: LanguageModel) =>
  generateText({ model, prompt: "hi", ...quiet }).catch((e: unknown) => e);
/** The structured-output format a request asked for, where its API puts it. */
const format = (api: string, body?: OpenAIRequestBody) =>
  api === "Responses" ? body?.text?.format : body?.response_format;

describe.each([
  { api: "Responses", path: "/v1/responses", model: (id: string) => openai(id) },
  { api: "Chat Completions", path: "/v1/chat/completions", model: (id: string) => openai.chat(id) },
])("$api", ({ api, path, model }) => {
  const stream = (started = performance.now()) =>
    watch(streamText({ model: model("gpt-4o-mini"), prompt: "hi", ...quiet }).stream, started);

  test("generateText gets the scripted text and usage; the request is recorded", async () => {
    fake.script({ text: "Glazes need a second firing.", usage: { input: 12, output: 7 } });
    const result = await generateText({ model: model("gpt-4o-mini"), prompt: "Tell me a fact" });
    expect(result.text).toBe("Glazes need a second firing.");
    expect(result.finishReason).toBe("stop");
    expect(result.usage).toMatchObject({ inputTokens: 12, outputTokens: 7, totalTokens: 19 });
    const body = { model: "gpt-4o-mini" };
    expect(fake.requests).toMatchObject([{ method: "POST", path, prompt: "Tell me a fact", body }]);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0]?.body?.stream).not.toBe(true);
  });

  test("streamText receives the text as several partial deltas, then usage", async () => {
    fake.script({ text: LONG });
    const result = streamText({ model: model("gpt-4.1"), prompt: "Write a sentence", ...quiet });
    const seen = await watch(result.stream);
    expect(seen.thrown).toBeUndefined();
    expect(seen.deltas.length).toBeGreaterThanOrEqual(4);
    expect(seen.deltas).toEqual(splitText(LONG));
    expect(seen.deltas.join("")).toBe(LONG);
    expect(await result.usage).toMatchObject({ outputTokens: Math.ceil(LONG.length / 4) });
    expect(fake.requests[0]?.body?.stream).toBe(true);
  });

  test("streamText with Output.object yields growing partial objects, then a valid one", async () => {
    fake.script({ json: RECIPE });
    const output = Output.object({ schema: recipe });
    const result = streamText({ model: model("gpt-4o-mini"), output, prompt: "Bread", ...quiet });
    const partials: unknown[] = [];
    for await (const partial of result.partialOutputStream) partials.push(partial);
    expect(partials.length).toBeGreaterThanOrEqual(4);
    const sizes = partials.map((p) => JSON.stringify(p).length);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThan(sizes[i - 1]!);
    expect(partials[0]).not.toHaveProperty("steps");
    expect(partials.at(-1)).toEqual(RECIPE);
    expect(recipe.parse(await result.output)).toEqual(RECIPE);

    const [request] = fake.requests;
    expect(format(api, request?.body)?.type).toBe("json_schema");
    expect(request?.schema).toMatchObject({
      type: "object",
      properties: { title: { type: "string" }, steps: { type: "array" }, minutes: {} },
      required: ["title", "steps", "minutes"],
    });
  });

  test("generateText with Output.object parses the JSON reply", async () => {
    fake.script({ json: RECIPE });
    const output = Output.object({ schema: recipe });
    const result = await generateText({ model: model("gpt-4o-mini"), output, prompt: "Bread" });
    expect(result.output).toEqual(RECIPE);
    expect(format(api, fake.requests[0]?.body)?.type).toBe("json_schema");
  });

  test("scripted HTTP errors surface as APICallErrors with their status", async () => {
    const message = "Rate limit reached";
    fake.script({ error: { status: 429, message, code: "rate_limit_exceeded" } });
    const error = await failure(model("gpt-4o-mini"));
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 429, message, isRetryable: true });
    expect((error as APICallError).data).toEqual({
      error: { message, type: "requests", param: null, code: "rate_limit_exceeded" },
    });

    fake.script({ error: { status: 503, message: "The engine is currently overloaded" } });
    const seen = await stream();
    expect(seen.deltas).toEqual([]);
    expect(seen.errors).toMatchObject([{ statusCode: 503 }]);
  });

  test("mid-stream failures come after the deltas sent: dropped socket, error event", async () => {
    fake.script({ text: LONG, failAfterChunks: 2 });
    const dropped = await stream();
    expect(dropped.deltas).toEqual(splitText(LONG).slice(0, 2));
    expect(dropped.thrown).toBeInstanceOf(Error);

    fake.script({ text: LONG, failAfterChunks: 3, failWith: { message: "Model overloaded" } });
    const failed = await stream();
    expect(failed.deltas).toEqual(splitText(LONG).slice(0, 3));
    expect(failed.thrown).toBeUndefined();
    expect(failed.errors).toHaveLength(1);
    expect((failed.errors[0] as Error).message).toContain("Model overloaded");
  });

  test("firstTokenDelayMs holds back the first delta; chunkDelayMs spaces the rest", async () => {
    fake.script({ text: LONG, firstTokenDelayMs: 300, chunkDelayMs: 40 });
    const seen = await stream();
    expect(seen.at[0]).toBeGreaterThanOrEqual(0.8 * 300);
    const gaps = seen.deltas.length - 1;
    expect(seen.at.at(-1)! - seen.at[0]!).toBeGreaterThanOrEqual(0.8 * 40 * gaps);
  });
});

test("a retried request takes the next scripted reply, honouring retry-after-ms", async () => {
  fake.script(
    { error: { status: 503, message: "overloaded", headers: { "retry-after-ms": "10" } } },
    { text: "second time lucky" },
  );
  const result = await generateText({ model: openai("gpt-4o-mini"), prompt: "hi", maxRetries: 1 });
  expect(result.text).toBe("second time lucky");
  expect(fake.requests).toHaveLength(2);
  expect(fake.pending()).toBe(0);
});

test("`when` keeps concurrent callers' replies apart; the default answers the rest", async () => {
  fake.script(
    { text: "for alice", when: (r) => r.prompt.includes("alice"), firstTokenDelayMs: 100 },
    { text: "for bob", when: (r) => r.prompt.includes("bob") },
  );
  fake.setDefault((request) => ({ text: `echo: ${request.prompt}` }));
  const ask = (prompt: string) => generateText({ model: openai.chat("gpt-4o-mini"), prompt });
  const [bob, alice, carol] = await Promise.all([ask("bob"), ask("alice"), ask("carol")]);
  expect([bob.text, alice.text, carol.text]).toEqual(["for bob", "for alice", "echo: carol"]);
  expect(fake.pending()).toBe(0);
});

test("the global firstTokenDelayMs option delays every stream", async () => {
  fake.options.firstTokenDelayMs = 250;
  const started = performance.now();
  const result = streamText({ model: openai("gpt-4o-mini"), prompt: "hi", ...quiet });
  expect((await watch(result.stream, started)).at[0]).toBeGreaterThanOrEqual(0.8 * 250);
});

/** The SSE frames of a raw streamed POST, each as its `event:` name (if any) and data. */
async function frames(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", stream: true, ...body }),
  });
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  return (await response.text())
    .split("\n\n")
    .filter(Boolean)
    .map((frame) => ({
      event: /^event: (.+)$/m.exec(frame)?.[1],
      data: /^data: (.+)$/m.exec(frame)?.[1] ?? "",
    }));
}

test("a Responses stream carries OpenAI's events in order, each named as its type", async () => {
  fake.script({ chunks: ["Hel", "lo"], usage: { input: 3, output: 2 } });
  const sent = await frames("/responses", { input: "hi" });
  const events = sent.map((f) => ({ name: f.event, ...JSON.parse(f.data) }));
  for (const event of events) expect(event.name).toBe(event.type);
  expect(events.map((e) => e.type.replace("response.", "")).join(" ")).toBe(
    "created in_progress output_item.added content_part.added output_text.delta output_text.delta " +
      "output_text.done content_part.done output_item.done completed",
  );
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  const itemId = events[2].item.id;
  expect(events[4]).toMatchObject({ item_id: itemId, delta: "Hel" });
  expect(events[6]).toMatchObject({ item_id: itemId, text: "Hello" });
  expect(events.at(-1).response).toMatchObject({
    id: events[0].response.id,
    status: "completed",
    output: [{ type: "message", id: itemId, content: [{ type: "output_text", text: "Hello" }] }],
    usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
  });
});

test("a Chat Completions stream sends chunks, a stop chunk, usage on request, then [DONE]", async () => {
  fake.script({ chunks: ["Hel", "lo"], usage: { input: 3, output: 2 } });
  const sent = await frames("/chat/completions", { stream_options: { include_usage: true } });
  expect(sent.every((f) => f.event === undefined)).toBe(true);
  expect(sent.at(-1)?.data).toBe("[DONE]");
  const chunks = sent.slice(0, -1).map((f) => JSON.parse(f.data));
  expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
  expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual([
    "",
    "Hel",
    "lo",
    null,
    null,
  ]);
  expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
  expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 5 } });

  fake.script({ chunks: ["Hi"] });
  const plain = (await frames("/chat/completions", {})).slice(0, -1).map((f) => JSON.parse(f.data));
  expect(plain.every((c) => !("usage" in c))).toBe(true);
});

test("GET /v1/models lists the configured models in OpenAI's shape", async () => {
  const get = (path: string) =>
    fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  const list = await get("/models");
  expect(list.status).toBe(200);
  const body = await list.json();
  expect(body.object).toBe("list");
  expect(body.data.map((m: { id: string }) => m.id)).toEqual(["gpt-4o-mini", "gpt-4.1"]);
  expect(body.data[0]).toMatchObject({ object: "model", owned_by: expect.any(String) });
  expect((await get("/models/gpt-4.1")).status).toBe(200);
  const missing = await get("/models/gpt-9");
  expect(missing.status).toBe(404);
  expect((await missing.json()).error.code).toBe("model_not_found");
});

test("a wrong or missing key gets OpenAI's 401, and the key sent is recorded", async () => {
  const wrong = createOpenAI({ baseURL: fake.url, apiKey: "sk-wrong-key-99999999" });
  const error = await failure(wrong("gpt-4o-mini"));
  expect(APICallError.isInstance(error)).toBe(true);
  expect(error).toMatchObject({ statusCode: 401, isRetryable: false });
  expect((error as APICallError).message).not.toContain("sk-wrong-key-99999999");
  expect(fake.requests[0]?.apiKey).toBe("sk-wrong-key-99999999");

  const anonymous = await fetch(`${fake.url}/models`);
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toEqual({
    error: {
      message: expect.stringContaining("didn't provide an API key"),
      type: "invalid_request_error",
      param: null,
      code: "invalid_api_key",
    },
  });
  expect(fake.pending()).toBe(0);
});

test("close ends hanging requests and can be called again", async () => {
  const own = await startFakeOpenAI();
  own.script({ hang: true });
  const provider = createOpenAI({ baseURL: own.url, apiKey: "any" });
  const settled = failure(provider("gpt-4o-mini"));
  await expect.poll(() => own.requests.length).toBe(1);
  await own.close();
  expect(await settled).toBeInstanceOf(Error);
  await own.close();
  await expect(fetch(`${own.url}/models`)).rejects.toThrow();
});

test("redirectTo answers every request with a 307 to the same path elsewhere", async () => {
  const own = await startFakeOpenAI({ redirectTo: "http://127.0.0.1:1" });
  const response = await fetch(`${own.url}/models?x=1`, { redirect: "manual" });
  expect(response.status).toBe(307);
  expect(response.headers.get("location")).toBe("http://127.0.0.1:1/v1/models?x=1");
  expect(own.requests.map((r) => r.path)).toEqual(["/v1/models"]);
  await own.close();
});
