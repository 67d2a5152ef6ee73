import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { commitApp } from "../support/commit-app";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { ownPostgresDatabase } from "../support/own-database";
import { viaKiln } from "../support/via-kiln";
import { suiteEnv } from "./global-setup";

// Deployments on the local provider: a run's result built in a sandbox and kept running,
// reached through Kiln at its own origin and on a host port; a port already taken; stop,
// restart and delete; a crash the supervisor recovers from; and another user's deployments,
// which do not exist for them. The run pipeline is not needed: the tests commit apps to the
// project's repository with git and insert run rows themselves, as the export tests do.

interface Envelope<T> {
  success: boolean;
  data: T;
  error?: { code: string; message: string; details: Record<string, unknown> };
}
interface Deployment {
  id: string;
  project_id: string;
  run_id: string | null;
  name: string;
  status: "deploying" | "live" | "failed" | "stopped";
  port: number | null;
  url: string;
  port_url: string | null;
  health_check_url: string;
  container_id: string;
  environment: Record<string, string>;
  cpu_limit: string | null;
  memory_limit: string | null;
  restart_count: number;
  last_exit: string | null;
  error: string | null;
  started_at: string | null;
}

interface LogFrame {
  seq: number;
  step: "build" | "app";
  stream: "stdout" | "stderr";
  text: string;
}

/** Reads a deployment's log stream until a frame satisfies `until`; every frame read. */
async function readLogs(
  client: TestClient,
  id: string,
  until: (frame: LogFrame) => boolean,
  headers: Record<string, string> = {},
): Promise<LogFrame[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 30_000);
  const frames: LogFrame[] = [];
  try {
    const response = await client.fetch(`/api/v1/deployments/${id}/logs`, {
      headers: { accept: "text/event-stream", ...headers },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return frames;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!data || !/^event: log$/m.test(block)) continue;
        const frame = JSON.parse(data) as LogFrame;
        expect(/^id: (\d+)$/m.exec(block)?.[1]).toBe(String(frame.seq));
        frames.push(frame);
        if (until(frame)) {
          abort.abort();
          return frames;
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const staticApp = {
  "index.html": "<!doctype html><title>Static</title><h1>A static deployment</h1>\n",
};
// A Node.js server with no dependencies: it greets with an environment variable, /crash makes
// it exit as a crashing app would, and /hog allocates memory without end.
const nodeApp = {
  "package.json": JSON.stringify({ name: "node-app", scripts: { start: "node server.js" } }),
  "server.js": [
    "const http = require('node:http');",
    "const started = Date.now();",
    "http.createServer((req, res) => {",
    "  if (req.url === '/crash') { res.end('bye'); setTimeout(() => process.exit(1), 10); return; }",
    "  if (req.url === '/hog') { res.end('eating'); const kept = []; setInterval(() => kept.push(Buffer.alloc(32 * 1024 * 1024, 1)), 20); return; }",
    "  res.setHeader('content-type', 'text/plain');",
    "  res.end('node says ' + process.env.GREETING + ' (' + process.env.NODE_ENV + ') since ' + started);",
    "}).listen(Number(process.env.PORT), '0.0.0.0');",
    "",
  ].join("\n"),
};

const databaseUrl = process.env.TEST_DATABASE_URL;

describe.runIf(databaseUrl)("deployments on the local provider", () => {
  let kiln: KilnServer;
  let kilnEnv: Record<string, string>;
  let dataDir: string;
  let db: pg.Client;
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let project: { id: string; repoPath: string };
  let staticId: string;
  const runs: Record<string, string> = {};
  const outside: Server[] = [];

  const insertRun = async (n: number, status: string, commit: string | null) => {
    const id = `run_dep${n}${randomBytes(4).toString("hex")}`;
    await db.query(
      `insert into runs (id, project_id, user_id, run_number, spec_version, status, result_commit)
       values ($1, $2, $3, $4, 1, $5, $6)`,
      [id, project.id, aliceId, n, status, commit],
    );
    return id;
  };

  beforeAll(async () => {
    const ownUrl = new URL(await ownPostgresDatabase(databaseUrl!, "deployments_suite"));
    kilnEnv = {
      ...suiteEnv,
      DATABASE_URL: ownUrl.toString(),
      KILN_RATE_LIMIT_DEPLOY: "100000/1m",
      KILN_DEPLOY_MAX_PER_USER: "3",
    };
    // A data directory of the test's own, so that a second Kiln can start on it.
    dataDir = mkdtempSync(path.join(tmpdir(), "kiln-deploy-data-"));
    kiln = await startKiln({ env: kilnEnv, dataDir });
    db = new pg.Client({ connectionString: ownUrl.toString() });
    await db.connect();
    alice = new TestClient(kiln.url);
    aliceId = (await alice.signUp()).user.id;
    bob = new TestClient(kiln.url);
    await bob.signUp();
    const created = await alice.fetch("/api/v1/projects", {
      method: "POST",
      json: { name: "Deployed app" },
    });
    expect(created.status).toBe(201);
    project = ((await created.json()) as Envelope<{ id: string; repoPath: string }>).data;
    runs.static = await insertRun(1, "succeeded", commitApp(project.repoPath, staticApp));
    runs.node = await insertRun(2, "succeeded", commitApp(project.repoPath, nodeApp));
    runs.failed = await insertRun(3, "failed", commitApp(project.repoPath, staticApp));
    runs.unstartable = await insertRun(
      4,
      "succeeded",
      commitApp(project.repoPath, { "README.md": "nothing to serve\n" }),
    );
  }, 180_000);

  afterAll(async () => {
    for (const server of outside) server.close();
    await db?.end();
    await kiln?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const deployment = async (id: string, client = alice) => {
    const response = await client.fetch(`/api/v1/deployments/${id}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as Envelope<Deployment>).data;
  };
  // Not expect.poll: it is also used in a beforeAll, where expect.poll is not allowed.
  const settled = async (id: string, client = alice) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const shown = await deployment(id, client);
      if (shown.status !== "deploying" || Date.now() > deadline) return shown;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const deploy = (body: Record<string, unknown>, client = alice) =>
    client.fetch("/api/v1/deploy", { method: "POST", json: { project_id: project.id, ...body } });
  const expectError = async (response: Response, status: number, code: string) => {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    const body = JSON.parse(text) as Envelope<unknown>;
    expect(body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
    return body.error!;
  };

  test("a static run deploys (seed 001) and its page is served at its own origin through Kiln", async () => {
    const response = await alice.fetch(`/api/v1/projects/${project.id}/deploy`, {
      method: "POST",
      json: { runId: runs.static },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const started = ((await response.json()) as Envelope<Record<string, string>>).data;
    expect(started).toEqual({
      deploymentId: expect.stringMatching(/^dep_[a-z0-9]+$/),
      status: "deploying",
      provider: "local",
    });
    staticId = started.deploymentId!;
    const done = await settled(started.deploymentId!);
    expect(done.error).toBeNull();
    expect(done.status).toBe("live");

    const status = await alice.fetch(
      `/api/v1/projects/${project.id}/deployments/${started.deploymentId}`,
    );
    expect(status.status).toBe(200);
    const seed001 = ((await status.json()) as Envelope<Record<string, string>>).data;
    expect(seed001).toMatchObject({
      id: started.deploymentId,
      status: "live",
      provider: "local",
      url: expect.stringMatching(/^http:\/\/[0-9a-f]{32}\.preview\.localhost:\d+\/$/),
      createdAt: expect.any(String),
    });
    const page = await viaKiln(kiln.url, seed001.url!);
    expect(page.status).toBe(200);
    expect(page.body).toContain("<h1>A static deployment</h1>");
  });

  test("its output streams over SSE as log rows, resumed after Last-Event-ID", async () => {
    const { url } = await deployment(staticId);
    expect((await viaKiln(kiln.url, url, "/first-visit")).status).toBe(404);
    // Python's file server logs each request to stderr.
    const first = await readLogs(alice, staticId, (f) => f.text.includes("GET /first-visit"));
    const seen = first.at(-1)!;
    expect(seen).toMatchObject({ step: "app", stream: "stderr" });
    expect(first.map((f) => f.seq)).toEqual([...first.map((f) => f.seq)].sort((a, b) => a - b));

    expect((await viaKiln(kiln.url, url, "/second-visit")).status).toBe(404);
    const resumed = await readLogs(alice, staticId, (f) => f.text.includes("GET /second-visit"), {
      "last-event-id": String(seen.seq),
    });
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((f) => f.seq > seen.seq)).toBe(true);
    expect(resumed.some((f) => f.text.includes("GET /first-visit"))).toBe(false);
    // Another user cannot read them.
    await expectError(await bob.fetch(`/api/v1/deployments/${staticId}/logs`), 404, "NOT_FOUND");
  });

  test("only a run that succeeded deploys; an app with nothing to start fails with the reason", async () => {
    const refused = await alice.fetch(`/api/v1/projects/${project.id}/deploy`, {
      method: "POST",
      json: { runId: runs.failed },
    });
    const error = await expectError(refused, 409, "CONFLICT");
    expect(error.message).toMatch(/only a run that succeeded/);

    const response = await deploy({ run_id: runs.unstartable, name: "nothing" });
    expect(response.status).toBe(202);
    const { id } = ((await response.json()) as Envelope<{ id: string }>).data;
    const failed = await settled(id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/cannot tell how to start this app/);
  });

  describe("a Node.js app on a host port", () => {
    let id: string;
    let port: number;
    const secret = `greeting-${randomBytes(6).toString("hex")}`;
    const onPort = async (pathname = "/") => {
      const response = await fetch(`http://127.0.0.1:${port}${pathname}`);
      return { status: response.status, body: await response.text() };
    };

    beforeAll(async () => {
      port = await freePort();
      const response = await deploy({
        run_id: runs.node,
        name: "node-prod",
        port,
        environment: { GREETING: secret },
        cpu_limit: "1",
        memory_limit: "512m",
      });
      expect(response.status, await response.clone().text()).toBe(202);
      const body = ((await response.json()) as Envelope<{ id: string; message: string }>).data;
      expect(body.message).toBe(`Deployment created on port ${port}`);
      id = body.id;
      expect((await settled(id)).status).toBe("live");
    }, 180_000);

    test("it serves on the port and at its origin, with its environment kept secret", async () => {
      const direct = await onPort();
      expect(direct.status).toBe(200);
      expect(direct.body).toMatch(new RegExp(`^node says ${secret} \\(production\\)`));
      const shown = await deployment(id);
      expect(shown).toMatchObject({
        name: "node-prod",
        port,
        port_url: `http://127.0.0.1:${port}/`,
        container_id: id,
        environment: { GREETING: "[hidden]" },
        cpu_limit: "1",
        memory_limit: "512m",
        restart_count: 0,
      });
      expect(shown.health_check_url).toBe(shown.url);
      // npm's banner for the start script is in the app's log.
      const logs = await readLogs(alice, id, (f) => f.text.includes("node server.js"));
      expect(logs.at(-1)).toMatchObject({ step: "app", stream: "stdout" });
      expect((await viaKiln(kiln.url, shown.url)).body).toBe(direct.body);
      // Neither the API nor the row holds the value in clear.
      const listed = await alice.fetch(`/api/v1/deployments?project_id=${project.id}`);
      expect(await listed.text()).not.toContain(secret);
      const [row] = (
        await db.query("select environment_sealed from deployments where id = $1", [id])
      ).rows;
      expect(row.environment_sealed).toMatch(/^v1\./);
      expect(row.environment_sealed).not.toContain(secret);
    });

    test("a port already taken, by a deployment or anything else, is 400 PORT_IN_USE", async () => {
      const again = await deploy({ run_id: runs.static, name: "same port", port });
      await expectError(again, 400, "PORT_IN_USE");
      const taken = createServer();
      outside.push(taken);
      const other = await freePort();
      await new Promise<void>((resolve) => taken.listen(other, "127.0.0.1", resolve));
      await expectError(
        await deploy({ run_id: runs.static, name: "outside", port: other }),
        400,
        "PORT_IN_USE",
      );
      // Neither refusal left a row behind.
      const listed = await alice.fetch("/api/v1/deployments?pageSize=100");
      const names = ((await listed.json()) as Envelope<Deployment[]>).data.map((d) => d.name);
      expect(names).not.toContain("same port");
      expect(names).not.toContain("outside");
    });

    /** Waits until a process other than the one that answered `before` serves the page. */
    const servedAfresh = (before: string) =>
      expect
        .poll(async () => (await onPort().catch(() => ({ status: 0, body: "" }))).body, {
          timeout: 60_000,
          interval: 200,
        })
        .toSatisfy((body: string) => body.startsWith(`node says ${secret}`) && body !== before);

    test("the app is started again by itself after it crashes", async () => {
      const before = (await onPort()).body;
      expect((await onPort("/crash")).body).toBe("bye");
      // A new process: it started after the first one.
      await servedAfresh(before);
      await expect
        .poll(async () => (await deployment(id)).restart_count, { timeout: 10_000 })
        .toBe(1);
      expect(await deployment(id)).toMatchObject({ status: "live", last_exit: "exit code 1" });
    });

    test("the memory limit holds: an app that allocates past it is killed and started again", async () => {
      const { restart_count: countBefore } = await deployment(id);
      const before = (await onPort()).body;
      expect((await onPort("/hog")).body).toBe("eating");
      await servedAfresh(before);
      await expect
        .poll(async () => (await deployment(id)).restart_count, { timeout: 10_000 })
        .toBe(countBefore + 1);
      // Killed by its memory limit, not by the machine running out.
      expect(await deployment(id)).toMatchObject({ status: "live", last_exit: "memory" });
    });

    test("stop frees the port and restart brings it back", async () => {
      const stopped = await alice.fetch(`/api/v1/deployments/${id}/stop`, { method: "POST" });
      expect(stopped.status).toBe(200);
      expect(((await stopped.json()) as Envelope<unknown>).data).toEqual({
        message: `Deployment ${id} stopped`,
        id,
        status: "stopped",
      });
      expect((await deployment(id)).status).toBe("stopped");
      await expect(onPort()).rejects.toThrow();
      expect((await viaKiln(kiln.url, (await deployment(id)).url)).status).toBe(404);
      const listed = await alice.fetch("/api/v1/deployments?status=stopped");
      const ids = ((await listed.json()) as Envelope<Deployment[]>).data.map((d) => d.id);
      expect(ids).toContain(id);

      const restarted = await alice.fetch(`/api/v1/deployments/${id}/restart`, {
        method: "POST",
      });
      expect(restarted.status, await restarted.clone().text()).toBe(200);
      expect(((await restarted.json()) as Envelope<unknown>).data).toEqual({
        message: `Deployment ${id} restarted`,
        id,
        status: "live",
      });
      expect((await onPort()).body).toMatch(new RegExp(`^node says ${secret}`));
      expect((await deployment(id)).status).toBe("live");
    });

    test("another user's deployment does not exist for them", async () => {
      const shown = await deployment(id);
      await expectError(await bob.fetch(`/api/v1/deployments/${id}`), 404, "NOT_FOUND");
      for (const action of ["stop", "restart"]) {
        await expectError(
          await bob.fetch(`/api/v1/deployments/${id}/${action}`, { method: "POST" }),
          404,
          "NOT_FOUND",
        );
      }
      await expectError(
        await bob.fetch(`/api/v1/deployments/${id}`, { method: "DELETE" }),
        404,
        "NOT_FOUND",
      );
      await expectError(
        await bob.fetch(`/api/v1/projects/${project.id}/deployments/${id}`),
        404,
        "NOT_FOUND",
      );
      await expectError(await deploy({ run_id: runs.node, name: "bob's" }, bob), 404, "NOT_FOUND");
      const listed = await bob.fetch("/api/v1/deployments");
      expect(((await listed.json()) as Envelope<unknown[]>).data).toEqual([]);
      // Still running for its owner.
      expect((await deployment(id)).status).toBe(shown.status);
      expect((await onPort()).status).toBe(200);
    });

    test("delete stops the app, frees its port and removes it", async () => {
      const deleted = await alice.fetch(`/api/v1/deployments/${id}`, { method: "DELETE" });
      expect(deleted.status).toBe(200);
      await expectError(await alice.fetch(`/api/v1/deployments/${id}`), 404, "NOT_FOUND");
      await expect(onPort()).rejects.toThrow();
      const logs = await db.query("select 1 from events where stream = $1", [`deployment:${id}`]);
      expect(logs.rows).toEqual([]);
      // The port is free for the next deployment.
      const next = await deploy({ run_id: runs.static, name: "port reused", port });
      expect(next.status, await next.clone().text()).toBe(202);
      const { id: nextId } = ((await next.json()) as Envelope<{ id: string }>).data;
      expect((await settled(nextId)).status).toBe("live");
      expect((await onPort()).body).toContain("A static deployment");
    });
  });

  test("a user has at most KILN_DEPLOY_MAX_PER_USER deployments deploying or live", async () => {
    const carol = new TestClient(kiln.url);
    const carolId = (await carol.signUp()).user.id;
    const created = await carol.fetch("/api/v1/projects", {
      method: "POST",
      json: { name: "Carol's app" },
    });
    const own = ((await created.json()) as Envelope<{ id: string; repoPath: string }>).data;
    const runId = `run_carol${randomBytes(4).toString("hex")}`;
    await db.query(
      `insert into runs (id, project_id, user_id, run_number, spec_version, status, result_commit)
       values ($1, $2, $3, 1, 1, 'succeeded', $4)`,
      [runId, own.id, carolId, commitApp(own.repoPath, staticApp)],
    );
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const response = await deploy({ project_id: own.id, name: `carol ${n}` }, carol);
      expect(response.status, await response.clone().text()).toBe(202);
      ids.push(((await response.json()) as Envelope<{ id: string }>).data.id);
    }
    const refused = await expectError(
      await deploy({ project_id: own.id, name: "carol 4" }, carol),
      409,
      "CONFLICT",
    );
    expect(refused.details).toMatchObject({ reason: "deployment_limit" });
    // A stopped one frees its slot, and takes one again when restarted.
    for (const id of ids) await settled(id, carol);
    const stopped = await carol.fetch(`/api/v1/deployments/${ids[0]}/stop`, { method: "POST" });
    expect(stopped.status).toBe(200);
    const fourth = await deploy({ project_id: own.id, name: "carol 4" }, carol);
    expect(fourth.status, await fourth.clone().text()).toBe(202);
    await expectError(
      await carol.fetch(`/api/v1/deployments/${ids[0]}/restart`, { method: "POST" }),
      409,
      "CONFLICT",
    );
    const fourthId = ((await fourth.json()) as Envelope<{ id: string }>).data.id;
    await settled(fourthId, carol);
    for (const id of [...ids, fourthId]) {
      const deleted = await carol.fetch(`/api/v1/deployments/${id}`, { method: "DELETE" });
      expect(deleted.status).toBe(200);
    }
  });

  test("a live deployment is started again on its port when Kiln restarts", async () => {
    const port = await freePort();
    const response = await deploy({
      run_id: runs.node,
      name: "survivor",
      port,
      environment: { GREETING: "still here" },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = ((await response.json()) as Envelope<{ id: string }>).data;
    expect((await settled(id)).status).toBe("live");
    const onPort = () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    const before = await onPort();

    await kiln.stop();
    await expect(onPort()).rejects.toThrow();
    kiln = await startKiln({ env: kilnEnv, dataDir });
    await expect
      .poll(() => onPort().catch(() => ""), { timeout: 60_000, interval: 250 })
      .toMatch(/^node says still here \(production\)/);
    expect(await onPort()).not.toBe(before);
    const [row] = (await db.query("select status from deployments where id = $1", [id])).rows;
    expect(row.status).toBe("live");
  });
});
