import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { EventSourceParserStream } from "eventsource-parser/stream";
import pg from "pg";
import { describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";
import { startKiln } from "../support/kiln-server";
import { processesWith } from "../support/processes";
import { suiteEnv } from "./global-setup";

// The Sandbox and Terminal APIs end to end: real bubblewrap sandboxes behind a real Kiln.

const fragment = (code: string, extra: Record<string, unknown> = {}) => ({
  commentary: "",
  template: "code-interpreter-v1",
  title: "Test",
  description: "",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: null,
  file_path: "script.py",
  code,
  ...extra,
});

const staticSite = fragment(
  '<!doctype html><link rel="stylesheet" href="style.css"><h1>Hello from the sandbox</h1>',
  {
    template: "static-html",
    port: 8000,
    file_path: "index.html",
    files: [{ file_path: "style.css", code: "h1 { color: rebeccapurple }" }],
  },
);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Response bodies are checked field by field with toMatchObject; their shapes live in the route
// contracts, not here.
type Json = ReturnType<typeof JSON.parse>;

async function signedIn(url: string) {
  const client = new TestClient(url);
  await client.signUp();
  return client;
}

async function run(client: TestClient, body: unknown) {
  const response = await client.fetch("/api/sandbox", { method: "POST", json: body });
  return { status: response.status, body: (await response.json()) as Json };
}

async function terminal(client: TestClient, body: Record<string, unknown>) {
  const response = await client.fetch("/api/terminal", { method: "POST", json: body });
  return { status: response.status, body: (await response.json()) as Json };
}

async function readEvents(response: Response, onEvent?: (event: string, data: Json) => void) {
  const events: { event: string; data: Json }[] = [];
  const stream = response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of stream) {
    const entry = { event: message.event ?? "message", data: JSON.parse(message.data) };
    events.push(entry);
    onEvent?.(entry.event, entry.data);
  }
  return events;
}

describe.each(inject("backends"))("sandboxes on $name", ({ url }) => {
  test("a Python fragment runs: output, last expression, errors, and state kept between runs", async () => {
    const client = await signedIn(url);
    const first = await run(client, { fragment: fragment("x = 41\nprint('hello')\nx + 1") });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      template: "code-interpreter-v1",
      stdout: "hello\n",
      stderr: "",
      runtimeError: null,
      cellResults: [{ text: "42" }],
      files: ["/workspace/script.py"],
      warnings: [],
    });
    expect(first.body.sbxId).toMatch(/^sbx_/);

    const again = await run(client, { fragment: fragment("x * 2"), sbxId: first.body.sbxId });
    expect(again.body).toMatchObject({ sbxId: first.body.sbxId, cellResults: [{ text: "82" }] });

    const failing = await run(client, {
      fragment: fragment("def f():\n    return 1 / 0\nf()"),
      sbxId: first.body.sbxId,
    });
    expect(failing.body.runtimeError).toMatchObject({
      name: "ZeroDivisionError",
      value: "division by zero",
    });
    expect(failing.body.runtimeError.traceback).toContain("line 2");
  });

  test("charts come back as PNG cells, with pandas and matplotlib from the interpreter's libraries", async () => {
    const client = await signedIn(url);
    const code = [
      "import matplotlib.pyplot as plt",
      "import pandas as pd",
      "frame = pd.DataFrame({'x': [1, 2, 3], 'y': [1, 4, 9]})",
      "frame.plot(x='x', y='y')",
      "plt.show()",
      "int(frame['y'].sum())",
    ].join("\n");
    const { body } = await run(client, { fragment: fragment(code) });
    expect(body.runtimeError).toBeNull();
    expect(body.cellResults).toContainEqual({ text: "14" });
    const png = body.cellResults.find((cell: { png?: string }) => cell.png)?.png;
    expect(Buffer.from(png, "base64").subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });

  test("a package pip installs in the terminal can be imported by the interpreter", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const written = await client.fetch(`/api/sandbox/${body.sbxId}/files`, {
      method: "POST",
      json: {
        files: [
          {
            path: "kilnpkg/pyproject.toml",
            content:
              '[project]\nname = "kilnpkg"\nversion = "1.0"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
          },
          { path: "kilnpkg/kilnpkg/__init__.py", content: "VALUE = 'installed'\n" },
        ],
      },
    });
    expect(written.status).toBe(200);
    // Offline, so from the local folder and with the system's setuptools.
    const installed = await terminal(client, {
      command: "pip install -q --no-build-isolation --no-index ./kilnpkg && cd / && echo ok",
      sbxId: body.sbxId,
    });
    expect(installed.body).toMatchObject({ exitCode: 0 });
    const imported = await run(client, {
      fragment: fragment("import kilnpkg\nkilnpkg.VALUE"),
      sbxId: body.sbxId,
    });
    expect(imported.body.cellResults).toEqual([{ text: "'installed'" }]);
  });

  test("new sandboxes share nothing: not state, not files", async () => {
    const client = await signedIn(url);
    const first = await run(client, {
      fragment: fragment("mine = 'a'\nopen('mine.txt', 'w').write('a')"),
    });
    for (let i = 0; i < 3; i++) {
      const next = await run(client, {
        fragment: fragment("import os\n('mine' in globals(), sorted(os.listdir('.')))"),
      });
      expect(next.body.sbxId).not.toBe(first.body.sbxId);
      expect(next.body.cellResults).toEqual([{ text: "(False, ['script.py'])" }]);
      await client.fetch(`/api/sandbox/${next.body.sbxId}`, { method: "DELETE" });
    }
  });

  test("a static site is served through Kiln's preview proxy, framable only by Kiln", async () => {
    const client = await signedIn(url);
    const { status, body } = await run(client, { fragment: staticSite });
    expect(status).toBe(200);
    // Absolute, at the origin the request was addressed to: a script can open it as it is.
    expect(body.url).toMatch(
      new RegExp(`^${escapeRegExp(url)}/api/sandbox/${body.sbxId}/preview/[\\w-]+/$`),
    );
    expect(body).not.toHaveProperty("stdout");

    // The URL is the credential: no cookie is sent, as from the preview's opaque origin.
    const page = await fetch(new URL(body.url, url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Hello from the sandbox");
    expect(page.headers.get("content-security-policy")).toMatch(/^sandbox /);
    expect(page.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    const css = await fetch(new URL(`${body.url}style.css`, url));
    expect(await css.text()).toContain("rebeccapurple");

    const wrongToken = body.url.replace(/preview\/[\w-]+\//, "preview/not-the-token/");
    expect((await fetch(new URL(wrongToken, url))).status).toBe(404);

    // The app's server knows its preview path (KILN_BASE_PATH), but no host user's `ps` shows
    // the token, while the server runs.
    const token = /preview\/([\w-]+)\//.exec(body.url)![1]!;
    expect(processesWith(token)).toEqual([]);
  });

  test("a Node server's dependencies are prepared once, and its app is previewed", async () => {
    const client = await signedIn(url);
    const server = fragment(
      [
        "const express = require('express');",
        "const app = express();",
        "app.get('/', (req, res) => res.send(\"<a href='api'>node \" + process.version + '</a>'));",
        "app.get('/api', (req, res) => res.json({ ok: true, path: req.path }));",
        "app.listen(process.env.PORT, '0.0.0.0');",
      ].join("\n"),
      { template: "node-server", port: 3000, file_path: "index.js" },
    );
    const { status, body } = await run(client, { fragment: server });
    expect(status, JSON.stringify(body)).toBe(200);
    const page = await fetch(new URL(body.url, url));
    expect(await page.text()).toMatch(/^<a href='api'>node v2\d\./);
    const api = await fetch(new URL(`${body.url}api`, url));
    expect(await api.json()).toEqual({ ok: true, path: "/api" });

    // The template's node_modules is shared and read-only; the app's own files are not.
    const write = await terminal(client, {
      command: "touch node_modules/x; echo $?; ls package.json index.js",
      sbxId: body.sbxId,
    });
    expect(write.body.stdout).toBe("1\nindex.js\npackage.json\n");
  });

  test("previews carry websocket upgrades (hot reload) to the app, and only with the token", async () => {
    const client = await signedIn(url);
    const echo = fragment(
      [
        "const http = require('http');",
        "const server = http.createServer((req, res) => res.end('up'));",
        "server.on('upgrade', (req, socket) => {",
        "  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\n\\r\\n');",
        "  socket.write('path=' + req.url + ';');",
        "  socket.pipe(socket);",
        "});",
        "server.listen(process.env.PORT, '0.0.0.0');",
      ].join("\n"),
      { template: "node-server", port: 3000, file_path: "index.js" },
    );
    const { body } = await run(client, { fragment: echo });
    const upgrade = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const request = httpRequest(new URL(path, url), {
          headers: { connection: "Upgrade", upgrade: "echo" },
        });
        request.on("upgrade", (_response, socket, head) => {
          // Bytes that came with the 101 response arrive as `head`.
          let seen = head.toString();
          socket.on("data", (chunk) => {
            seen += chunk;
            if (seen.includes("ping")) {
              socket.destroy();
              resolve(seen);
            }
          });
          socket.write("ping");
        });
        request.on("response", (response) => resolve(`status ${response.statusCode}`));
        request.on("error", reject);
        request.end();
      });
    expect(await upgrade(`${body.url}hot?x=1`)).toBe("path=/hot?x=1;ping");
    const wrong = body.url.replace(/preview\/[\w-]+\//, "preview/not-the-token/");
    expect(await upgrade(`${wrong}hot`)).toBe("status 404");
  });

  test("an app that crashes before it serves is a 400 that shows its last output", async () => {
    const client = await signedIn(url);
    const crash = fragment("console.log('starting');\nthrow new Error('no database configured');", {
      template: "node-server",
      port: 3000,
      file_path: "index.js",
    });
    const { status, body } = await run(client, { fragment: crash });
    expect(status).toBe(400);
    expect(body.code).toBe("app_exited");
    expect(body.message).toMatch(/^The app exited before it served on port 3000 \(exit code 1\)/);
    expect(body.message).toContain("starting");
    expect(body.message).toContain("Error: no database configured");
  });

  test("without KILN_SANDBOX_INSTALL_NETWORK, extra packages are not installed and the answer says so", async () => {
    const client = await signedIn(url);
    const app = fragment("print('ran')", { additional_dependencies: ["left-pad"] });
    const { status, body } = await run(client, { fragment: app });
    expect(status).toBe(200);
    expect(body.stdout).toBe("ran\n");
    expect(body.warnings).toEqual([
      "Not installed: left-pad. This server keeps sandboxes offline (KILN_SANDBOX_INSTALL_NETWORK=off).",
    ]);
  });

  test("a template whose packages this server cannot install says so", async () => {
    const client = await signedIn(url);
    const app = fragment("import streamlit as st\nst.write('hi')", {
      template: "streamlit-developer",
      port: 8501,
      file_path: "app.py",
    });
    const { status, body } = await run(client, { fragment: app });
    expect(status).toBe(503);
    expect(body).toMatchObject({ error: true, code: "template_unavailable" });
    expect(body.message).toMatch(/streamlit/);
  });

  test("the per-user cap holds under concurrency: of 8 creations at once, exactly 5 succeed", async () => {
    const client = await signedIn(url);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => run(client, { fragment: fragment("1") })),
    );
    try {
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 409, 409, 409]);
      for (const refused of answers.filter((a) => a.status === 409)) {
        expect(refused.body).toMatchObject({ error: true, code: "sandbox_limit" });
        expect(refused.body.message).toMatch(/5 running sandboxes/);
      }
    } finally {
      for (const { body } of answers.filter((a) => a.status === 200)) {
        await client.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" });
      }
    }
    // Deleting frees the slots.
    expect((await run(client, { fragment: fragment("1") })).status).toBe(200);
  });

  test("the streamed form sends progress, then the result", async () => {
    const client = await signedIn(url);
    const response = await client.fetch("/api/sandbox", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { fragment: fragment("import sys\nprint('out')\nprint('err', file=sys.stderr)") },
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readEvents(response);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("progress");
    expect(names).toContain("stdout");
    expect(names).toContain("stderr");
    expect(events.at(-1)).toMatchObject({
      event: "result",
      data: { stdout: "out\n", stderr: "err\n" },
    });
  });

  test("sandbox rows: described, another user's is 404, deleted ones are gone", async () => {
    const alice = await signedIn(url);
    const { body } = await run(alice, { fragment: fragment("1") });
    const described = await alice.fetch(`/api/sandbox/${body.sbxId}`);
    expect(await described.json()).toMatchObject({
      sbxId: body.sbxId,
      template: "code-interpreter-v1",
      provider: "local",
      status: "running",
      workingDirectory: "/workspace",
    });

    const bob = await signedIn(url);
    for (const [method, path, json] of [
      ["GET", `/api/sandbox/${body.sbxId}`, undefined],
      ["DELETE", `/api/sandbox/${body.sbxId}`, undefined],
      ["GET", `/api/sandbox/${body.sbxId}/files?path=script.py`, undefined],
      ["POST", "/api/terminal", { command: "ls", sbxId: body.sbxId }],
      ["POST", "/api/sandbox", { fragment: fragment("1"), sbxId: body.sbxId }],
    ] as const) {
      const response = await bob.fetch(path, { method, json });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toEqual({ error: true, message: "Sandbox not found" });
    }

    expect((await alice.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" })).status).toBe(
      200,
    );
    expect(await (await alice.fetch(`/api/sandbox/${body.sbxId}`)).json()).toMatchObject({
      status: "stopped",
    });
    const after = await terminal(alice, { command: "ls", sbxId: body.sbxId });
    expect(after.status).toBe(404);
    expect(after.body.message).toMatch(/was deleted/);
    // The streamed form says the same in its error event, with the status.
    const streamed = await alice.fetch("/api/sandbox", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { fragment: fragment("1"), sbxId: body.sbxId },
    });
    expect((await readEvents(streamed)).at(-1)).toEqual({
      event: "error",
      data: {
        error: true,
        message: `Sandbox ${body.sbxId} was deleted; run the fragment again for a new one`,
        status: 404,
        code: "sandbox_gone",
      },
    });
  });

  test("terminal: output, exit codes, and a cd that carries to the next command", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const sbxId = body.sbxId;

    const made = await terminal(client, { command: "mkdir -p app/src && cd app", sbxId });
    expect(made.body).toEqual({
      stdout: "",
      stderr: "",
      exitCode: 0,
      workingDirectory: "/workspace/app",
    });
    const pwd = await terminal(client, { command: "pwd; ls", sbxId });
    expect(pwd.body).toMatchObject({ stdout: "/workspace/app\nsrc\n", exitCode: 0 });
    const explicit = await terminal(client, {
      command: "pwd",
      sbxId,
      workingDirectory: "/workspace",
    });
    expect(explicit.body.stdout).toBe("/workspace\n");

    // The seed's example directory, E2B's name for the project directory, is the same place.
    const seed = await terminal(client, { command: "pwd", sbxId, workingDirectory: "/home/user" });
    expect(seed.body).toMatchObject({ stdout: "/workspace\n", workingDirectory: "/workspace" });
    const elsewhere = await terminal(client, { command: "pwd", sbxId, workingDirectory: "/etc" });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.message).toBe(
      "workingDirectory: must be inside /workspace (or /home/user)",
    );

    const failed = await terminal(client, { command: "echo oops >&2; exit 3", sbxId });
    expect(failed.body).toMatchObject({ stderr: "oops\n", exitCode: 3 });

    const outside = await terminal(client, { command: "cd / && pwd", sbxId });
    expect(outside.body.stdout).toBe("/\n");
    expect(outside.body.workingDirectory).toBe("/workspace");

    const env = await terminal(client, { command: "env", sbxId });
    expect(env.body.stdout).not.toMatch(/KILN_|DATABASE_URL|DATA_DIR|NODE_EXTRA_CA_CERTS/);
  });

  test("terminal streams output as it happens and a streamed command can be stopped", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const streamed = await client.fetch("/api/terminal", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { command: "echo one; sleep 30; echo two", sbxId: body.sbxId },
    });
    const started = Date.now();
    let commandId = "";
    let stopped: Promise<Response> | undefined;
    const events = await readEvents(streamed, (event, data) => {
      if (event === "start") commandId = data.commandId;
      if (event === "stdout" && data.text.includes("one")) {
        stopped = client.fetch(`/api/terminal/${commandId}`, { method: "DELETE" });
      }
    });
    expect(await (await stopped!).json()).toEqual({ commandId, stopped: true });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(events[0]).toMatchObject({ event: "start", data: { commandId: expect.any(String) } });
    expect(events.filter((e) => e.event === "stdout").map((e) => e.data.text)).toEqual(["one\n"]);
    // The output went out as it came: the end says only how the command ended.
    expect(events.at(-1)).toEqual({
      event: "exit",
      data: { commandId, exitCode: 137, workingDirectory: "/workspace" },
    });
  });

  test("deleting a sandbox ends the commands still running in it", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const streamed = await client.fetch("/api/terminal", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { command: "echo started; sleep 30", sbxId: body.sbxId },
    });
    const started = Date.now();
    const events = await readEvents(streamed, (event) => {
      if (event === "stdout") void client.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" });
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(events.at(-1)).toMatchObject({ event: "exit", data: { exitCode: 137 } });
  });

  test("a sandbox runs at most four commands at once; the fifth is refused until one ends", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    // Streamed, so that each is known to be running once its start event arrives.
    const long = Array.from({ length: 4 }, async () => {
      const response = await client.fetch("/api/terminal", {
        method: "POST",
        headers: { accept: "text/event-stream" },
        json: { command: "sleep 3", sbxId: body.sbxId },
      });
      let started!: () => void;
      const isStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      const done = readEvents(response, (event) => event === "start" && started());
      return { isStarted, done };
    });
    const streams = await Promise.all(long);
    await Promise.all(streams.map((s) => s.isStarted));
    const fifth = await terminal(client, { command: "echo hi", sbxId: body.sbxId });
    expect(fifth.status).toBe(409);
    expect(fifth.body).toMatchObject({ error: true, code: "too_many_commands" });
    const ends = await Promise.all(streams.map((s) => s.done));
    expect(ends.map((events) => events.at(-1)?.data.exitCode)).toEqual([0, 0, 0, 0]);
    const after = await terminal(client, { command: "echo hi", sbxId: body.sbxId });
    expect(after.body.stdout).toBe("hi\n");
  });

  test("files: write, read, list; paths outside the workspace are refused", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const base = `/api/sandbox/${body.sbxId}/files`;
    const written = await client.fetch(base, {
      method: "POST",
      json: { files: [{ path: "data/in.txt", content: "héllo" }] },
    });
    expect(await written.json()).toEqual({ files: ["/workspace/data/in.txt"] });
    const read = await client.fetch(`${base}?path=/workspace/data/in.txt`);
    expect(await read.json()).toEqual({
      path: "/workspace/data/in.txt",
      type: "file",
      content: "héllo",
    });
    const listed = await client.fetch(`${base}?path=data`);
    expect(await listed.json()).toMatchObject({
      path: "/workspace/data",
      type: "directory",
      entries: [{ name: "in.txt", path: "/workspace/data/in.txt", type: "file", size: 6 }],
    });
    const python = await run(client, {
      fragment: fragment("open('data/in.txt').read()"),
      sbxId: body.sbxId,
    });
    expect(python.body.cellResults).toEqual([{ text: "'héllo'" }]);

    for (const path of ["../etc/passwd", "/etc/passwd"]) {
      const response = await client.fetch(`${base}?path=${encodeURIComponent(path)}`);
      expect(response.status, path).toBe(400);
      expect((await response.json()).message).toMatch(/outside \/workspace/);
    }
    const missing = await client.fetch(`${base}?path=nope.txt`);
    expect(missing.status).toBe(404);
  });

  test.each([
    [{ fragment: fragment("1", { template: "cobol" }) }, /fragment\.template: must be one of/],
    [{ fragment: fragment("1"), sbxId: "../etc" }, /sbxId: is not a sandbox id/],
    [{ fragment: fragment("1", { file_path: "../x.py" }) }, /fragment\.file_path: must not/],
    [{}, /fragment: /],
  ])("bad input %# is a 400 naming the field", async (input, message) => {
    const client = await signedIn(url);
    const { status, body } = await run(client, input);
    expect(status).toBe(400);
    expect(body.message).toMatch(message);
  });

  test("without a session or key, sandboxes are 401", async () => {
    const response = await fetch(`${url}/api/sandbox`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fragment: fragment("1") }),
    });
    expect(response.status).toBe(401);
  });
});

const databaseUrl = process.env.TEST_DATABASE_URL;
describe.runIf(databaseUrl)("the sandbox reaper", () => {
  test("at start, Kiln ends sandboxes past their expiry and removes their files", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-reaper-"));
    const env = { ...suiteEnv, DATABASE_URL: databaseUrl };
    const first = await startKiln({ env, dataDir });
    let sbxId: string;
    try {
      const client = await signedIn(first.url);
      sbxId = (await run(client, { fragment: fragment("1") })).body.sbxId;
    } finally {
      await first.stop();
    }
    const sandboxDir = path.join(dataDir, "sandboxes", sbxId);
    expect(existsSync(path.join(sandboxDir, "workspace"))).toBe(true);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await db.query(
        "update sandboxes set expires_at = now() - interval '1 second' where id = $1",
        [sbxId],
      );
      const second = await startKiln({ env, dataDir });
      try {
        await expect
          .poll(
            async () =>
              (await db.query("select status from sandboxes where id = $1", [sbxId])).rows[0]
                ?.status,
            { timeout: 10_000 },
          )
          .toBe("expired");
        await expect.poll(() => existsSync(sandboxDir), { timeout: 5_000 }).toBe(false);
      } finally {
        await second.stop();
      }
    } finally {
      await db.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the machine-wide sandbox cap", () => {
  test("counts every user's sandboxes atomically, answers 503 beyond it, and frees slots", async () => {
    const kiln = await startKiln({
      env: { ...suiteEnv, KILN_SANDBOX_MAX_TOTAL: "3", KILN_SANDBOX_MAX_PER_USER: "5" },
    });
    try {
      const alice = await signedIn(kiln.url);
      const bob = await signedIn(kiln.url);
      // A sandbox whose template cannot run here is ended at once and holds no slot.
      const unavailable = fragment("import streamlit", {
        template: "streamlit-developer",
        port: 8501,
        file_path: "app.py",
      });
      for (let i = 0; i < 4; i++) {
        expect((await run(alice, { fragment: unavailable })).body.code).toBe(
          "template_unavailable",
        );
      }

      const answers = await Promise.all(
        [alice, bob, alice, bob, alice, bob].map((client) =>
          run(client, { fragment: fragment("1") }).then((answer) => ({ client, ...answer })),
        ),
      );
      const served = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      expect(served).toHaveLength(3);
      expect(refused.map((a) => a.status)).toEqual([503, 503, 503]);
      for (const { body } of refused) {
        expect(body).toMatchObject({ error: true, code: "sandbox_capacity" });
        expect(body.message).toMatch(/running 3 sandboxes/);
      }

      const first = served[0]!;
      await first.client.fetch(`/api/sandbox/${first.body.sbxId}`, { method: "DELETE" });
      expect((await run(bob, { fragment: fragment("1") })).status).toBe(200);
      expect((await run(alice, { fragment: fragment("1") })).status).toBe(503);
    } finally {
      await kiln.stop();
    }
    // A server of its own: its first start makes a new database, slow on a loaded machine.
  }, 240_000);
});
