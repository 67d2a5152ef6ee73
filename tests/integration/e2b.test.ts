import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { FakeE2b } from "../support/fake-e2b";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { fragment, type Json } from "../support/sandbox-api";
import { suiteEnv } from "./global-setup";

// Sandboxes on E2B end to end: a real Kiln, configured for E2B by its environment, drives the
// real E2B SDK over HTTP against a local E2B (tests/support/fake-e2b.ts) that runs the code.

describe("sandboxes on E2B", () => {
  let e2b: FakeE2b;
  let kiln: KilnServer;
  beforeAll(async () => {
    e2b = await FakeE2b.start();
    const { apiKey, domain, apiUrl, sandboxUrl } = e2b.connection;
    kiln = await startKiln({
      env: {
        ...suiteEnv,
        E2B_API_KEY: apiKey,
        E2B_DOMAIN: domain,
        E2B_API_URL: apiUrl,
        E2B_SANDBOX_URL: sandboxUrl,
      },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await e2b?.close();
  });

  async function signedIn() {
    const client = new TestClient(kiln.url);
    await client.signUp();
    return client;
  }

  async function post(client: TestClient, path: string, json: unknown) {
    const response = await client.fetch(path, { method: "POST", json });
    return { status: response.status, body: (await response.json()) as Json };
  }

  test("a Python fragment runs in an E2B sandbox, which keeps its state between runs", async () => {
    const client = await signedIn();
    const first = await post(client, "/api/sandbox", {
      fragment: fragment("x = 41\nprint('hello')\nx + 1"),
    });
    expect(first).toMatchObject({
      status: 200,
      body: { stdout: "hello\n", runtimeError: null, cellResults: [{ text: "42" }] },
    });
    const { sbxId } = first.body;
    expect(await (await client.fetch(`/api/sandbox/${sbxId}`)).json()).toMatchObject({
      provider: "e2b",
      status: "running",
    });
    const [sandbox] = [...e2b.sandboxes.values()].filter((s) => s.metadata.kilnSandboxId === sbxId);
    expect(sandbox).toMatchObject({ template: "code-interpreter-v1" });
    const script = sandbox?.machine.hostPath("/home/user/script.py") as string;
    expect(readFileSync(script, "utf8")).toBe("x = 41\nprint('hello')\nx + 1");

    const again = await post(client, "/api/sandbox", { fragment: fragment("x * 2"), sbxId });
    expect(again.body).toMatchObject({ sbxId, cellResults: [{ text: "82" }] });
  });

  test("the terminal runs commands in the E2B sandbox, and a cd carries over", async () => {
    const client = await signedIn();
    const { body } = await post(client, "/api/sandbox", { fragment: fragment("1") });
    const { sbxId } = body;
    const made = await post(client, "/api/terminal", { command: "mkdir -p app && cd app", sbxId });
    expect(made.body).toMatchObject({ exitCode: 0, workingDirectory: "/workspace/app" });
    const pwd = await post(client, "/api/terminal", { command: "pwd; echo hi > note.txt", sbxId });
    expect(pwd.body).toMatchObject({ stdout: "/home/user/app\n", exitCode: 0 });
    const read = await client.fetch(`/api/sandbox/${sbxId}/files?path=app/note.txt`);
    expect(await read.json()).toMatchObject({ type: "file", content: "hi\n" });
  });

  test("deleting the sandbox kills it on E2B", async () => {
    const client = await signedIn();
    const { body } = await post(client, "/api/sandbox", { fragment: fragment("1") });
    const [sandbox] = [...e2b.sandboxes.values()].filter(
      (s) => s.metadata.kilnSandboxId === body.sbxId,
    );
    expect(sandbox?.isKilled).toBe(false);
    const deleted = await client.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(sandbox?.isKilled).toBe(true);
  });
});
