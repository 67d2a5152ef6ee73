import { createAnthropic } from "@ai-sdk/anthropic";
import { APICallError, generateText, type LanguageModel, Output, streamText } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { type FakeAnthropic, startFakeAnthropic } from "./fake-anthropic";
import { splitText } from "./fake-openai-streams";

// The fake is driven by the real @ai-sdk/anthropic client, so what passes here is what the
// provider accepts from Anthropic itself.

const KEY = "sk-ant-api03-test-0123456789abcdef";
const MODELS = [
  "claude-sonnet-4-5-20250929",
  "claude-sonnet-4-20250514",
  "claude-3-5-haiku-latest",
];
let fake: FakeAnthropic;
let anthropic: ReturnType<typeof createAnthropic>;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: KEY, models: MODELS });
  anthropic = createAnthropic({ baseURL: fake.url, apiKey: KEY });
});
beforeEach(() => {
  fake.reset();
  fake.setDefault({ text: "Hello from the fake Anthropic." });
});
afterAll(() => fake.close());

const LONG = "The quick brown fox jumps over the lazy dog while the kiln fires pottery at dawn.";
const recipe = z.object({ title: z.string(), steps: z.array(z.string()), minutes: z.number() });
const RECIPE = {
  title: "Sourdough loaf for a slow weekend",
  steps: ["feed the starter", "mix and rest", "fold four times", "bake hot"],
  minutes: 1440,
};
const quiet = { maxRetries: 0, onError: () => {} };
const failure = (model: LanguageModel) =>
  generateText({ model, prompt: "hi", ...quiet }).catch((e: unknown) => e);

type StreamPart = { type: string; text?: string; error?: unknown };
async function watch(stream: AsyncIterable<StreamPart>) {
  const seen = { deltas: [] as string[], errors: [] as unknown[], thrown: undefined as unknown };
  try {
    for await (const part of stream) {
      if (part.type === "text-delta") seen.deltas.push(part.text ?? "");
      if (part.type === "error") seen.errors.push(part.error);
    }
  } catch (error) {
    seen.thrown = error;
  }
  return seen;
}

test("generateText: POST /v1/messages with Anthropic's headers; text and usage come back", async () => {
  fake.script({ text: "Glazes need a second firing.", usage: { input: 12, output: 7 } });
  const result = await generateText({
    model: anthropic("claude-sonnet-4-5-20250929"),
    system: "You are a potter.",
    prompt: "Tell me a fact",
  });
  expect(result.text).toBe("Glazes need a second firing.");
  expect(result.finishReason).toBe("stop");
  expect(result.usage).toMatchObject({ inputTokens: 12, outputTokens: 7, totalTokens: 19 });
  const [request] = fake.requests;
  expect(request).toMatchObject({
    method: "POST",
    path: "/v1/messages",
    api: "messages",
    apiKey: KEY,
    prompt: "You are a potter.\nTell me a fact",
    structuredOutput: undefined,
    body: { model: "claude-sonnet-4-5-20250929", system: [{ type: "text" }] },
  });
  expect(request?.body?.max_tokens).toBeGreaterThan(0);
  expect(request?.body?.stream).toBeUndefined();
  expect(request?.headers["anthropic-version"]).toBe("2023-06-01");
  expect(request?.headers.authorization).toBeUndefined();
});

test("streamText receives the text as several deltas, then usage", async () => {
  fake.script({ text: LONG, usage: { input: 5, output: 21 } });
  const result = streamText({ model: anthropic("claude-sonnet-4-5"), prompt: "Go", ...quiet });
  const seen = await watch(result.stream);
  expect(seen.thrown).toBeUndefined();
  expect(seen.errors).toEqual([]);
  expect(seen.deltas.length).toBeGreaterThanOrEqual(4);
  expect(seen.deltas).toEqual(splitText(LONG));
  expect(await result.usage).toMatchObject({ inputTokens: 5, outputTokens: 21 });
  expect(await result.finishReason).toBe("stop");
  expect(fake.requests[0]?.body?.stream).toBe(true);
});

// Models with native structured outputs get `output_config.format`; older ones the provider's
// fallback, a forced "json" tool whose input the fake streams as input_json_delta events.
describe.each([
  { model: "claude-sonnet-4-5-20250929", mode: "output_format" },
  { model: "claude-sonnet-4-20250514", mode: "json_tool" },
])("structured output on $model ($mode)", ({ model, mode }) => {
  // The JSON comes as the json tool's input (stop_reason tool_use), or as plain text.
  const stopReason = mode === "json_tool" ? "tool_use" : "end_turn";
  const checkRequest = () => {
    const [request] = fake.requests;
    expect(request?.structuredOutput).toBe(mode);
    expect(request?.schema).toMatchObject({
      type: "object",
      properties: { title: { type: "string" }, steps: { type: "array" }, minutes: {} },
      required: ["title", "steps", "minutes"],
    });
    if (mode === "output_format") {
      expect(request?.body?.output_config?.format?.type).toBe("json_schema");
      expect(request?.body?.tools).toBeUndefined();
    } else {
      expect(request?.body?.tools?.map((t) => t.name)).toEqual(["json"]);
      expect(request?.body?.tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
      expect(request?.body?.output_config).toBeUndefined();
    }
  };

  test("streamText yields growing partial objects, then one that validates", async () => {
    fake.script({ json: RECIPE });
    const output = Output.object({ schema: recipe });
    const result = streamText({ model: anthropic(model), output, prompt: "Bread", ...quiet });
    const partials: unknown[] = [];
    for await (const partial of result.partialOutputStream) partials.push(partial);
    expect(partials.length).toBeGreaterThanOrEqual(4);
    const sizes = partials.map((p) => JSON.stringify(p).length);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThan(sizes[i - 1]!);
    expect(partials[0]).not.toHaveProperty("steps");
    expect(partials.at(-1)).toEqual(RECIPE);
    expect(recipe.parse(await result.output)).toEqual(RECIPE);
    expect(await result.finishReason).toBe("stop");
    expect(await result.rawFinishReason).toBe(stopReason);
    checkRequest();
  });

  test("generateText parses the JSON reply", async () => {
    fake.script({ json: RECIPE });
    const output = Output.object({ schema: recipe });
    const result = await generateText({ model: anthropic(model), output, prompt: "Bread" });
    expect(result.output).toEqual(RECIPE);
    expect(result.finishReason).toBe("stop");
    expect(result.rawFinishReason).toBe(stopReason);
    checkRequest();
  });
});

test.each([
  [429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"],
  [529, "overloaded_error", "Overloaded"],
  [500, "api_error", "Internal server error"],
])(
  "HTTP %i surfaces as an APICallError with Anthropic's %s body",
  async (status, type, message) => {
    fake.script({ error: { status, message } });
    const error = await failure(anthropic("claude-sonnet-4-5"));
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: status, message, isRetryable: true });
    expect((error as APICallError).data).toMatchObject({ type: "error", error: { type, message } });

    fake.script({ error: { status, message } });
    const seen = await watch(
      streamText({ model: anthropic("claude-sonnet-4-5"), prompt: "hi", ...quiet }).stream,
    );
    expect(seen.deltas).toEqual([]);
    expect(seen.errors).toMatchObject([{ statusCode: status }]);
  },
);

test("a 400 is not retried; a retried 529 takes the next scripted reply", async () => {
  fake.script({ error: { status: 400, message: "max_tokens: too large" } });
  const bad = await failure(anthropic("claude-sonnet-4-5"));
  expect(bad).toMatchObject({ statusCode: 400, isRetryable: false });
  expect((bad as APICallError).data).toMatchObject({ error: { type: "invalid_request_error" } });

  fake.reset();
  const retryAfter = { "retry-after": "0" };
  fake.script(
    { error: { status: 529, message: "Overloaded", headers: retryAfter } },
    { text: "second time lucky" },
  );
  const model = anthropic("claude-sonnet-4-5");
  const result = await generateText({ model, prompt: "hi", maxRetries: 1 });
  expect(result.text).toBe("second time lucky");
  expect(fake.requests).toHaveLength(2);
  expect(fake.pending()).toBe(0);
});

test("mid-stream failures come after the deltas sent: error event, dropped socket", async () => {
  const stream = () =>
    watch(streamText({ model: anthropic("claude-sonnet-4-5"), prompt: "hi", ...quiet }).stream);
  fake.script({ text: LONG, failAfterChunks: 3, failWith: { message: "Overloaded" } });
  const failed = await stream();
  expect(failed.deltas).toEqual(splitText(LONG).slice(0, 3));
  expect(failed.errors).toHaveLength(1);
  expect((failed.errors[0] as Error).message).toContain("Overloaded");

  fake.script({ text: LONG, failAfterChunks: 2 });
  const dropped = await stream();
  expect(dropped.deltas).toEqual(splitText(LONG).slice(0, 2));
  expect(dropped.thrown ?? dropped.errors[0]).toBeInstanceOf(Error);
});

test("a wrong or missing key is Anthropic's 401; the key sent is recorded", async () => {
  const wrong = createAnthropic({ baseURL: fake.url, apiKey: "sk-ant-wrong-99999999" });
  const error = await failure(wrong("claude-sonnet-4-5"));
  expect(APICallError.isInstance(error)).toBe(true);
  expect(error).toMatchObject({
    statusCode: 401,
    isRetryable: false,
    message: "invalid x-api-key",
  });
  expect((error as APICallError).data).toEqual({
    type: "error",
    error: { type: "authentication_error", message: "invalid x-api-key" },
  });
  expect(fake.requests[0]?.apiKey).toBe("sk-ant-wrong-99999999");
  const anonymous = await fetch(`${fake.url}/models`, {
    headers: { "anthropic-version": "2023-06-01" },
  });
  expect(anonymous.status).toBe(401);
  expect((await anonymous.json()).error.message).toBe("x-api-key header is required");
  const unversioned = await fetch(`${fake.url}/models`, { headers: { "x-api-key": KEY } });
  expect(unversioned.status).toBe(400);
  expect((await unversioned.json()).error.type).toBe("invalid_request_error");
});

test("with strictModels, a model neither listed nor an alias of one is a 404", async () => {
  const models = ["claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022"];
  const own = await startFakeAnthropic({ strictModels: true, models });
  const model = createAnthropic({ baseURL: own.url, apiKey: "any" });
  for (const alias of ["claude-sonnet-4-5", "claude-3-5-haiku-latest", models[0]!])
    expect((await generateText({ model: model(alias), prompt: "hi" })).text).toContain("fake");
  const error = await failure(model("gpt-4.1-mini"));
  expect(error).toMatchObject({
    statusCode: 404,
    isRetryable: false,
    message: "model: gpt-4.1-mini",
  });
  expect((error as APICallError).data).toMatchObject({ error: { type: "not_found_error" } });
  await own.close();
});

test("GET /v1/models pages through the models in Anthropic's shape", async () => {
  const get = (path: string) =>
    fetch(`${fake.url}${path}`, {
      headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01" },
    });
  const all = await (await get("/models?limit=100")).json();
  expect(all).toMatchObject({ has_more: false, first_id: MODELS[0], last_id: MODELS[2] });
  expect(all.data.map((m: { id: string }) => m.id)).toEqual(MODELS);
  expect(all.data[0]).toEqual({
    type: "model",
    id: "claude-sonnet-4-5-20250929",
    display_name: "Claude Sonnet 4.5",
    created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  expect(all.data[2].display_name).toBe("Claude 3.5 Haiku Latest");
  const first = await (await get("/models?limit=2")).json();
  expect(first).toMatchObject({ has_more: true, last_id: MODELS[1] });
  const next = await (await get(`/models?limit=2&after_id=${first.last_id}`)).json();
  expect(next.data.map((m: { id: string }) => m.id)).toEqual([MODELS[2]]);
});

test("`when` keeps concurrent callers' replies apart; close ends hanging requests", async () => {
  fake.script(
    { text: "for alice", when: (r) => r.prompt.includes("alice"), firstTokenDelayMs: 100 },
    { text: "for bob", when: (r) => r.prompt.includes("bob") },
  );
  fake.setDefault((request) => ({ text: `echo: ${request.prompt}` }));
  const ask = (prompt: string) => generateText({ model: anthropic("claude-sonnet-4-5"), prompt });
  const answers = await Promise.all([ask("bob"), ask("alice"), ask("carol")]);
  expect(answers.map((a) => a.text)).toEqual(["for bob", "for alice", "echo: carol"]);

  const own = await startFakeAnthropic();
  own.script({ hang: true });
  const settled = failure(
    createAnthropic({ baseURL: own.url, apiKey: "any" })("claude-sonnet-4-5"),
  );
  await expect.poll(() => own.requests.length).toBe(1);
  await own.close();
  expect(await settled).toBeInstanceOf(Error);
  await own.close();
});
