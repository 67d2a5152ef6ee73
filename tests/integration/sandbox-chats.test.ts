import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import type { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { fragment, type Json, run, signedIn } from "../support/sandbox-api";
import { suiteEnv } from "./global-setup";

// Sandboxes kept by chats, and GET /api/sandbox listing what runs.

const list = async (client: TestClient) =>
  ((await (await client.fetch("/api/sandbox")).json()) as Json).sandboxes as Json[];

describe.each(inject("backends"))("GET /api/sandbox on $name", ({ url }) => {
  test("lists the caller's running sandboxes oldest first, never another user's", async () => {
    const alice = await signedIn(url);
    const bob = await signedIn(url);
    const first = (await run(alice, { fragment: fragment("1") })).body.sbxId as string;
    const second = (await run(alice, { fragment: fragment("2") })).body.sbxId as string;
    try {
      expect((await list(alice)).map((s) => [s.sbxId, s.status, s.chatId])).toEqual([
        [first, "running", null],
        [second, "running", null],
      ]);
      expect((await list(alice))[0]).toMatchObject({ template: "code-interpreter-v1" });
      expect(await list(bob)).toEqual([]);
      await alice.fetch(`/api/sandbox/${first}`, { method: "DELETE" });
      expect((await list(alice)).map((s) => s.sbxId)).toEqual([second]);
    } finally {
      await alice.fetch(`/api/sandbox/${second}`, { method: "DELETE" });
    }
  });

  test("a run for a chat that is not an id is a 400, one that is not yours a 404", async () => {
    const client = await signedIn(url);
    const bad = await run(client, { fragment: fragment("1"), chatId: "nope" });
    expect(bad).toEqual({
      status: 400,
      body: { error: true, message: "chatId: is not a chat id" },
    });
    const missing = await run(client, { fragment: fragment("1"), chatId: "chat_abc" });
    expect(missing).toEqual({ status: 404, body: { error: true, message: "Chat not found" } });
    expect(await list(client)).toEqual([]);
  });
});

const serverKey = "sk-server-held-key-0123456789";
let fake: FakeOpenAI;
let kiln: KilnServer;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: serverKey, models: ["kiln-test-model"] });
  kiln = await startKiln({
    env: { ...suiteEnv, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: serverKey },
  });
});
afterAll(async () => {
  await kiln?.stop();
  await fake?.close();
});

/** A chat of the client's, written by the fake model. */
async function newChat(client: TestClient, marker: string): Promise<string> {
  fake.script({
    when: (r) => r.prompt.includes(marker),
    json: { files: [], ...fragment("print('hi')") },
  });
  const response = await client.fetch("/api/chat", {
    method: "POST",
    headers: { accept: "application/json" },
    json: { messages: [{ role: "user", content: `Say hi ${marker}` }] },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as Json).chatId;
}

const chatOf = async (client: TestClient, chatId: string) =>
  ((await (await client.fetch(`/api/chats/${chatId}`)).json()) as Json).chat;

describe("a chat's sandbox", () => {
  test("is made on the first run, kept on the chat, reused, replaced for another template, and stopped with the chat", {
    timeout: 120_000,
  }, async () => {
    const alice = await signedIn(kiln.url);
    const chatId = await newChat(alice, "keeps-1");
    expect(await chatOf(alice, chatId)).toMatchObject({ sbxId: null });

    const first = await run(alice, { fragment: fragment("x = 41"), chatId });
    expect(first.status).toBe(200);
    const sbxId = first.body.sbxId as string;
    expect(await chatOf(alice, chatId)).toMatchObject({ sbxId });
    // The same sandbox, with the state the first run left.
    const again = await run(alice, { fragment: fragment("x + 1"), chatId });
    expect(again.body).toMatchObject({ sbxId, cellResults: [{ text: "42" }] });
    expect((await list(alice)).map((s) => [s.sbxId, s.chatId, s.chatTitle])).toEqual([
      [sbxId, chatId, "Say hi keeps-1"],
    ]);

    // Another user can neither run in the chat nor see its sandbox.
    const bob = await signedIn(kiln.url);
    expect((await run(bob, { fragment: fragment("1"), chatId })).status).toBe(404);
    expect(await list(bob)).toEqual([]);

    // Another template: a new sandbox, and the old one stopped, so the chat holds one.
    const page = fragment("<h1>hi</h1>", {
      template: "static-html",
      port: 8000,
      file_path: "index.html",
    });
    const web = await run(alice, { fragment: page, chatId });
    expect(web.status).toBe(200);
    expect(web.body.sbxId).not.toBe(sbxId);
    expect(await (await alice.fetch(`/api/sandbox/${sbxId}`)).json()).toMatchObject({
      status: "stopped",
    });
    expect((await list(alice)).map((s) => s.sbxId)).toEqual([web.body.sbxId]);

    // A stopped sandbox is replaced on the next run, not reported as gone.
    await alice.fetch(`/api/sandbox/${web.body.sbxId}`, { method: "DELETE" });
    const replaced = await run(alice, { fragment: fragment("1"), chatId });
    expect(replaced.status).toBe(200);
    expect(await chatOf(alice, chatId)).toMatchObject({ sbxId: replaced.body.sbxId });

    expect((await alice.fetch(`/api/chats/${chatId}`, { method: "DELETE" })).status).toBe(200);
    expect(await (await alice.fetch(`/api/sandbox/${replaced.body.sbxId}`)).json()).toMatchObject({
      status: "stopped",
    });
    expect(await list(alice)).toEqual([]);
  });
});
