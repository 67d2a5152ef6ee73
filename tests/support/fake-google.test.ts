import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { APICallError, generateText, Output, streamText } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { type FakeGoogle, startFakeGoogle } from "./fake-google";
import { splitText } from "./fake-openai-streams";

// The fake is driven by the real @ai-sdk/google client, so what passes here is what the
// provider sends to and accepts from the Gemini API.

const KEY = "AIza-test-0123456789abcdefghij";
let fake: FakeGoogle;
let google: ReturnType<typeof createGoogleGenerativeAI>;

beforeAll(async () => {
  fake = await startFakeGoogle({
    apiKey: KEY,
    models: ["gemini-2.5-flash", { id: "gemini-2.5-pro", displayName: "Gemini 2.5 Pro" }],
  });
  google = createGoogleGenerativeAI({ baseURL: fake.url, apiKey: KEY });
});
beforeEach(() => {
  fake.reset();
  fake.setDefault({ text: "Hello from the fake Gemini." });
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
const flash = () => google("gemini-2.5-flash");

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
const stream = (model = flash()) => watch(streamText({ model, prompt: "hi", ...quiet }).stream);
const failure = (model = flash()) =>
  generateText({ model, prompt: "hi", ...quiet }).catch((e: unknown) => e);

describe("generateContent", () => {
  test("generateText gets the text and usage; the request is Gemini's shape", async () => {
    fake.script({ text: "Glazes need a second firing.", usage: { input: 12, output: 7 } });
    const result = await generateText({
      model: flash(),
      system: "You are terse.",
      prompt: "Tell me a fact",
    });
    expect(result.text).toBe("Glazes need a second firing.");
    expect(result.finishReason).toBe("stop");
    expect(result.usage).toMatchObject({ inputTokens: 12, outputTokens: 7, totalTokens: 19 });
    const [request] = fake.requests;
    expect(request).toMatchObject({
      method: "POST",
      path: "/v1beta/models/gemini-2.5-flash:generateContent",
      api: "generateContent",
      model: "gemini-2.5-flash",
      apiKey: KEY,
      system: "You are terse.",
      prompt: "You are terse.\nTell me a fact",
      body: {
        contents: [{ role: "user", parts: [{ text: "Tell me a fact" }] }],
        systemInstruction: { parts: [{ text: "You are terse." }] },
      },
    });
    expect(request?.headers["x-goog-api-key"]).toBe(KEY);
    expect(request?.headers.authorization).toBeUndefined();
  });

  test("generateText with Output.object sends the JSON mime type and schema", async () => {
    fake.script({ json: RECIPE });
    const output = Output.object({ schema: recipe });
    const result = await generateText({ model: flash(), output, prompt: "Bread" });
    expect(result.output).toEqual(RECIPE);
    const config = fake.requests[0]?.body?.generationConfig;
    expect(config?.responseMimeType).toBe("application/json");
    expect(config?.responseJsonSchema).toMatchObject({
      type: "object",
      required: ["title", "steps", "minutes"],
    });
  });

  test("a finishReason other than STOP is reported", async () => {
    fake.script({ text: "Cut off mid", finishReason: "MAX_TOKENS" });
    expect((await generateText({ model: flash(), prompt: "hi" })).finishReason).toBe("length");
  });
});

describe("streamGenerateContent", () => {
  test("streamText receives the text as several deltas over SSE, then usage", async () => {
    fake.script({ text: LONG, usage: { input: 5, output: 17 } });
    const result = streamText({ model: google("gemini-2.5-pro"), prompt: "Write", ...quiet });
    const seen = await watch(result.stream);
    expect(seen.thrown).toBeUndefined();
    expect(seen.deltas.length).toBeGreaterThanOrEqual(4);
    expect(seen.deltas).toEqual(splitText(LONG));
    expect(await result.usage).toMatchObject({ inputTokens: 5, outputTokens: 17 });
    expect(await result.finishReason).toBe("stop");
    expect(fake.requests[0]).toMatchObject({
      path: "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
      query: { alt: "sse" },
      api: "streamGenerateContent",
    });
  });

  test("streamText with Output.object yields growing partial objects, then a valid one", async () => {
    fake.script({ json: RECIPE });
    const output = Output.object({ schema: recipe });
    const result = streamText({ model: flash(), output, prompt: "Bread", ...quiet });
    const partials: unknown[] = [];
    for await (const partial of result.partialOutputStream) partials.push(partial);
    expect(partials.length).toBeGreaterThanOrEqual(4);
    const sizes = partials.map((p) => JSON.stringify(p).length);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThan(sizes[i - 1]!);
    expect(partials[0]).not.toHaveProperty("steps");
    expect(partials.at(-1)).toEqual(RECIPE);
    expect(recipe.parse(await result.output)).toEqual(RECIPE);
    const [request] = fake.requests;
    expect(request?.body?.generationConfig?.responseMimeType).toBe("application/json");
    expect(request?.schema).toMatchObject({
      type: "object",
      properties: { title: { type: "string" }, steps: { type: "array" }, minutes: {} },
      required: ["title", "steps", "minutes"],
    });
  });

  test("the SSE frames: each a GenerateContentResponse, the last with finishReason and usage", async () => {
    fake.script({ chunks: ["Hel", "lo"], usage: { input: 3, output: 2 } });
    const response = await fetch(
      `${fake.url}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      {
        method: "POST",
        headers: { "x-goog-api-key": KEY, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
      },
    );
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const raw = await response.text();
    expect(raw.endsWith("\r\n\r\n")).toBe(true);
    const chunks = raw
      .split("\r\n\r\n")
      .filter(Boolean)
      .map((f) => JSON.parse(f.replace(/^data: /, "")));
    expect(chunks.map((c) => c.candidates[0].content.parts[0].text)).toEqual(["Hel", "lo"]);
    expect(chunks[0].candidates[0].finishReason).toBeUndefined();
    expect(chunks[1]).toMatchObject({
      candidates: [{ content: { role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
      modelVersion: "gemini-2.5-flash",
      responseId: chunks[0].responseId,
    });
  });

  test("firstTokenDelayMs holds back the first delta; chunkDelayMs spaces the rest", async () => {
    fake.script({ text: LONG, firstTokenDelayMs: 300, chunkDelayMs: 40 });
    const seen = await stream();
    expect(seen.at[0]).toBeGreaterThanOrEqual(0.8 * 300);
    expect(seen.at.at(-1)! - seen.at[0]!).toBeGreaterThanOrEqual(
      0.8 * 40 * (seen.deltas.length - 1),
    );
  });

  test("an error chunk after some text arrives as an error part with Google's status", async () => {
    const failWith = { message: "The model is overloaded. Please try again later.", status: 503 };
    fake.script({ text: LONG, failAfterChunks: 2, failWith });
    const seen = await stream();
    expect(seen.deltas).toEqual(splitText(LONG).slice(0, 2));
    expect(seen.errors).toMatchObject([
      { message: failWith.message, statusCode: 503, type: "UNAVAILABLE", isRetryable: true },
    ]);
  });
});

describe("errors in Google's shape", () => {
  test.each([
    [429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", true],
    [500, "INTERNAL", "An internal error has occurred.", true],
    [503, "UNAVAILABLE", "The model is overloaded. Please try again later.", true],
    [400, "FAILED_PRECONDITION", "User location is not supported for the API use.", false],
  ])(
    "a scripted %i surfaces as an APICallError with its status",
    async (status, statusText, message, retryable) => {
      fake.script({ error: { status, message, ...(status === 400 && { statusText }) } });
      const error = await failure();
      expect(APICallError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ statusCode: status, message, isRetryable: retryable });
      expect((error as APICallError).data).toEqual({
        error: { code: status, message, status: statusText },
      });

      fake.script({ error: { status, message } });
      expect((await stream()).errors).toMatchObject([{ statusCode: status }]);
    },
  );

  test("a wrong key is Google's 400 API_KEY_INVALID; no key at all is a 403", async () => {
    const wrong = createGoogleGenerativeAI({ baseURL: fake.url, apiKey: "AIza-wrong-key" });
    const error = (await failure(wrong("gemini-2.5-flash"))) as APICallError;
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect(error.message).toBe("API key not valid. Please pass a valid API key.");
    expect(error.responseBody).toContain('"reason":"API_KEY_INVALID"');
    expect(error.responseBody).toContain('"status":"INVALID_ARGUMENT"');
    expect(fake.requests[0]?.apiKey).toBe("AIza-wrong-key");

    const anonymous = await fetch(`${fake.url}/models`);
    expect(anonymous.status).toBe(403);
    expect((await anonymous.json()).error).toMatchObject({
      code: 403,
      status: "PERMISSION_DENIED",
    });
    expect((await fetch(`${fake.url}/models?key=${KEY}`)).status).toBe(200);
    expect(fake.pending()).toBe(0);
  });

  test("an unknown model, or one without generateContent, is a 404", async () => {
    const error = await failure(google("gemini-9-ultra"));
    expect(error).toMatchObject({ statusCode: 404 });
    expect((error as APICallError).message).toMatch(/^models\/gemini-9-ultra is not found/);
  });

  test("unknown request fields and a schema without the JSON mime type are refused", async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${fake.url}/models/gemini-2.5-flash:generateContent`, {
        method: "POST",
        headers: { "x-goog-api-key": KEY, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }], ...body }),
      });
    const messageOf = async (r: Response) =>
      ((await r.json()) as { error: { message: string } }).error.message;
    const extra = await post({ response_format: { type: "json" } });
    expect(extra.status).toBe(400);
    expect(await messageOf(extra)).toMatch(/Unknown name "response_format": Cannot find field/);
    const loose = await post({ generationConfig: { responseJsonSchema: { type: "object" } } });
    expect(await messageOf(loose)).toMatch(/response_mime_type/);
    const role = await post({ contents: [{ role: "assistant", parts: [{ text: "x" }] }] });
    expect(await messageOf(role)).toBe("Please use a valid role: user, model.");
    expect((await post({ contents: [] })).status).toBe(400);
  });
});

test("`when` keeps concurrent callers' replies apart; the default answers the rest", async () => {
  fake.script(
    { text: "for alice", when: (r) => r.prompt.includes("alice"), firstTokenDelayMs: 100 },
    { text: "for bob", when: (r) => r.prompt.includes("bob") },
  );
  fake.setDefault((request) => ({ text: `echo: ${request.prompt}` }));
  const ask = (prompt: string) => generateText({ model: flash(), prompt });
  const [bob, alice, carol] = await Promise.all([ask("bob"), ask("alice"), ask("carol")]);
  expect([bob.text, alice.text, carol.text]).toEqual(["for bob", "for alice", "echo: carol"]);
  expect(fake.pending()).toBe(0);
});

test("GET /v1beta/models lists the models in Google's shape", async () => {
  const response = await fetch(`${fake.url}/models?pageSize=200`, {
    headers: { "x-goog-api-key": KEY },
  });
  expect(response.status).toBe(200);
  const { models } = (await response.json()) as { models: Record<string, unknown>[] };
  expect(models.map((m) => [m.name, m.displayName])).toEqual([
    ["models/gemini-2.5-flash", "Gemini 2.5 Flash"],
    ["models/gemini-2.5-pro", "Gemini 2.5 Pro"],
  ]);
  expect(models[0]).toMatchObject({
    supportedGenerationMethods: expect.arrayContaining(["generateContent", "countTokens"]),
    inputTokenLimit: expect.any(Number),
    outputTokenLimit: expect.any(Number),
  });
  const own = await startFakeGoogle();
  const listed = await (await fetch(`${own.url}/models?key=any`)).json();
  const embedder = listed.models.find((m: { name: string }) => m.name.includes("embedding"));
  expect(embedder.supportedGenerationMethods).not.toContain("generateContent");
  own.script({ hang: true });
  const settled = failure(
    createGoogleGenerativeAI({ baseURL: own.url, apiKey: "k" })("gemini-2.5-flash"),
  );
  await expect.poll(() => own.requests.length).toBe(2);
  await own.close();
  expect(await settled).toBeInstanceOf(Error);
});
