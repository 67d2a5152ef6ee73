import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeAnthropic, startFakeAnthropic } from "../support/fake-anthropic";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { fragmentStates, readUiStream, uiStreamHeaders } from "../support/ui-stream";
import { suiteEnv } from "./global-setup";

// Kiln with Anthropic as its only provider, against a fake speaking Anthropic's Messages API as
// @ai-sdk/anthropic uses it: model listing, streamed fragments (both ways the provider asks for
// structured output), provider failures and morph edits.

const serverKey = "sk-ant-test-server-held-0123456789";
/** Sonnet 4.5 gets native structured output (output_config.format); Sonnet 4 the "json" tool. */
const MODELS = ["claude-sonnet-4-5-20250929", "claude-sonnet-4-20250514"];
const helloFragment = {
  commentary: "A page that greets you.",
  template: "static-html",
  title: "Hello page",
  description: "A static page that says hello.",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: 8000,
  file_path: "index.html",
  code: `<!doctype html>\n<html><body><h1>Hello from Kiln</h1>${"<p>padding</p>".repeat(20)}</body></html>`,
};
/** What a model following the output schema sends: every field, `files` included. */
const output = (fragment: Record<string, unknown>) => ({ files: [], ...fragment });

let fake: FakeAnthropic;
let kiln: KilnServer;
beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: serverKey, models: MODELS, strictModels: true });
  kiln = await startKiln({
    env: { ...suiteEnv, ANTHROPIC_API_KEY: serverKey, ANTHROPIC_BASE_URL: fake.url },
  });
});
afterAll(async () => {
  await kiln?.stop();
  await fake?.close();
});

const say = (content: string) => ({ messages: [{ role: "user", content }] });
/** A marker in the prompt, so that this test's scripted reply goes to this test's request. */
const mine = (marker: string) => (r: { prompt: string }) => r.prompt.includes(marker);

test("GET /api/models lists the fake's models as Anthropic's, asked for with the server's key", async () => {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  const response = await browser.fetch("/api/models");
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({
    models: [
      {
        id: "claude-sonnet-4-5-20250929",
        name: "Claude Sonnet 4.5",
        provider: "anthropic",
        providerName: "Anthropic",
        structuredOutput: true,
        keySource: "server",
      },
      expect.objectContaining({ id: "claude-sonnet-4-20250514", name: "Claude Sonnet 4" }),
    ],
    providers: [{ provider: "anthropic", keySource: "server", status: "ok" }],
  });
  const listing = fake.requests.find((r) => r.api === "models");
  expect(listing).toMatchObject({ method: "GET", path: "/v1/models", apiKey: serverKey });
  expect(listing?.headers["anthropic-version"]).toBe("2023-06-01");
});

describe("POST /api/chat", () => {
  test.each([
    { model: MODELS[0]!, mechanism: "output_format" },
    { model: MODELS[1]!, mechanism: "json_tool" },
  ])(
    "on $model ($mechanism): a growing fragment, then the validated one",
    async ({ model, mechanism }) => {
      const browser = new TestClient(kiln.url);
      await browser.signUp();
      const marker = `greet-${mechanism}`;
      fake.script({ when: mine(marker), json: output(helloFragment), chunkDelayMs: 3 });
      const response = await browser.fetch("/api/chat", {
        method: "POST",
        headers: uiStreamHeaders,
        json: {
          ...say(`Make a page that greets me ${marker}`),
          template: "static-html",
          model: { id: model, providerId: "anthropic" },
        },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const chatId = response.headers.get("x-chat-id");
      const chunks = await readUiStream(response);
      expect(chunks.at(-1)).toMatchObject({ type: "finish" });
      const states = fragmentStates(chunks);
      const streaming = states.filter((s) => s.status === "streaming");
      expect(streaming.length).toBeGreaterThanOrEqual(3);
      const lengths = streaming.map((s) => String(s.fragment?.code ?? "").length);
      expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
      expect(states.at(-1)).toEqual({ status: "done", fragment: helloFragment });
      expect(states.filter((s) => s.status === "done")).toHaveLength(1);

      const requests = fake.requests.filter(mine(marker));
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request).toMatchObject({ path: "/v1/messages", apiKey: serverKey });
      expect(request?.body).toMatchObject({ model, stream: true });
      expect(request?.headers["anthropic-version"]).toBe("2023-06-01");
      expect(JSON.stringify(request?.body?.system)).toContain("You are Kiln's app builder");
      expect(request?.prompt).toContain("static-html");
      expect(request?.structuredOutput).toBe(mechanism);
      expect(request?.schema).toMatchObject({
        type: "object",
        required: expect.arrayContaining(["code", "file_path", "files", "template"]),
      });

      const detail = (await (await browser.fetch(`/api/chats/${chatId}`)).json()) as {
        messages: { role: string; status: string; fragment: unknown }[];
      };
      expect(detail.messages.map((m) => [m.role, m.status])).toEqual([
        ["user", "complete"],
        ["assistant", "complete"],
      ]);
      expect(detail.messages[1]?.fragment).toEqual(helloFragment);
    },
  );

  test("with Accept: application/json and no model named: the server's default Claude", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    fake.script({ when: mine("json-default"), json: output(helloFragment) });
    const response = await browser.fetch("/api/chat", {
      method: "POST",
      headers: { accept: "application/json" },
      json: say("json-default"),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ fragment: helloFragment });
    const request = fake.requests.find(mine("json-default"));
    expect(request?.body?.model).toBe("claude-sonnet-4-5");
    expect(request?.structuredOutput).toBe("output_format");
  });

  test("a provider 500 before any output is a 502 provider_error with the provider's words", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const error = {
      status: 500,
      message: `Internal server error near ${serverKey}`,
      headers: { "retry-after": "0" },
    };
    fake.script({ when: mine("boom"), error }, { when: mine("boom"), error });
    const response = await browser.fetch("/api/chat", {
      method: "POST",
      json: { ...say("boom"), model: { id: MODELS[0], providerId: "anthropic" } },
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { message: string; code: string };
    expect(body.code).toBe("provider_error");
    expect(body.message).toMatch(/^The model provider failed \(HTTP 500\): Internal server error/);
    expect(body.message).not.toContain(serverKey);
    expect(kiln.output()).not.toContain(serverKey);
    expect(fake.requests.filter(mine("boom"))).toHaveLength(2);
  });
});

describe("POST /api/chat/morph-chat", () => {
  const counter = {
    commentary: "A counter.",
    template: "node-server",
    title: "Counter",
    description: "Counts requests.",
    additional_dependencies: [],
    has_additional_dependencies: false,
    install_dependencies_command: "",
    port: 3000,
    file_path: "index.js",
    code: 'const express = require("express");\nconst app = express();\nlet count = 0;\napp.get("/", (req, res) => res.send("count " + ++count));\napp.listen(3000, "0.0.0.0");\n',
  };
  const edit = (search: string, replace: string) => ({
    commentary: "Counts by two now.",
    edits: [{ file_path: "index.js", search, replace }],
    title: null,
    description: null,
    additional_dependencies: null,
  });

  test.each(MODELS)("applies the edits %s sends", async (model) => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const marker = `morph-${model}`;
    fake.script({ when: mine(marker), json: edit("++count", "count += 2") });
    const response = await browser.fetch("/api/chat/morph-chat", {
      method: "POST",
      json: {
        ...say(`Count by two ${marker}`),
        currentFragment: counter,
        model: { id: model, providerId: "anthropic" },
      },
    });
    expect(response.status).toBe(200);
    const updated = (await response.json()) as typeof counter;
    expect(updated.code).toContain("count += 2");
    expect(updated.code).not.toContain("++count");
    expect(updated).toMatchObject({
      commentary: "Counts by two now.",
      title: "Counter",
      port: 3000,
    });
    const request = fake.requests.find(mine(marker));
    expect(request).toMatchObject({ apiKey: serverKey, body: { model } });
    expect(request?.body?.stream).toBeUndefined();
    expect(request?.prompt).toContain("++count");
    expect(request?.schema).toMatchObject({ required: expect.arrayContaining(["edits"]) });
  });
});
