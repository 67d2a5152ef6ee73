import { describe, expect, inject, test } from "vitest";
import type { TestClient } from "../support/client";
import { type Json, signedIn } from "../support/sandbox-api";

// The edges of workspace folders as apps (workspace-apps.test.ts has the main paths): names the
// workspace spells differently from an app, file names that are also names of every JavaScript
// object, and a folder that is a file. Every case runs on PGlite and, with TEST_DATABASE_URL, on
// Postgres.

const page = (heading: string) => `<!doctype html><html><body><h1>${heading}</h1></body></html>`;

async function call(client: TestClient, method: string, path: string, json?: unknown) {
  const response = await client.fetch(path, { method, json });
  return { status: response.status, body: (await response.json()) as Json };
}

const listing = async (client: TestClient, path: string) =>
  (await call(client, "GET", `/api/files?path=${encodeURIComponent(path)}`)).body;

const stopSandbox = (client: TestClient, sbxId: string) =>
  client.fetch(`/api/sandbox/${sbxId}`, { method: "DELETE" });

/** A chat opened on `folder` (index.html in it), and a way to give it a new app. */
async function chatOn(client: TestClient, folder: string) {
  const written = await call(client, "POST", "/api/files/batch", {
    files: [{ path: `${folder}/index.html`, content: page("Start") }],
  });
  expect(written.status).toBe(200);
  const opened = await call(client, "POST", "/api/files/chat", { path: folder });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  const chatId = opened.body.chatId as string;
  const edit = async (files: { file_path: string; code: string }[]) => {
    const saved = await call(client, "POST", `/api/chats/${chatId}/versions`, {
      fragment: { ...opened.body.fragment, code: page("Edited"), files },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  };
  const save = () => call(client, "POST", `/api/chats/${chatId}/workspace`, {});
  return { chatId, edit, save };
}

describe.each(inject("backends"))("workspace folders as apps, edge cases, on $name", ({ url }) => {
  test("a chat's file named as the workspace would not keep it is refused, and nothing is written", async () => {
    const client = await signedIn(url);
    const { edit, save } = await chatOn(client, "apps/names");
    const deep = `${"a/".repeat(70)}x.js`;
    // "café" spelled with a combining accent: the workspace keeps names in NFC, so the file
    // would land under a name no request to the workspace can reach.
    for (const odd of ["cafe\u0301.js", deep]) {
      await edit([{ file_path: odd, code: "x" }]);
      const saved = await save();
      expect(saved.status, `${odd.slice(0, 20)}: ${JSON.stringify(saved.body)}`).toBe(400);
      expect(saved.body.message).toContain("has a name the workspace does not take");
    }
    const folder = await listing(client, "apps/names");
    expect(folder.map((node: Json) => node.name)).toEqual(["index.html"]);
    expect(
      (await call(client, "GET", "/api/files/content?path=apps/names/index.html")).body,
    ).toMatchObject({ content: page("Start"), version: 1 });
  });

  test("files named like an object's own properties save back like any other", async () => {
    const client = await signedIn(url);
    const { edit, save } = await chatOn(client, "apps/proto");
    await edit([
      { file_path: "constructor", code: "c" },
      { file_path: "toString", code: "t" },
      { file_path: "__proto__", code: "p" },
    ]);
    const saved = await save();
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect([...saved.body.written].sort()).toEqual([
      "__proto__",
      "constructor",
      "index.html",
      "toString",
    ]);
    expect(saved.body.versions).toMatchObject({ constructor: 1, toString: 1, "index.html": 2 });
    expect(Object.hasOwn(saved.body.versions, "__proto__")).toBe(true);

    // The next save starts from those versions: unchanged, not a conflict.
    const again = await save();
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.written).toEqual([]);
  });

  test("a sandbox's file named like an object's own property goes into its folder", {
    timeout: 60_000,
  }, async () => {
    const client = await signedIn(url);
    await call(client, "POST", "/api/files/batch", {
      files: [{ path: "apps/sbx/index.html", content: page("Sandbox") }],
    });
    const ran = await call(client, "POST", "/api/files/run", { path: "apps/sbx" });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    const sbxId = ran.body.sbxId as string;
    try {
      const wrote = await call(client, "POST", `/api/sandbox/${sbxId}/files`, {
        files: [{ path: "valueOf", content: "v" }],
      });
      expect(wrote.status, JSON.stringify(wrote.body)).toBe(200);
      const saved = await call(client, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "apps/sbx",
        expectedVersions: { "index.html": 1 },
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect(saved.body.written).toEqual(["valueOf"]);

      // Into a folder that is a file: refused with the reason, not a 5xx.
      const intoFile = await call(client, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "apps/sbx/index.html",
      });
      expect(intoFile.status, JSON.stringify(intoFile.body)).toBeGreaterThanOrEqual(400);
      expect(intoFile.status).toBeLessThan(500);
    } finally {
      await stopSandbox(client, sbxId);
    }
  });

  test("a sandbox's FIFO is passed over, and a directory it lists only in part is refused", {
    timeout: 120_000,
  }, async () => {
    const client = await signedIn(url);
    await call(client, "POST", "/api/files/batch", {
      files: [{ path: "apps/odd/index.html", content: page("Odd") }],
    });
    const ran = await call(client, "POST", "/api/files/run", { path: "apps/odd" });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    const sbxId = ran.body.sbxId as string;
    const shell = async (command: string) => {
      const done = await call(client, "POST", "/api/terminal", { command, sbxId });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body.exitCode, JSON.stringify(done.body)).toBe(0);
    };
    try {
      await shell("mkfifo pipe && echo kept > notes.txt");
      const saved = await call(client, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "apps/odd-copy",
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect([...saved.body.written].sort()).toEqual(["index.html", "notes.txt"]);

      // 1000 directories and, listed after them, a file: the listing would leave the file out.
      await shell(
        "mkdir many && cd many && for i in $(seq 1000 1999); do mkdir d$i; done && echo z > zz.txt",
      );
      const partial = await call(client, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "apps/odd-copy",
      });
      expect(partial.status, JSON.stringify(partial.body)).toBe(413);
      expect(partial.body.message).toContain("many in the sandbox holds 1000 entries or more");
    } finally {
      await stopSandbox(client, sbxId);
    }
  });
});
