import { APICallError, Output, simulateReadableStream } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { type ModelStreamPart, retryDelayMs, streamModel } from "./stream-model";

// One streamed model call against AI SDK mock models: the parts Kiln reads, the prompt and
// settings the provider gets, and streamText's one retry of a retryable failure.

const usage = {
  inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 3, text: 3, reasoning: 0 },
};
const ask = [{ role: "user" as const, content: "2+2?" }];
const output = Output.object({ schema: z.object({ answer: z.string() }) });

function answering(...deltas: string[]) {
  return {
    stream: simulateReadableStream({
      chunks: [
        { type: "stream-start" as const, warnings: [] },
        { type: "text-start" as const, id: "t" },
        ...deltas.map((delta) => ({ type: "text-delta" as const, id: "t", delta })),
        { type: "text-end" as const, id: "t" },
        { type: "finish" as const, finishReason: { unified: "stop" as const, raw: "stop" }, usage },
      ],
    }),
  };
}

const failure = (status: number, headers: Record<string, string> = {}) =>
  new APICallError({
    message: `HTTP ${status}`,
    url: "http://model.test/v1/chat/completions",
    requestBodyValues: {},
    statusCode: status,
    responseHeaders: headers,
  });

async function collect(parts: AsyncGenerator<ModelStreamPart>) {
  const out: ModelStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

describe("streamModel", () => {
  test("passes text as it comes and ends with the usage", async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => answering('{"ans', 'wer":"4"}'),
    });
    const parts = await collect(
      streamModel({
        model,
        system: "Answer in JSON.",
        messages: [{ role: "user", content: "2+2?" }],
        output,
        settings: { temperature: 0.2, maxOutputTokens: 50 },
      }),
    );
    expect(parts.filter((p) => p.type === "text-delta").map((p) => p.text)).toEqual([
      '{"ans',
      'wer":"4"}',
    ]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      usage: { inputTokens: 12, outputTokens: 3 },
    });
    const call = model.doStreamCalls[0];
    expect(call?.prompt).toEqual([
      { role: "system", content: "Answer in JSON." },
      { role: "user", content: [{ type: "text", text: "2+2?" }] },
    ]);
    expect(call?.responseFormat).toMatchObject({ type: "json", schema: { type: "object" } });
    expect(call).toMatchObject({ temperature: 0.2, maxOutputTokens: 50 });
  });

  test("retries a retryable failure once, after the delay the provider asked for", async () => {
    let calls = 0;
    const model = new MockLanguageModelV3({
      doStream: async () => {
        calls++;
        if (calls === 1) throw failure(503, { "retry-after-ms": "5" });
        return answering("{}");
      },
    });
    const parts = await collect(streamModel({ model, system: "", messages: ask, output }));
    expect(calls).toBe(2);
    expect(parts.some((p) => p.type === "error")).toBe(false);
  });

  test("a second failure, or one that is not retryable, is an error part", async () => {
    for (const [status, expected] of [
      [500, 2],
      [400, 1],
    ] as const) {
      let calls = 0;
      const model = new MockLanguageModelV3({
        doStream: async () => {
          calls++;
          throw failure(status, { "retry-after": "0" });
        },
      });
      const parts = await collect(streamModel({ model, system: "", messages: ask, output }));
      expect(calls).toBe(expected);
      expect(parts).toHaveLength(1);
      expect(parts[0]?.type).toBe("error");
      expect(APICallError.isInstance((parts[0] as { error: unknown }).error)).toBe(true);
    }
  });

  test("an abort during the retry's wait ends the call at once", async () => {
    const abort = new AbortController();
    let calls = 0;
    const model = new MockLanguageModelV3({
      doStream: async () => {
        calls++;
        setTimeout(() => abort.abort(), 10);
        throw failure(503, { "retry-after": "30" });
      },
    });
    const started = Date.now();
    const parts = await collect(
      streamModel({ model, system: "", messages: ask, output, abortSignal: abort.signal }),
    );
    expect(calls).toBe(1);
    expect(parts[0]?.type).toBe("error");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("the delay: the provider's retry-after within a minute, else 2 s doubling", () => {
    expect(retryDelayMs(failure(429, { "retry-after-ms": "1500" }), 0)).toBe(1500);
    expect(retryDelayMs(failure(429, { "retry-after": "3" }), 0)).toBe(3000);
    expect(retryDelayMs(failure(429, { "retry-after": "3600" }), 0)).toBe(2000);
    expect(retryDelayMs(failure(500), 1)).toBe(4000);
    expect(retryDelayMs(new Error("socket hang up"), 0)).toBe(2000);
  });
});
