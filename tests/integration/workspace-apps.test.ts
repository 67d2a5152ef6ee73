import { describe, expect, inject, test } from "vitest";
import type { TestClient } from "../support/client";
import { type Json, signedIn } from "../support/sandbox-api";

// Workspace folders as apps: a folder runs in a sandbox (POST /api/files/run), opens in a chat
// whose app it becomes (POST /api/files/chat), and what the chat or a sandbox made of it comes
// back into the folder (POST /api/chats/:id/workspace, POST /api/files/from-sandbox) without
// ever overwriting a change made in the workspace meanwhile. Every case runs on PGlite and, with
// TEST_DATABASE_URL, on Postgres.

const page = (heading: string) =>
  `<!doctype html><html><head><link rel="stylesheet" href="style.css"></head><body><h1>${heading}</h1></body></html>`;

async function call(client: TestClient, method: string, path: string, json?: unknown) {
  const response = await client.fetch(path, { method, json });
  return { status: response.status, body: (await response.json()) as Json };
}

/** A static app in `folder`: index.html and style.css. */
async function staticApp(client: TestClient, folder: string, heading = "Counter") {
  const written = await call(client, "POST", "/api/files/batch", {
    files: [
      { path: `${folder}/index.html`, content: page(heading) },
      { path: `${folder}/style.css`, content: "h1 { color: teal }" },
    ],
  });
  expect(written.status).toBe(200);
}

const content = async (client: TestClient, path: string) =>
  (await call(client, "GET", `/api/files/content?path=${encodeURIComponent(path)}`)).body;

const stopSandbox = (client: TestClient, sbxId: string) =>
  client.fetch(`/api/sandbox/${sbxId}`, { method: "DELETE" });

describe.each(inject("backends"))("workspace folders as apps on $name", ({ url }) => {
  test("a folder runs in a sandbox on the template its entry file shows", {
    timeout: 60_000,
  }, async () => {
    const client = await signedIn(url);
    await staticApp(client, "apps/counter");
    const ran = await call(client, "POST", "/api/files/run", { path: "apps/counter" });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    expect(ran.body).toMatchObject({ template: "static-html", sbxId: expect.any(String) });
    try {
      expect(ran.body.url).toMatch(/^http/);
      const inSandbox = await call(
        client,
        "GET",
        `/api/sandbox/${ran.body.sbxId}/files?path=style.css`,
      );
      expect(inSandbox.body).toMatchObject({ type: "file", content: "h1 { color: teal }" });
    } finally {
      await stopSandbox(client, ran.body.sbxId);
    }
  });

  test("a chat on a folder edits it, saves back to it, and never over a change made there", async () => {
    const client = await signedIn(url);
    await staticApp(client, "apps/board");
    const opened = await call(client, "POST", "/api/files/chat", { path: "apps/board" });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const { chatId } = opened.body;
    expect(opened.body).toMatchObject({
      path: "apps/board",
      fragment: {
        template: "static-html",
        title: "board",
        file_path: "index.html",
        code: page("Counter"),
        files: [{ file_path: "style.css", code: "h1 { color: teal }" }],
      },
    });
    const chat = (await call(client, "GET", `/api/chats/${chatId}`)).body;
    expect(chat.chat).toMatchObject({ workspacePath: "apps/board", template: "static-html" });
    expect(chat.messages.map((m: Json) => m.role)).toEqual(["user", "assistant"]);

    // An edit of the app (by hand here; by the model through morph-chat the same way) goes back.
    const edit = async (heading: string) => {
      const saved = await call(client, "POST", `/api/chats/${chatId}/versions`, {
        fragment: { ...opened.body.fragment, code: page(heading) },
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    };
    await edit("Board");
    const back = await call(client, "POST", `/api/chats/${chatId}/workspace`, {});
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({
      path: "apps/board",
      written: ["index.html"],
      unchanged: ["style.css"],
      skippedBinary: [],
    });
    expect((await content(client, "apps/board/index.html")).content).toBe(page("Board"));
    expect(back.body.versions["index.html"]).toBe(2);

    // Saved again with nothing new: nothing is written.
    const again = await call(client, "POST", `/api/chats/${chatId}/workspace`, {});
    expect(again.body).toMatchObject({ written: [], unchanged: ["index.html", "style.css"] });

    // Changed in the workspace, then edited in the chat: 409, and the workspace keeps its change.
    const theirs = await call(client, "POST", "/api/files/content", {
      path: "apps/board/index.html",
      content: page("Changed in the workspace"),
    });
    expect(theirs.status).toBe(200);
    await edit("Board, second edit");
    const stale = await call(client, "POST", `/api/chats/${chatId}/workspace`, {});
    expect(stale.status).toBe(409);
    expect(stale.body.message).toContain("apps/board/index.html changed in your workspace");
    expect((await content(client, "apps/board/index.html")).content).toBe(
      page("Changed in the workspace"),
    );

    // Another user's chat is not there.
    const stranger = await signedIn(url);
    expect((await call(stranger, "POST", `/api/chats/${chatId}/workspace`, {})).status).toBe(404);
    expect((await call(stranger, "POST", "/api/files/chat", { path: "apps/board" })).status).toBe(
      404,
    );
  });

  test("a sandbox's files go into a folder, without installed packages, and with versions checked", {
    timeout: 60_000,
  }, async () => {
    const client = await signedIn(url);
    await staticApp(client, "apps/notes");
    const ran = await call(client, "POST", "/api/files/run", { path: "apps/notes" });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    const sbxId = ran.body.sbxId as string;
    try {
      const wrote = await call(client, "POST", `/api/sandbox/${sbxId}/files`, {
        files: [
          { path: "notes/todo.txt", content: "ship it" },
          { path: "node_modules/left-pad/index.js", content: "module.exports = 1" },
          { path: "dist/bundle.js", content: "built" },
        ],
      });
      expect(wrote.status, JSON.stringify(wrote.body)).toBe(200);
      const saved = await call(client, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "apps/notes-copy",
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect([...saved.body.written].sort()).toEqual(["index.html", "notes/todo.txt", "style.css"]);
      expect((await content(client, "apps/notes-copy/notes/todo.txt")).content).toBe("ship it");
      expect(
        (await call(client, "GET", "/api/files?path=apps/notes-copy/node_modules")).status,
      ).toBe(404);

      // Into the folder it came from, with the versions it started at: a file made there since
      // (the sandbox's copy did not start from it) is a 409, and nothing is written.
      await call(client, "POST", "/api/files", {
        path: "apps/notes/notes/todo.txt",
        content: "draft",
      });
      const stale = await call(client, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "apps/notes",
        expectedVersions: { "index.html": 1, "style.css": 1 },
      });
      expect(stale.status).toBe(409);
      expect(stale.body.message).toContain("apps/notes/notes/todo.txt changed in your workspace");
      expect((await content(client, "apps/notes/notes/todo.txt")).content).toBe("draft");
      const current = await call(client, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "apps/notes",
        expectedVersions: { "index.html": 1, "style.css": 1, "notes/todo.txt": 1 },
      });
      expect(current.status, JSON.stringify(current.body)).toBe(200);
      expect(current.body).toMatchObject({
        written: ["notes/todo.txt"],
        unchanged: ["index.html", "style.css"],
      });
      expect((await content(client, "apps/notes/notes/todo.txt")).content).toBe("ship it");

      const stranger = await signedIn(url);
      const theirs = await call(stranger, "POST", "/api/files/from-sandbox", {
        sbxId,
        path: "mine",
      });
      expect(theirs.status).toBe(404);
    } finally {
      await stopSandbox(client, sbxId);
    }
  });

  test("folders that are not an app are refused with the reason", async () => {
    const client = await signedIn(url);
    const open = (body: unknown) => call(client, "POST", "/api/files/chat", body);
    expect((await open({ path: "nothing/here" })).status).toBe(404);

    await call(client, "POST", "/api/files/batch", {
      files: [
        { path: "odd/readme.md", content: "# notes" },
        { path: "bin/index.html", content: page("x") },
        { path: "bin/logo.png", content: "iVBORw0KGgo=", encoding: "base64" },
        { path: "py/app.py", content: "print('no framework')" },
      ],
    });
    const noEntry = await open({ path: "odd" });
    expect(noEntry.status).toBe(400);
    expect(noEntry.body.message).toContain("cannot tell which template");
    const wrongTemplate = await open({ path: "odd", template: "static-html" });
    expect(wrongTemplate.body.message).toContain("starts from index.html");
    const binary = await open({ path: "bin" });
    expect(binary.status).toBe(400);
    expect(binary.body.message).toContain("bin/logo.png");
    expect((await open({ path: "py" })).status).toBe(400);
    expect((await open({ path: "py", template: "streamlit-developer" })).status).toBe(201);

    const many = Array.from({ length: 51 }, (_, i) => ({
      path: `big/part-${i}.js`,
      content: `// ${i}`,
    }));
    await call(client, "POST", "/api/files/batch", {
      files: [...many, { path: "big/index.html", content: page("big") }],
    });
    const tooMany = await open({ path: "big" });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.message).toContain("at most 50");

    for (const path of ["../etc", "/abs", "a\\b", "a\u0000b"]) {
      expect((await open({ path })).status, path).toBe(400);
    }
    expect((await open({ path: "odd", template: "cobol" })).status).toBe(400);
    expect((await open({ path: "odd", extra: 1 })).status).toBe(400);
  });
});
