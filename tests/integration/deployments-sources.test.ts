import { describe, expect, inject, test } from "vitest";
import type { TestClient } from "../support/client";
import { type Json, signedIn } from "../support/sandbox-api";
import { viaKiln } from "../support/via-kiln";

// POST /api/v1/deploy from sources other than a project's run: an app given inline (fragment),
// a folder of the workspace, and a chat's newest app. Each goes live on the local provider and
// its page is fetched at its own origin through Kiln; a source of another user's is 404, and a
// body naming no source, or several, is 400. On PGlite and, with TEST_DATABASE_URL, Postgres.

const page = (heading: string) =>
  `<!doctype html><html><head><title>${heading}</title></head><body><h1>${heading}</h1></body></html>`;

const staticFragment = (heading: string) => ({
  commentary: "",
  template: "static-html",
  title: heading,
  description: "",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: 8000,
  file_path: "index.html",
  code: page(heading),
  files: [{ file_path: "css/site.css", code: "h1 { color: teal }" }],
});

async function call(client: TestClient, method: string, path: string, json?: unknown) {
  const response = await client.fetch(path, { method, json });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Deploys `source`, waits until it is live, and answers the deployment. */
async function deployed(client: TestClient, source: Record<string, unknown>) {
  const started = await call(client, "POST", "/api/v1/deploy", {
    name: "From a source",
    ...source,
  });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const id = started.body.data.id as string;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await call(client, "GET", `/api/v1/deployments/${id}`);
    if (body.data.status === "live") return body.data as Json;
    if (body.data.status === "failed" || Date.now() > deadline) {
      throw new Error(`deployment ${id} ${body.data.status}: ${body.data.error}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(inject("backends"))("deploying other sources on $name", ({ url }) => {
  test("an inline fragment goes live at its own origin, belonging to no project", {
    timeout: 90_000,
  }, async () => {
    const client = await signedIn(url);
    const deployment = await deployed(client, { fragment: staticFragment("Inline app") });
    try {
      expect(deployment).toMatchObject({ source: "fragment", project_id: null, run_id: null });
      expect(deployment.commit_sha).toMatch(/^[0-9a-f]{40}$/);
      const home = await viaKiln(url, deployment.url);
      expect(home).toMatchObject({ status: 200 });
      expect(home.body).toContain("<h1>Inline app</h1>");
      expect((await viaKiln(url, deployment.url, "/css/site.css")).body).toBe("h1 { color: teal }");
    } finally {
      await call(client, "DELETE", `/api/v1/deployments/${deployment.id}`);
    }
  });

  test("a workspace folder, and a chat opened on it, each go live; another user's chat is 404", {
    timeout: 120_000,
  }, async () => {
    const client = await signedIn(url);
    await call(client, "POST", "/api/files/batch", {
      files: [{ path: "sites/home/index.html", content: page("Workspace site") }],
    });
    const fromFolder = await deployed(client, { workspace: { path: "sites/home" } });
    const opened = await call(client, "POST", "/api/files/chat", { path: "sites/home" });
    expect(opened.status).toBe(201);
    const fromChat = await deployed(client, { chatId: opened.body.chatId });
    try {
      expect(fromFolder).toMatchObject({ source: "workspace", project_id: null });
      expect((await viaKiln(url, fromFolder.url)).body).toContain("<h1>Workspace site</h1>");
      expect(fromChat).toMatchObject({ source: "chat" });
      expect((await viaKiln(url, fromChat.url)).body).toContain("<h1>Workspace site</h1>");

      const stranger = await signedIn(url);
      const theirs = await call(stranger, "POST", "/api/v1/deploy", {
        name: "Not mine",
        chatId: opened.body.chatId,
      });
      expect(theirs.status).toBe(404);
      const noFolder = await call(stranger, "POST", "/api/v1/deploy", {
        name: "Not mine",
        workspace: { path: "sites/home" },
      });
      expect(noFolder.status).toBe(404);
    } finally {
      await call(client, "DELETE", `/api/v1/deployments/${fromFolder.id}`);
      await call(client, "DELETE", `/api/v1/deployments/${fromChat.id}`);
    }
  });

  test("a body that names no source, or several, or a bad one, is a 400 and deploys nothing", async () => {
    const client = await signedIn(url);
    const deploy = (body: unknown) => call(client, "POST", "/api/v1/deploy", body);
    const none = await deploy({ name: "Nothing" });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toContain("name exactly one source");
    const two = await deploy({
      name: "Two",
      fragment: staticFragment("x"),
      workspace: { path: "sites" },
    });
    expect(two.status).toBe(400);
    expect((await deploy({ name: "Run", run_id: "run_abc", chatId: "chat_abc" })).status).toBe(400);
    expect(
      (await deploy({ name: "Bad", fragment: { ...staticFragment("x"), code: "" } })).status,
    ).toBe(400);
    // "css" as a file and as css/site.css's folder cannot be one tree: refused, not committed.
    const clash = await deploy({
      name: "Clash",
      fragment: {
        ...staticFragment("x"),
        files: [...staticFragment("x").files, { file_path: "css", code: "" }],
      },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.error.message).toContain('"css" is a file');
    const oversize = await deploy({
      name: "Big",
      fragment: { ...staticFragment("x"), code: "x".repeat(200 * 1024 + 1) },
    });
    expect(oversize.status).toBe(400);
    expect(oversize.body.error.message).toContain("must be at most 200 KB");
    const overBody = await deploy({
      name: "Bigger",
      fragment: {
        ...staticFragment("x"),
        files: Array.from({ length: 6 }, (_, i) => ({
          file_path: `f${i}.txt`,
          code: "x".repeat(190 * 1024),
        })),
      },
    });
    expect(overBody.status).toBe(413);
    expect((await deploy({ name: "Up", workspace: { path: "../etc" } })).status).toBe(400);
    expect((await deploy({ name: "Nul", workspace: { path: "a\u0000b" } })).status).toBe(400);
    expect((await deploy({ name: "Chat", chatId: "not-a-chat" })).status).toBe(400);
    expect((await deploy({ name: "Empty", workspace: { path: "nothing/here" } })).status).toBe(404);
    const listed = await call(client, "GET", "/api/v1/deployments");
    expect(listed.body.data).toEqual([]);
  });
});
