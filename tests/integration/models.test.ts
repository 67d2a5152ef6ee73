import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// Models, providers and whose key goes where; morph edits; usage records.

const serverKey = "sk-server-held-key-abcdef012345";
const fragment = {
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
const mine = (marker: string) => (r: { prompt: string }) => r.prompt.includes(marker);
const say = (content: string) => ({ messages: [{ role: "user", content }] });

let server: FakeOpenAI;
let elsewhere: FakeOpenAI;
let kiln: KilnServer;
beforeAll(async () => {
  server = await startFakeOpenAI({ apiKey: serverKey, models: ["server-model"] });
  elsewhere = await startFakeOpenAI({ models: ["client-model"] });
  kiln = await startKiln({
    env: {
      ...suiteEnv,
      OPENAI_BASE_URL: server.url,
      OPENAI_API_KEY: serverKey,
      KILN_CLIENT_BASE_URLS: "any",
    },
  });
});
afterAll(async () => {
  await kiln?.stop();
  await Promise.all([server?.close(), elsewhere?.close()]);
});

describe("whose key goes where", () => {
  test("a client-supplied base URL never receives a key the server holds", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    elsewhere.setDefault({ json: { files: [], ...fragment } });
    const withoutKey = await browser.fetch("/api/chat", {
      method: "POST",
      headers: { accept: "application/json" },
      json: { ...say("leak-1"), config: { baseURL: elsewhere.url, model: "client-model" } },
    });
    expect(withoutKey.status).toBe(200);
    const withOwnKey = await browser.fetch("/api/chat", {
      method: "POST",
      headers: { accept: "application/json" },
      json: {
        ...say("leak-2"),
        config: { baseURL: elsewhere.url, model: "client-model", apiKey: "sk-client-own-key-1" },
      },
    });
    expect(withOwnKey.status).toBe(200);

    // The user's own stored provider, pointing elsewhere without a key: still never the server's.
    const saved = await browser.fetch("/api/settings/model-providers/openai-compatible", {
      method: "PUT",
      json: { baseURL: elsewhere.url },
    });
    expect(saved.status).toBe(200);
    const stored = await browser.fetch("/api/chat", {
      method: "POST",
      headers: { accept: "application/json" },
      json: { ...say("leak-3"), model: { id: "client-model", providerId: "openai-compatible" } },
    });
    expect(stored.status).toBe(200);

    const seen = elsewhere.requests.filter((r) => /leak-\d/.test(r.prompt));
    expect(seen.map((r) => r.apiKey)).toEqual(["not-needed", "sk-client-own-key-1", "not-needed"]);
    for (const request of elsewhere.requests) {
      expect(JSON.stringify(request.headers)).not.toContain(serverKey);
    }
    expect(server.requests.filter((r) => /leak-\d/.test(r.prompt))).toEqual([]);
  });

  test("GET /api/models lists the server's models, or the user's own provider's instead", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const before = (await (await browser.fetch("/api/models")).json()) as {
      models: { id: string; provider: string; keySource: string }[];
      providers: { provider: string; status: string }[];
    };
    expect(before.models).toEqual([
      expect.objectContaining({
        id: "server-model",
        provider: "openai-compatible",
        keySource: "server",
      }),
    ]);
    await browser.fetch("/api/settings/model-providers/openai-compatible", {
      method: "PUT",
      json: { baseURL: elsewhere.url, apiKey: "sk-mine-0123456789abcd" },
    });
    const after = (await (await browser.fetch("/api/models")).json()) as typeof before;
    expect(after.models.map((m) => [m.id, m.keySource])).toEqual([["client-model", "user"]]);
    const providers = (await (await browser.fetch("/api/settings/model-providers")).json()) as {
      providers: { provider: string; keyHint: string; baseURL: string }[];
    };
    expect(providers.providers).toEqual([
      expect.objectContaining({
        provider: "openai-compatible",
        keyHint: "sk-…abcd",
        baseURL: elsewhere.url,
      }),
    ]);
    expect(JSON.stringify(providers)).not.toContain("0123456789");
    // A new URL without a key keeps the key stored before.
    await browser.fetch("/api/settings/model-providers/openai-compatible", {
      method: "PUT",
      json: { baseURL: `${elsewhere.url}/` },
    });
    const kept = (await (
      await browser.fetch("/api/settings/model-providers")
    ).json()) as typeof providers;
    expect(kept.providers[0]).toMatchObject({ keyHint: "sk-…abcd", baseURL: elsewhere.url });
    const removed = await browser.fetch("/api/settings/model-providers/openai-compatible", {
      method: "DELETE",
    });
    expect(removed.status).toBe(200);
    expect(
      (await browser.fetch("/api/settings/model-providers/openai-compatible", { method: "DELETE" }))
        .status,
    ).toBe(404);
  });

  test.each([
    ["openai-compatible", {}, "body: give an apiKey, a baseURL, or both"],
    [
      "openai-compatible",
      { apiKey: "k-123456789012" },
      "baseURL: required for an OpenAI-compatible server",
    ],
    [
      "anthropic",
      { baseURL: "https://example.com" },
      "baseURL: only an openai-compatible provider takes a base URL, not anthropic",
    ],
    ["openai", { baseURL: "ftp://x" }, "baseURL: Invalid URL"],
    [
      "skynet",
      { apiKey: "x" },
      'provider: Invalid option: expected one of "openai"|"anthropic"|"google"|"openai-compatible"',
    ],
  ])("saving provider %s with %j is a 400", async (provider, body, message) => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const response = await browser.fetch(`/api/settings/model-providers/${provider}`, {
      method: "PUT",
      json: body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: true, message });
  });
});

describe("POST /api/chat/morph-chat", () => {
  const edit = (search: string, replace: string) => ({
    files: undefined,
    commentary: "Counts by two now.",
    edits: [{ file_path: "index.js", search, replace }],
    title: null,
    description: null,
    additional_dependencies: null,
  });
  const morph = (client: TestClient, marker: string) =>
    client.fetch("/api/chat/morph-chat", {
      method: "POST",
      json: { ...say(`Count by two ${marker}`), currentFragment: fragment },
    });

  test("applies the model's edits and answers with the whole fragment", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    server.script({ when: mine("morph-ok"), json: edit("++count", "count += 2") });
    const response = await morph(browser, "morph-ok");
    expect(response.status).toBe(200);
    const updated = (await response.json()) as typeof fragment;
    expect(updated.code).toContain("count += 2");
    expect(updated.code).not.toContain("++count");
    expect(updated).toMatchObject({
      commentary: "Counts by two now.",
      title: "Counter",
      port: 3000,
    });
  });

  test("an edit that does not apply is retried once with the error", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    server.script(
      { when: mine("morph-retry"), json: edit("count++", "count += 2") },
      { when: mine("morph-retry"), json: edit("++count", "count += 2") },
    );
    const response = await morph(browser, "morph-retry");
    expect(response.status).toBe(200);
    expect(((await response.json()) as typeof fragment).code).toContain("count += 2");
    const retry = server.requests.filter(mine("morph-retry"))[1];
    expect(retry?.prompt).toContain('not found in "index.js"');
  });

  test("edits that still do not apply are reported, never dropped", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    server.script(
      { when: mine("morph-fail"), json: edit("count++", "x") },
      { when: mine("morph-fail"), json: edit("nothing like this", "x") },
    );
    const response = await morph(browser, "morph-fail");
    expect(response.status).toBe(502);
    const body = (await response.json()) as { message: string; code: string };
    expect(body.code).toBe("edits_failed");
    expect(body.message).toMatch(
      /^The model's edits did not apply, even after a retry: search text "nothing like this" not found/,
    );
  });

  test("a current fragment that is not valid is a 400", async () => {
    const browser = new TestClient(kiln.url);
    await browser.signUp();
    const response = await browser.fetch("/api/chat/morph-chat", {
      method: "POST",
      json: { ...say("x"), currentFragment: { ...fragment, file_path: "../../etc/passwd" } },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /^currentFragment\.file_path: /,
    );
  });
});

test("every model call is recorded and shows in usage", async () => {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  server.script({ when: mine("usage-1"), json: { files: [], ...fragment } });
  await browser.fetch("/api/chat", {
    method: "POST",
    headers: { accept: "application/json" },
    json: say("usage-1"),
  });
  const usage = (await (await browser.fetch("/api/usage")).json()) as {
    rows: {
      provider: string;
      model: string;
      purpose: string;
      calls: number;
      inputTokens: number;
    }[];
  };
  expect(usage.rows).toEqual([
    expect.objectContaining({
      provider: "openai-compatible",
      model: "server-model",
      purpose: "chat",
      calls: 1,
    }),
  ]);
  expect(usage.rows[0]?.inputTokens).toBeGreaterThan(0);
});

test("GET /api/templates lists the server's templates", async () => {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  const { templates } = (await (await browser.fetch("/api/templates")).json()) as {
    templates: { id: string; port: number | null }[];
  };
  expect(templates.map((t) => t.id).sort()).toEqual([
    "code-interpreter-v1",
    "gradio-developer",
    "nextjs-developer",
    "node-server",
    "static-html",
    "streamlit-developer",
    "vue-developer",
  ]);
});

describe("with no model configured", () => {
  let bare: KilnServer;
  beforeAll(async () => {
    bare = await startKiln({ env: suiteEnv });
  });
  afterAll(async () => bare?.stop());

  test("chat and morph are 503 model_not_configured; models lists none", async () => {
    const browser = new TestClient(bare.url);
    await browser.signUp();
    for (const path of ["/api/chat", "/api/chat/morph-chat"]) {
      const response = await browser.fetch(path, {
        method: "POST",
        json: { ...say("hello"), ...(path.includes("morph") ? { currentFragment: fragment } : {}) },
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: true, code: "model_not_configured" });
    }
    expect(await (await browser.fetch("/api/models")).json()).toEqual({
      models: [],
      providers: [],
    });
  });
});

describe("model servers on private addresses, default policy", () => {
  let fresh: KilnServer;
  beforeAll(async () => {
    fresh = await startKiln({ env: suiteEnv });
  });
  afterAll(async () => fresh?.stop());

  test("the admin may point Kiln at one (a local model server); other users may not", async () => {
    const admin = new TestClient(fresh.url);
    expect((await admin.signUp()).user.isAdmin).toBe(true);
    const saved = await admin.fetch("/api/settings/model-providers/openai-compatible", {
      method: "PUT",
      json: { baseURL: server.url, apiKey: serverKey },
    });
    expect(saved.status).toBe(200);
    const models = (await (await admin.fetch("/api/models")).json()) as {
      models: { id: string }[];
    };
    expect(models.models.map((m) => m.id)).toEqual(["server-model"]);

    const member = new TestClient(fresh.url);
    await member.signUp();
    const refused = await member.fetch("/api/settings/model-providers/openai-compatible", {
      method: "PUT",
      json: { baseURL: server.url },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /^baseURL: must be a public address/,
    );
  });
});
