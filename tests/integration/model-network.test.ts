import { lookup } from "node:dns/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isPublicAddress } from "@/lib/ai/public-address";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { fragmentStates, readUiStream } from "../support/ui-stream";
import { suiteEnv } from "./global-setup";

// Kiln and model servers that misbehave: ones that accept and never answer (or stop half-way),
// ones that cannot be reached, ones that redirect, and base URLs that point inside Kiln's own
// network. The deadlines are short here so that the tests end quickly.

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
  code: `const express = require("express");\nconst app = express();\n${"// padding\n".repeat(40)}app.listen(3000, "0.0.0.0");\n`,
  files: [],
};
const say = (content: string) => ({ messages: [{ role: "user", content }] });
const mine = (marker: string) => (r: { prompt: string }) => r.prompt.includes(marker);
const json = { accept: "application/json" };

let server: FakeOpenAI;
let elsewhere: FakeOpenAI;
let redirector: FakeOpenAI;
let kiln: KilnServer;
let admin: TestClient;
let member: TestClient;
let closedPort = 0;

beforeAll(async () => {
  server = await startFakeOpenAI({ models: ["server-model"] });
  elsewhere = await startFakeOpenAI({
    models: ["good-model", "<b>internal</b>", "a".repeat(300), "has space", 'quote"d'],
  });
  redirector = await startFakeOpenAI();
  redirector.options.redirectTo = new URL(elsewhere.url).origin;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  kiln = await startKiln({
    env: {
      ...suiteEnv,
      OPENAI_BASE_URL: server.url,
      KILN_MODEL_FIRST_BYTE_TIMEOUT_MS: "1500",
      KILN_MODEL_TIMEOUT_MS: "3000",
    },
  });
  // The first account is the admin, who may use private addresses; the second may not.
  admin = new TestClient(kiln.url);
  expect((await admin.signUp()).user.isAdmin).toBe(true);
  member = new TestClient(kiln.url);
  expect((await member.signUp()).user.isAdmin).toBe(false);
});
afterAll(async () => {
  await kiln?.stop();
  await Promise.all([server?.close(), elsewhere?.close(), redirector?.close()]);
});

const chat = (client: TestClient, body: unknown, headers: Record<string, string> = json) =>
  client.fetch("/api/chat", { method: "POST", json: body, headers });
const message = async (response: Response) =>
  ((await response.json()) as { message: string; code?: string }).message;

describe("model servers that do not answer in time", () => {
  test("one that accepts and never answers: 504 naming the first-byte timeout", async () => {
    server.script({ when: mine("silent-1"), hang: true });
    const response = await chat(admin, say("silent-1"));
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: true,
      code: "model_timeout",
      message: expect.stringMatching(
        /^The model server 127\.0\.0\.1:\d+ sent nothing within 1\.5 s \(KILN_MODEL_FIRST_BYTE_TIMEOUT_MS\)$/,
      ),
    });
  });

  test("one that answers its headers and then nothing: 504 naming the total timeout", async () => {
    server.script({
      when: mine("headers-only"),
      json: fragment,
      failAfterChunks: 0,
      failWith: "hang",
    });
    const response = await chat(admin, say("headers-only"));
    expect(response.status).toBe(504);
    expect(await message(response)).toMatch(/did not finish within 3 s \(KILN_MODEL_TIMEOUT_MS\)$/);
  });

  test("one that stalls mid-stream: the stream ends with an error naming the timeout", async () => {
    server.script({ when: mine("stall-1"), json: fragment, failAfterChunks: 4, failWith: "hang" });
    const response = await chat(admin, say("stall-1"), { accept: "text/event-stream" });
    expect(response.status).toBe(200);
    const chunks = await readUiStream(response);
    const failed = fragmentStates(chunks).at(-1);
    expect(failed?.status).toBe("failed");
    expect(failed?.reason).toMatch(/did not finish within 3 s \(KILN_MODEL_TIMEOUT_MS\)$/);
    expect(chunks.find((c) => c.type === "error")?.errorText).toMatch(/KILN_MODEL_TIMEOUT_MS/);
  });

  test("an edit by chat whose model never answers: 504 naming the total timeout", async () => {
    server.script({ when: mine("silent-morph"), hang: true });
    const response = await admin.fetch("/api/chat/morph-chat", {
      method: "POST",
      json: { ...say("silent-morph"), currentFragment: fragment },
    });
    expect(response.status).toBe(504);
    expect(await message(response)).toMatch(/\(KILN_MODEL_TIMEOUT_MS\)$/);
  });
});

describe("a client base URL that cannot be reached", () => {
  test("a closed port is a 502 naming the host, with or without a model named", async () => {
    const baseURL = `http://127.0.0.1:${closedPort}/v1`;
    for (const config of [{ baseURL, model: "any-model" }, { baseURL }]) {
      const response = await chat(admin, { ...say("closed"), config });
      expect(response.status).toBe(502);
      expect(await message(response)).toBe(
        `Could not reach the model server 127.0.0.1:${closedPort}: connection refused`,
      );
    }
  });
});

describe("redirects from a client's model server", () => {
  test("are not followed, for a chat or for its model list", async () => {
    elsewhere.reset();
    const host = new URL(redirector.url).host;
    for (const config of [{ baseURL: redirector.url, model: "m" }, { baseURL: redirector.url }]) {
      const response = await chat(admin, { ...say("redirected"), config });
      expect(response.status).toBe(502);
      expect(await message(response)).toBe(
        `The model server ${host} answered with a redirect (HTTP 307), which is not followed`,
      );
    }
    expect(redirector.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests).toEqual([]);
  });
});

describe("what a client's model server says", () => {
  test("its error body is not passed on; its status is", async () => {
    elsewhere.script({
      when: mine("upstream-error"),
      error: { status: 404, message: "INTERNAL-ONLY page: db password is hunter2" },
    });
    const response = await chat(admin, {
      ...say("upstream-error"),
      config: { baseURL: elsewhere.url, model: "good-model" },
    });
    expect(response.status).toBe(502);
    const said = await message(response);
    expect(said).toContain("HTTP 404");
    expect(said).not.toMatch(/INTERNAL-ONLY|hunter2/);
  });

  test("its model list keeps only well-formed ids", async () => {
    const saved = await admin.fetch("/api/settings/model-providers/openai-compatible", {
      method: "PUT",
      json: { baseURL: elsewhere.url },
    });
    expect(saved.status).toBe(200);
    try {
      const listed = (await (await admin.fetch("/api/models")).json()) as {
        models: { id: string; name: string }[];
      };
      expect(listed.models.map((m) => [m.id, m.name])).toEqual([["good-model", "good-model"]]);
    } finally {
      await admin.fetch("/api/settings/model-providers/openai-compatible", { method: "DELETE" });
    }
  });
});

describe("base URLs inside Kiln's own network, for a user who is not an admin", () => {
  const port = () => new URL(server.url).port;
  test.each([
    "http://[::ffff:127.0.0.1]:PORT/v1",
    "http://[::127.0.0.1]:PORT/v1",
    "http://0x7f.1:PORT/v1",
    "http://2130706433:PORT/v1",
    "http://127.1:PORT/v1",
    "http://localhost:PORT/v1",
    "http://[fe80::1]/v1",
    "http://[::]/v1",
    "http://[64:ff9b::7f00:1]:PORT/v1",
    "http://[2002:7f00:1::1]:PORT/v1",
    "http://169.254.169.254/latest",
    "http://100.100.100.200/latest",
    "http://192.0.0.8/v1",
    "http://198.18.0.1/v1",
  ])("%s is a 400 naming config.baseURL", async (url) => {
    server.reset();
    const response = await chat(member, {
      ...say("inside"),
      config: { baseURL: url.replace("PORT", port()), model: "server-model" },
    });
    expect(response.status).toBe(400);
    expect(await message(response)).toBe(
      "config.baseURL: must be a public address on this server (KILN_CLIENT_BASE_URLS=public)",
    );
    expect(server.requests).toEqual([]);
  });

  test("a name that resolves to a private address is refused where the connection is made", async () => {
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length === 0 || addresses.some((a) => isPublicAddress(a.address))) {
      console.log(`\n  skipped: ${name} does not resolve to private addresses only\n`);
      return;
    }
    server.reset();
    const baseURL = `http://${name}:${port()}/v1`;
    for (const config of [{ baseURL, model: "server-model" }, { baseURL }]) {
      const response = await chat(member, { ...say("by-name"), config });
      expect(response.status).toBe(400);
      expect(await message(response)).toBe(
        `baseURL: ${name} is not a public address, and this server only lets clients reach public addresses (KILN_CLIENT_BASE_URLS=public)`,
      );
    }
    expect(server.requests).toEqual([]);
  });
});
