import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeGoogle, startFakeGoogle } from "../support/fake-google";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { fragmentStates, readUiStream, uiStreamHeaders } from "../support/ui-stream";
import { suiteEnv } from "./global-setup";

// Kiln on Google Gemini: /api/models, /api/chat and /api/chat/morph-chat against a fake Gemini
// API speaking the real protocol (tests/support/fake-google.ts).

const serverKey = "AIza-test-server-held-0123456789";
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
  code: `<!doctype html>\n<html><body><h1>Hello from Gemini</h1>${"<p>padding</p>".repeat(20)}</body></html>`,
};
/** What a model following the output schema sends: every field, `files` included. */
const output = (fragment: Record<string, unknown>) => ({ files: [], ...fragment });
const gemini = { id: "gemini-2.5-flash", providerId: "google" };

let fake: FakeGoogle;
let kiln: KilnServer;
beforeAll(async () => {
  fake = await startFakeGoogle({
    apiKey: serverKey,
    models: [
      "gemini-2.5-flash",
      { id: "gemini-2.5-pro", displayName: "Gemini 2.5 Pro" },
      { id: "text-embedding-004", methods: ["embedContent"] },
    ],
  });
  kiln = await startKiln({
    env: {
      ...suiteEnv,
      GOOGLE_GENERATIVE_AI_API_KEY: serverKey,
      GOOGLE_GENERATIVE_AI_BASE_URL: fake.url,
    },
  });
});
afterAll(async () => {
  await kiln?.stop();
  await fake?.close();
});

const signedUp = async () => {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  return browser;
};
const ask = (client: TestClient, content: string, extra: Record<string, unknown> = {}) =>
  client.fetch("/api/chat", {
    method: "POST",
    headers: uiStreamHeaders,
    json: { messages: [{ role: "user", content }], model: gemini, ...extra },
  });
/** A marker in the prompt, so that this test's scripted reply goes to this test's request. */
const mine = (marker: string) => (r: { prompt: string }) => r.prompt.includes(marker);

test("GET /api/models lists the Gemini models that generate content, as provider google", async () => {
  const browser = await signedUp();
  const response = await browser.fetch("/api/models");
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    models: { id: string; name: string; provider: string; keySource: string }[];
    providers: { provider: string; status: string }[];
  };
  expect(body.models).toEqual([
    expect.objectContaining({
      id: "gemini-2.5-flash",
      name: "Gemini 2.5 Flash",
      provider: "google",
      keySource: "server",
    }),
    expect.objectContaining({ id: "gemini-2.5-pro", name: "Gemini 2.5 Pro", provider: "google" }),
  ]);
  expect(body.providers).toEqual([{ provider: "google", keySource: "server", status: "ok" }]);
  const listing = fake.requests.find((r) => r.api === "models");
  expect(listing).toMatchObject({ method: "GET", path: "/v1beta/models", apiKey: serverKey });
  expect(listing?.query).toEqual({ pageSize: "200" });
});

describe("POST /api/chat on Gemini", () => {
  test("streams a growing fragment from streamGenerateContent, then the validated one", async () => {
    const browser = await signedUp();
    fake.script({ when: mine("greet-g1"), json: output(helloFragment), chunkDelayMs: 3 });
    const response = await ask(browser, "Make a page that greets me greet-g1", {
      template: "static-html",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const chatId = response.headers.get("x-chat-id");
    const chunks = await readUiStream(response);
    expect(chunks[0]).toMatchObject({ type: "start" });
    expect(chunks.at(-1)).toMatchObject({ type: "finish" });
    const states = fragmentStates(chunks);
    const streaming = states.filter((s) => s.status === "streaming");
    expect(streaming.length).toBeGreaterThanOrEqual(3);
    const lengths = streaming.map((s) => String(s.fragment?.code ?? "").length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(states.at(-1)).toEqual({ status: "done", fragment: helloFragment });
    expect(states.filter((s) => s.status === "done")).toHaveLength(1);

    const requests = fake.requests.filter(mine("greet-g1"));
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({
      path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
      query: { alt: "sse" },
      model: "gemini-2.5-flash",
      apiKey: serverKey,
    });
    expect(request?.headers["x-goog-api-key"]).toBe(serverKey);
    expect(request?.system).toContain("You are Kiln's app builder");
    expect(request?.system).toContain("static-html");
    expect(request?.body?.contents).toEqual([
      { role: "user", parts: [{ text: "Make a page that greets me greet-g1" }] },
    ]);
    expect(request?.body?.generationConfig?.responseMimeType).toBe("application/json");
    expect(request?.schema).toMatchObject({
      type: "object",
      required: expect.arrayContaining(["commentary", "template", "code", "files"]),
      properties: { template: { enum: expect.arrayContaining(["static-html"]) } },
    });

    const detail = (await (await browser.fetch(`/api/chats/${chatId}`)).json()) as {
      messages: { role: string; status: string; fragment: unknown }[];
    };
    expect(detail.messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(detail.messages[1]?.fragment).toEqual(helloFragment);
  });

  test("the model named in the request is the one called; usage is recorded", async () => {
    const browser = await signedUp();
    fake.script({
      when: mine("pro-g2"),
      json: output(helloFragment),
      usage: { input: 321, output: 123 },
    });
    const response = await ask(browser, "pro-g2", {
      model: { id: "gemini-2.5-pro", providerId: "google" },
    });
    expect(fragmentStates(await readUiStream(response)).at(-1)?.status).toBe("done");
    expect(fake.requests.find(mine("pro-g2"))?.model).toBe("gemini-2.5-pro");
    const usage = (await (await browser.fetch("/api/usage")).json()) as {
      rows: { provider: string; model: string; inputTokens: number; outputTokens: number }[];
    };
    expect(usage.rows).toEqual([
      expect.objectContaining({
        provider: "google",
        model: "gemini-2.5-pro",
        inputTokens: 321,
        outputTokens: 123,
      }),
    ]);
  });

  test("a provider 500 before any output is a 502 provider_error with Google's message", async () => {
    const browser = await signedUp();
    const error = { status: 500, message: "An internal error has occurred." };
    fake.script({ when: mine("boom-g3"), error }, { when: mine("boom-g3"), error });
    const response = await ask(browser, "boom-g3");
    expect(response.status).toBe(502);
    const body = (await response.json()) as { message: string; code: string };
    expect(body.code).toBe("provider_error");
    expect(body.message).toBe(
      "The model provider failed (HTTP 500): An internal error has occurred.",
    );
    expect(fake.requests.filter(mine("boom-g3"))).toHaveLength(2); // maxRetries: 1
    expect(kiln.output()).not.toContain(serverKey);
  });

  test("Google's error chunk before any output is a 502 provider_error too", async () => {
    const browser = await signedUp();
    const failWith = { message: "The model is overloaded. Please try again later.", status: 503 };
    fake.script({
      when: mine("overload-g6"),
      json: output(helloFragment),
      failAfterChunks: 0,
      failWith,
    });
    const response = await ask(browser, "overload-g6");
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      code: "provider_error",
      message: expect.stringContaining(failWith.message),
    });
  });

  test("a user's own Google key is the one sent; a wrong one shows in models and chat", async () => {
    const browser = await signedUp();
    const userKey = "AIza-user-own-key-but-wrong";
    const saved = await browser.fetch("/api/settings/model-providers/google", {
      method: "PUT",
      json: { apiKey: userKey },
    });
    expect(saved.status).toBe(200);
    const models = (await (await browser.fetch("/api/models")).json()) as {
      models: unknown[];
      providers: { provider: string; keySource: string; status: string; message?: string }[];
    };
    expect(models.models).toEqual([]);
    expect(models.providers).toEqual([
      {
        provider: "google",
        keySource: "user",
        status: "error",
        message: expect.stringMatching(/answered 400$/),
      },
    ]);
    const response = await ask(browser, "wrong-key-g7");
    expect(response.status).toBe(502);
    expect(((await response.json()) as { message: string }).message).toBe(
      "The model provider failed (HTTP 400): API key not valid. Please pass a valid API key.",
    );
    const sent = fake.requests.filter(mine("wrong-key-g7"));
    expect(sent.map((r) => r.apiKey)).toEqual([userKey]); // a 400 is not retried
    expect(fake.requests.filter((r) => r.apiKey === userKey && r.api === "models")).toHaveLength(1);
  });

  test("with Accept: application/json, the fragment comes back whole", async () => {
    const browser = await signedUp();
    fake.script({ when: mine("json-g4"), json: output(helloFragment) });
    const response = await browser.fetch("/api/chat", {
      method: "POST",
      headers: { accept: "application/json" },
      json: { messages: [{ role: "user", content: "json-g4" }], model: gemini },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ fragment: helloFragment });
  });
});

describe("POST /api/chat/morph-chat on Gemini", () => {
  const counter = {
    ...helloFragment,
    template: "node-server",
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

  test("applies the edits Gemini answers with, from a generateContent call", async () => {
    const browser = await signedUp();
    fake.script({ when: mine("morph-g5"), json: edit("++count", "count += 2") });
    const response = await browser.fetch("/api/chat/morph-chat", {
      method: "POST",
      json: {
        messages: [{ role: "user", content: "Count by two morph-g5" }],
        model: gemini,
        currentFragment: counter,
      },
    });
    expect(response.status).toBe(200);
    const updated = (await response.json()) as typeof counter;
    expect(updated.code).toContain("count += 2");
    expect(updated.code).not.toContain("++count");
    expect(updated).toMatchObject({ commentary: "Counts by two now.", title: "Hello page" });
    const request = fake.requests.find(mine("morph-g5"));
    expect(request).toMatchObject({
      path: "/v1beta/models/gemini-2.5-flash:generateContent",
      apiKey: serverKey,
    });
    expect(request?.system).toContain("++count");
    expect(request?.body?.generationConfig?.responseMimeType).toBe("application/json");
    expect(request?.schema).toMatchObject({ required: expect.arrayContaining(["edits"]) });
  });
});
