import { request } from "node:http";
import { parsePartialJson } from "ai";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { fragmentStates, readUiStream, uiStreamHeaders } from "../support/ui-stream";
import { suiteEnv } from "./global-setup";

// /api/chat and /api/chats against a fake OpenAI-compatible server speaking the real protocol.

const serverKey = "sk-server-held-key-0123456789";
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

let fake: FakeOpenAI;
let kiln: KilnServer;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: serverKey, models: ["kiln-test-model", "other-model"] });
  kiln = await startKiln({
    env: {
      ...suiteEnv,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: serverKey,
      KILN_CLIENT_BASE_URLS: "any",
      KILN_RATE_LIMIT_LLM: "3/1m",
    },
  });
});
afterAll(async () => {
  await kiln?.stop();
  await fake?.close();
});

/** As the IDE asks: for the UI message stream, unless `headers` say otherwise. */
const ask = (
  client: TestClient,
  body: Record<string, unknown>,
  headers: Record<string, string> = uiStreamHeaders,
) => client.fetch("/api/chat", { method: "POST", json: body, headers });
const prompt = (content: string) => ({ messages: [{ role: "user", content }] });

/**
 * POSTs as a plain client does (node:http, so that no Accept is sent unless given) and collects
 * the body's pieces as they arrive, and whether it ended cleanly.
 */
function rawPost(client: TestClient, body: unknown, accept?: string) {
  const url = new URL("/api/chat", client.baseUrl);
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    pieces: string[];
    isComplete: boolean;
  }>((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: client.baseUrl,
        cookie: client.cookie ?? "",
        ...(accept ? { accept } : {}),
      },
    });
    req.on("response", (res) => {
      const pieces: string[] = [];
      res.setEncoding("utf8");
      res.on("data", (piece: string) => pieces.push(piece));
      const done = (isComplete: boolean) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, pieces, isComplete });
      res.on("end", () => done(res.complete));
      res.on("error", () => done(false));
      res.on("aborted", () => done(false));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
/** A marker in the prompt, so that this test's scripted reply goes to this test's request. */
const mine = (marker: string) => (r: { prompt: string }) => r.prompt.includes(marker);

describe("POST /api/chat", () => {
  test("streams a growing fragment, then the validated one, and keeps the chat", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    fake.script({ when: mine("greet-1"), json: output(helloFragment), chunkDelayMs: 3 });
    const response = await ask(browser, {
      ...prompt("Make a page that greets me greet-1"),
      template: "static-html",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const chatId = response.headers.get("x-chat-id");
    expect(chatId).toMatch(/^chat_/);
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

    const request = fake.requests.find(mine("greet-1"));
    expect(request?.api).toBe("chat");
    expect(request?.body?.response_format?.type).toBe("json_schema");
    expect(request?.prompt).toContain("static-html");
    expect(request?.apiKey).toBe(serverKey);

    const list = (await (await browser.fetch("/api/chats")).json()) as {
      chats: { id: string; title: string }[];
    };
    expect(list.chats[0]).toMatchObject({
      id: chatId,
      title: "Make a page that greets me greet-1",
    });
    const detail = (await (await browser.fetch(`/api/chats/${chatId}`)).json()) as {
      messages: { role: string; status: string; fragment: unknown; content: string }[];
    };
    expect(detail.messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(detail.messages[1]?.fragment).toEqual(helloFragment);
    expect(detail.messages[1]?.content).toBe(helloFragment.commentary);
  });

  test("output that does not validate is repaired once; if the repair fails too, it is never shown as done", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    fake.script(
      { when: mine("repair-ok"), json: output({ ...helloFragment, template: "cobol" }) },
      { when: mine("repair-ok"), json: output(helloFragment) },
    );
    const repaired = fragmentStates(await readUiStream(await ask(browser, prompt("repair-ok"))));
    expect(repaired.at(-1)).toEqual({ status: "done", fragment: helloFragment });
    const repairRequest = fake.requests.filter(mine("repair-ok"))[1];
    expect(repairRequest?.prompt).toContain("did not validate");

    fake.script(
      {
        when: mine("never-valid"),
        json: output({ ...helloFragment, file_path: "../escape.html" }),
      },
      { when: mine("never-valid"), text: "sorry, no JSON" },
    );
    const chunks = await readUiStream(await ask(browser, prompt("never-valid")));
    const states = fragmentStates(chunks);
    expect(states.some((s) => s.status === "done")).toBe(false);
    expect(states.at(-1)?.status).toBe("failed");
    expect(states.at(-1)?.reason).toMatch(/not a valid fragment \(file_path/);
    expect(chunks.find((c) => c.type === "error")?.errorText).toMatch(/^The model's output/);
  });

  test("with Accept: application/json: the fragment, or 502 with the reason", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    fake.script({ when: mine("json-ok"), json: output(helloFragment) });
    const ok = await ask(browser, prompt("json-ok"), { accept: "application/json" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      fragment: helloFragment,
      chatId: expect.stringMatching(/^chat_/),
    });

    fake.script(
      { when: mine("json-bad"), json: output({ ...helloFragment, port: 70000 }) },
      { when: mine("json-bad"), json: output({ ...helloFragment, port: 70000 }) },
    );
    const bad = await ask(browser, prompt("json-bad"), { accept: "application/json" });
    expect(bad.status).toBe(502);
    expect(await bad.json()).toEqual({
      error: true,
      message: expect.stringMatching(/^The model's output is not a valid fragment \(port/),
      code: "invalid_output",
    });
  });

  test("without Accept: text/event-stream or application/json, the fragment's JSON as plain text, growing", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    for (const accept of [undefined, "*/*", "text/plain"]) {
      const marker = `plain-${accept ?? "none"}`;
      fake.script({ when: mine(marker), json: output(helloFragment), chunkDelayMs: 3 });
      const response = await rawPost(
        browser,
        { ...prompt(marker), template: "static-html" },
        accept,
      );
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toBe("text/plain; charset=utf-8");
      const chatId = response.headers["x-chat-id"];
      expect(chatId).toMatch(/^chat_/);
      expect(response.pieces.length).toBeGreaterThan(3);
      const early = await parsePartialJson(response.pieces.slice(0, 2).join(""));
      expect(early.state).toBe("repaired-parse");
      expect(JSON.parse(response.pieces.join(""))).toEqual(output(helloFragment));
      const detail = (await (await browser.fetch(`/api/chats/${chatId}`)).json()) as {
        messages: { role: string; status: string; fragment: unknown }[];
      };
      expect(detail.messages.map((m) => [m.role, m.status])).toEqual([
        ["user", "complete"],
        ["assistant", "complete"],
      ]);
      expect(detail.messages[1]?.fragment).toEqual(helloFragment);
    }
  });

  test("as plain text, a repaired fragment ends the text; a fragment never valid fails the stream", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    fake.script(
      { when: mine("plain-repair"), json: output({ ...helloFragment, template: "cobol" }) },
      { when: mine("plain-repair"), json: output(helloFragment) },
    );
    const repaired = await rawPost(browser, prompt("plain-repair"));
    expect(JSON.parse(repaired.pieces.join(""))).toEqual(output(helloFragment));

    fake.script(
      { when: mine("plain-never"), json: output({ ...helloFragment, port: 70000 }) },
      { when: mine("plain-never"), json: output({ ...helloFragment, port: 70000 }) },
    );
    const failed = await rawPost(browser, prompt("plain-never"));
    expect(failed.status).toBe(200);
    expect(failed.isComplete).toBe(false);
    expect(() => JSON.parse(failed.pieces.join(""))).toThrow();
    // The model's invalid output is the client's outcome, not a fault of the server's to log.
    expect(kiln.output()).not.toContain("failed to pipe response");
  });

  test("a provider failure before any output is a 502 with a sanitised reason", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const failure = { status: 500, message: `upstream exploded with ${serverKey}` };
    fake.script({ when: mine("boom"), error: failure }, { when: mine("boom"), error: failure });
    const response = await ask(browser, prompt("boom"));
    expect(response.status).toBe(502);
    const body = (await response.json()) as { message: string; code: string };
    expect(body.code).toBe("provider_error");
    expect(body.message).toMatch(/^The model provider failed \(HTTP 500\): upstream exploded/);
    expect(body.message).not.toContain(serverKey);
    expect(kiln.output()).not.toContain(serverKey);
  });

  test("a client that goes away stops the model call; the turn is kept as cancelled", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const long = { ...helloFragment, code: "<p>slow</p>".repeat(400) };
    fake.script({ when: mine("walk-away"), json: output(long), chunkDelayMs: 30 });
    const response = await ask(browser, prompt("walk-away"));
    const chatId = response.headers.get("x-chat-id");
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    type Message = { role: string; status: string; error: string | null };
    await vi.waitFor(
      async () => {
        const detail = await browser.fetch(`/api/chats/${chatId}`);
        expect(detail.status).toBe(200);
        const { messages } = (await detail.json()) as { messages: Message[] };
        expect(messages.map((m) => [m.role, m.status, m.error])).toEqual([
          ["user", "complete", null],
          ["assistant", "failed", "The request was cancelled"],
        ]);
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  test("the LLM limit binds callers the server's key pays for: 429 with headers", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const { key } = await browser.createApiKey();
    fake.setDefault({ json: output(helloFragment) });
    const call = () =>
      fetch(`${kiln.url}/api/chat`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify(prompt("limit me")),
      });
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("3");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("a key of the request's own, sent to the server's endpoint, still counts against the LLM limit", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const { key } = await browser.createApiKey();
    const call = () =>
      fetch(`${kiln.url}/api/chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          ...prompt("made-up-key"),
          config: { apiKey: "sk-made-up-1234", model: "kiln-test-model" },
        }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call()).status);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
    // The made-up key did reach the server's endpoint: that is the call the limit protects.
    expect(fake.requests.filter(mine("made-up-key")).map((r) => r.apiKey)).toEqual([
      "sk-made-up-1234",
      "sk-made-up-1234",
      "sk-made-up-1234",
    ]);
  });

  test("another user's chat is 404 everywhere", async () => {
    const alice = new TestClient(kiln.url);
    await alice.signUp();
    fake.script({ when: mine("alice-only"), json: output(helloFragment) });
    const chatId = (
      await ask(alice, prompt("alice-only"), { accept: "application/json" })
    ).headers.get("x-chat-id");
    const bob = new TestClient(kiln.url);
    await bob.signUp();
    expect((await bob.fetch(`/api/chats/${chatId}`)).status).toBe(404);
    expect((await bob.fetch(`/api/chats/${chatId}`, { method: "DELETE" })).status).toBe(404);
    expect((await ask(bob, { ...prompt("sneak"), chatId })).status).toBe(404);
    expect((await alice.fetch(`/api/chats/${chatId}`)).status).toBe(200);
    expect((await alice.fetch(`/api/chats/${chatId}`, { method: "DELETE" })).status).toBe(200);
    expect((await alice.fetch(`/api/chats/${chatId}`)).status).toBe(404);
  });

  test.each([
    [{ messages: [] }, "messages: must contain at least one message"],
    [
      { messages: [{ role: "assistant", content: "hi" }] },
      "messages: the last message must be the user's",
    ],
    [
      { messages: [{ role: "system", content: "x" }] },
      'messages.0.role: Invalid option: expected one of "user"|"assistant"',
    ],
    [{ ...prompt("x"), template: "cobol" }, 'template: unknown template "cobol"'],
    [{ ...prompt("x"), chatId: "nope" }, "chatId: is not a chat id"],
    [
      { ...prompt("x"), model: { providerId: "skynet" } },
      `model.providerId: unknown provider "skynet"; configured here: openai-compatible (server's)`,
    ],
  ])("bad input %j is a 400 naming the field", async (body, message) => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const response = await ask(browser, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: true, message });
  });
});

describe("PATCH /api/chats/:id", () => {
  test("renames the caller's chat, one line, and nobody else's", async () => {
    const alice = new TestClient(kiln.url);
    await alice.signUp();
    fake.script({ when: mine("rename-me"), json: output(helloFragment) });
    const chatId = (
      await ask(alice, prompt("rename-me"), { accept: "application/json" })
    ).headers.get("x-chat-id");
    const rename = (client: TestClient, title: unknown) =>
      client.fetch(`/api/chats/${chatId}`, { method: "PATCH", json: { title } });

    const renamed = await rename(alice, "  My\n bakery   page ");
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: chatId, title: "My bakery page" });
    const list = await (await alice.fetch("/api/chats")).json();
    expect(list.chats.map((c: { title: string }) => c.title)).toEqual(["My bakery page"]);

    const empty = await rename(alice, "   ");
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: true, message: "title: must not be empty" });
    expect((await rename(alice, "x".repeat(201))).status).toBe(400);

    const bob = new TestClient(kiln.url);
    await bob.signUp();
    expect((await rename(bob, "Mine now")).status).toBe(404);
    expect((await (await alice.fetch(`/api/chats/${chatId}`)).json()).chat.title).toBe(
      "My bakery page",
    );
  });
});

describe("a server endpoint without a key (a local Ollama), and clients' names for providers", () => {
  let local: FakeOpenAI;
  let theirs: FakeOpenAI;
  let server: KilnServer;
  beforeAll(async () => {
    local = await startFakeOpenAI({ models: ["llama-local"] });
    local.setDefault({ json: output(helloFragment) });
    theirs = await startFakeOpenAI({ models: ["their-model"] });
    theirs.setDefault({ json: output(helloFragment) });
    server = await startKiln({
      env: {
        ...suiteEnv,
        OPENAI_BASE_URL: local.url,
        KILN_CLIENT_BASE_URLS: "any",
        KILN_RATE_LIMIT_LLM: "2/1m",
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([local?.close(), theirs?.close()]);
  });

  /** Three calls of one API-key caller: their statuses. */
  async function threeCalls(body: Record<string, unknown>) {
    const browser = new TestClient(server.url);
    await browser.signUp();
    const { key } = await browser.createApiKey();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.url}/api/chat`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify({ ...prompt("count me"), ...body }),
      });
      statuses.push(response.status);
    }
    return statuses;
  }

  test("every call to the server's endpoint counts against the LLM limit: without a key", async () => {
    expect(await threeCalls({})).toEqual([200, 200, 429]);
  });

  test("... with a key of the request's own", async () => {
    expect(await threeCalls({ config: { apiKey: "sk-anything" } })).toEqual([200, 200, 429]);
  });

  test("... and with the server's endpoint named as the request's base URL", async () => {
    const config = { baseURL: local.url, apiKey: "sk-anything" };
    expect(await threeCalls({ config })).toEqual([200, 200, 429]);
  });

  test("... and so does morph-chat's", async () => {
    const browser = new TestClient(server.url);
    await browser.signUp();
    const { key } = await browser.createApiKey();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.url}/api/chat/morph-chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          ...prompt("morph me"),
          config: { apiKey: "sk-anything" },
          currentFragment: helloFragment,
        }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 2)).not.toContain(429);
    expect(statuses[2]).toBe(429);
  });

  test("the client's own key to a base URL of its own is free of it", async () => {
    const config = { baseURL: theirs.url, apiKey: "sk-their-own", model: "their-model" };
    expect(await threeCalls({ config })).toEqual([200, 200, 200]);
  });

  test("providerId openai (and the OpenAI-compatible names) reach the server's OpenAI settings", async () => {
    const browser = new TestClient(server.url);
    await browser.signUp();
    const names = ["openai", "ollama", "mistral", "groq", "fireworks", "togetherai", "deepseek"];
    for (const providerId of [...names, "xai", "azure"]) {
      const model = { id: "llama-local", name: "Some model", provider: "Some", providerId };
      const response = await ask(
        browser,
        { ...prompt(`provider-${providerId}`), model },
        { accept: "application/json" },
      );
      expect([providerId, response.status]).toEqual([providerId, 200]);
    }
    expect(local.requests.filter(mine("provider-")).map((r) => r.body?.model)).toEqual(
      Array(9).fill("llama-local"),
    );
  });

  test("a provider nothing configured serves is a 400 that lists what is configured", async () => {
    const browser = new TestClient(server.url);
    await browser.signUp();
    for (const providerId of ["anthropic", "google", "vertex"]) {
      const response = await ask(browser, { ...prompt("x"), model: { id: "m", providerId } });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: true,
        message: `model.providerId: no configured provider serves "${providerId}"; configured here: openai-compatible (server's)`,
      });
    }
  });
});
