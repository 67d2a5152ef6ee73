import { simulateReadableStream } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, test } from "vitest";
import type { LlmCallRecord } from "@/lib/ai/llm-calls";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";
import { startFragment, validate } from "./fragment-stream";

// The fragment stream against AI SDK mock models: partials in order, validation at the end, one
// repair, and provider failures before and after the first token.

const fragment = {
  commentary: "A tiny API.",
  template: "node-server",
  title: "Tiny API",
  description: "Answers with JSON.",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: 3000,
  file_path: "index.js",
  code: 'const express = require("express");\nconst app = express();\napp.get("/", (_req, res) => res.json({ ok: true }));\napp.listen(3000, "0.0.0.0");\n',
  files: [],
};

const usage = {
  inputTokens: { total: 120, noCache: 120, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 80, text: 80, reasoning: 0 },
};

function streaming(text: string, size = 12) {
  const deltas: string[] = [];
  for (let i = 0; i < text.length; i += size) deltas.push(text.slice(i, i + size));
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

function setup(model: MockLanguageModelV3) {
  const calls: LlmCallRecord[] = [];
  const resolved: ResolvedModel = {
    model,
    provider: "openai-compatible",
    modelId: "mock",
    keySource: "server",
    isServerCall: true,
    settings: {},
  };
  const start = (template?: string) =>
    startFragment({
      resolved,
      template,
      system: "write a fragment",
      messages: [{ role: "user", content: "build" }],
      record: { userId: null, chatId: null },
      recordCall: async (call) => {
        calls.push(call);
      },
      throttleMs: 0,
    });
  return { calls, start };
}

async function drain(run: Awaited<ReturnType<ReturnType<typeof setup>["start"]>>) {
  const partials: Record<string, unknown>[] = [];
  for await (const partial of run.partials()) partials.push(partial);
  return { partials, outcome: await run.outcome() };
}

describe("startFragment", () => {
  test("partials grow in order and the final fragment validates", async () => {
    const { start, calls } = setup(
      new MockLanguageModelV3({ doStream: streaming(JSON.stringify(fragment)) }),
    );
    const { partials, outcome } = await drain(await start());
    expect(partials.length).toBeGreaterThan(10);
    const sizes = partials.map((p) => JSON.stringify(p).length);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(partials.at(-1)).toEqual(fragment);
    const { files: _files, ...expected } = fragment;
    expect(outcome).toEqual({ ok: true, fragment: expected });
    expect(calls).toEqual([
      expect.objectContaining({
        purpose: "chat",
        outcome: "ok",
        inputTokens: 120,
        outputTokens: 80,
      }),
    ]);
  });

  test("output that does not validate gets one repair; a good repair is the fragment", async () => {
    const model = new MockLanguageModelV3({
      doStream: streaming(JSON.stringify({ ...fragment, port: 99999 })),
      doGenerate: {
        content: [{ type: "text", text: JSON.stringify(fragment) }],
        finishReason: { unified: "stop", raw: "stop" },
        usage,
        warnings: [],
      },
    });
    const { start, calls } = setup(model);
    const { outcome } = await drain(await start());
    expect(outcome.ok).toBe(true);
    expect(calls.map((c) => [c.purpose, c.outcome])).toEqual([
      ["chat", "invalid_output"],
      ["chat_repair", "ok"],
    ]);
    const repairPrompt = JSON.stringify(model.doGenerateCalls[0]?.prompt);
    expect(repairPrompt).toContain("did not validate");
    expect(repairPrompt).toContain("port");
  });

  test("a repair that fails too leaves no fragment, only the reason", async () => {
    const bad = JSON.stringify({ ...fragment, template: "node-server", file_path: "/etc/passwd" });
    const model = new MockLanguageModelV3({
      doStream: streaming(bad),
      doGenerate: {
        content: [{ type: "text", text: bad }],
        finishReason: { unified: "stop", raw: "stop" },
        usage,
        warnings: [],
      },
    });
    const { outcome } = await drain(await setup(model).start());
    expect(outcome).toEqual({
      ok: false,
      outcome: "invalid_output",
      reason: expect.stringMatching(/^the model's output is not a valid fragment \(file_path: /),
    });
  });

  test("a fragment on another template than the chosen one does not count", () => {
    expect(validate(JSON.stringify(fragment), "static-html")).toMatchObject({
      ok: false,
      reason: 'the model\'s output uses the template "node-server", not the chosen "static-html"',
    });
  });

  test("a provider that fails before any output is a 502 KilnError, recorded", async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => {
        throw new Error("connection refused");
      },
    });
    const { start, calls } = setup(model);
    const error = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KilnError);
    expect((error as KilnError).status).toBe(502);
    expect((error as KilnError).message).toBe("The model provider failed: connection refused");
    expect(calls).toEqual([expect.objectContaining({ outcome: "provider_error" })]);
  });

  test("a stream that breaks after it started ends as a failure, never as done", async () => {
    const text = JSON.stringify(fragment);
    const model = new MockLanguageModelV3({
      doStream: {
        stream: simulateReadableStream({
          chunks: [
            { type: "stream-start" as const, warnings: [] },
            { type: "text-start" as const, id: "t" },
            { type: "text-delta" as const, id: "t", delta: text.slice(0, 40) },
            { type: "error" as const, error: new Error("upstream reset") },
          ],
        }),
      },
    });
    const { partials, outcome } = await drain(await setup(model).start());
    expect(partials.length).toBeGreaterThan(0);
    expect(outcome).toEqual({
      ok: false,
      outcome: "provider_error",
      reason: "the model provider failed: upstream reset",
    });
  });
});
