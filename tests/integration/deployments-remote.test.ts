import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { commitApp, gitEnv } from "../support/commit-app";
import { type FakeNetlify, startFakeNetlify } from "../support/fake-netlify";
import { type FakeVercel, startFakeVercel } from "../support/fake-vercel";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { ownPostgresDatabase } from "../support/own-database";
import { suiteEnv } from "./global-setup";

// Deployments to Vercel and Netlify, each against a local fake of its REST API: tokens saved in
// Settings and never shown again, a succeeded run's commit uploaded byte for byte (a binary file
// too), polled until ready or failed, deleted at the provider; a token the provider refuses, a
// provider that drops connections or never answers (a 502, quickly), a build that fails, one
// that never becomes ready; and another user, for whom none of it exists.

// Either surface's body, read field by field; the expectations check its shape.
// biome-ignore lint/suspicious/noExplicitAny: whichever envelope came back
type Body = any;

interface Deployment {
  id: string;
  provider: string;
  status: "deploying" | "live" | "failed" | "stopped";
  url: string;
  error: string | null;
}

/** Every file of `commit`, as git holds it: path → bytes. */
function treeOf(repoPath: string, commit: string): Map<string, Buffer> {
  const names = execFileSync("git", ["ls-tree", "-r", "-z", "--name-only", commit], {
    env: { ...gitEnv, GIT_DIR: repoPath },
  })
    .toString("utf8")
    .split("\0")
    .filter(Boolean);
  return new Map(
    names.map((name) => [
      name,
      execFileSync("git", ["cat-file", "blob", `${commit}:${name}`], {
        env: { ...gitEnv, GIT_DIR: repoPath },
      }),
    ]),
  );
}

// Every byte value, so a text-only path through Kiln would show.
const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const app = {
  "index.html": "<!doctype html><title>Remote</title><h1>Deployed elsewhere</h1>\n",
  "assets/logo image.bin": binary,
  "assets/app.js": "console.log('hello');\n",
  // Same bytes as index.html: uploaded once, listed twice.
  "copy/index.html": "<!doctype html><title>Remote</title><h1>Deployed elsewhere</h1>\n",
};

const databaseUrl = process.env.TEST_DATABASE_URL;

describe.runIf(databaseUrl)("deployments on Vercel and Netlify", () => {
  let kiln: KilnServer;
  let kilnEnv: Record<string, string>;
  let dataDir: string;
  let vercel: FakeVercel;
  let netlify: FakeNetlify;
  let db: pg.Client;
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let project: { id: string; repoPath: string };
  let runId: string;
  let commit: string;
  const vercelToken = `vtok_${randomBytes(16).toString("hex")}`;
  const netlifyToken = `nfp_${randomBytes(16).toString("hex")}`;
  /** Every response body Kiln gave in this suite, to look for the tokens in. */
  const bodies: string[] = [];

  const call = async (
    client: TestClient,
    url: string,
    init: RequestInit & { json?: unknown } = {},
  ) => {
    const response = await client.fetch(url, init);
    const text = await response.text();
    bodies.push(text);
    return {
      status: response.status,
      text,
      body: (text ? JSON.parse(text) : null) as Body,
    };
  };
  const deploy = (body: Record<string, unknown>, client = alice) =>
    call(client, "/api/v1/deploy", {
      method: "POST",
      json: { project_id: project.id, run_id: runId, name: "Remote App", ...body },
    });
  const settled = async (id: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { body } = await call(alice, `/api/v1/deployments/${id}`);
      const shown = body.data as Deployment;
      if (shown.status !== "deploying" || Date.now() > deadline) return shown;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    vercel = await startFakeVercel();
    netlify = await startFakeNetlify();
    vercel.addToken(vercelToken);
    netlify.addToken(netlifyToken);
    const ownUrl = new URL(await ownPostgresDatabase(databaseUrl!, "deployments_remote_suite"));
    kilnEnv = {
      ...suiteEnv,
      DATABASE_URL: ownUrl.toString(),
      KILN_RATE_LIMIT_DEPLOY: "100000/1m",
      KILN_DEPLOY_MAX_PER_USER: "100",
      VERCEL_API_URL: vercel.url,
      NETLIFY_API_URL: netlify.url,
      KILN_DEPLOY_POLL_MS: "50",
      KILN_DEPLOY_PROVIDER_TIMEOUT_MS: "1500",
      KILN_DEPLOY_REMOTE_TIMEOUT_MS: "4000",
    };
    dataDir = mkdtempSync(path.join(tmpdir(), "kiln-remote-data-"));
    kiln = await startKiln({ env: kilnEnv, dataDir });
    db = new pg.Client({ connectionString: ownUrl.toString() });
    await db.connect();
    alice = new TestClient(kiln.url);
    aliceId = (await alice.signUp()).user.id;
    bob = new TestClient(kiln.url);
    await bob.signUp();
    const created = await call(alice, "/api/v1/projects", {
      method: "POST",
      json: { name: "Remote app" },
    });
    expect(created.status).toBe(201);
    project = created.body.data;
    commit = commitApp(project.repoPath, app);
    runId = `run_rem${randomBytes(4).toString("hex")}`;
    await db.query(
      `insert into runs (id, project_id, user_id, run_number, spec_version, status, result_commit)
       values ($1, $2, $3, 1, 1, 'succeeded', $4)`,
      [runId, project.id, aliceId, commit],
    );
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await kiln?.stop();
    await vercel?.close();
    await netlify?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("tokens are saved in Settings, shown only as hints, and checked for their provider", async () => {
    const none = await call(alice, "/api/settings/deploy-providers");
    expect(none.status).toBe(200);
    expect(none.body.providers).toEqual([
      { provider: "vercel", connected: false, tokenHint: null, teamId: null, updatedAt: null },
      { provider: "netlify", connected: false, tokenHint: null, teamId: null, updatedAt: null },
    ]);

    const noToken = await deploy({ provider: "vercel" });
    expect(noToken.status).toBe(400);
    expect(noToken.body.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(noToken.body.error.message).toMatch(/Vercel is not connected.*Settings/);

    const saved = await call(alice, "/api/settings/deploy-providers/vercel", {
      method: "PUT",
      json: { token: vercelToken, teamId: "team_kiln1" },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ provider: "vercel", connected: true, teamId: "team_kiln1" });
    expect(saved.body.tokenHint).toMatch(/^vtok_…[0-9a-f]{4}$/);
    expect(
      (
        await call(alice, "/api/settings/deploy-providers/netlify", {
          method: "PUT",
          json: { token: netlifyToken },
        })
      ).status,
    ).toBe(200);

    const netlifyTeam = await call(alice, "/api/settings/deploy-providers/netlify", {
      method: "PUT",
      json: { token: netlifyToken, teamId: "team_x" },
    });
    expect(netlifyTeam.status).toBe(400);
    expect(netlifyTeam.body).toEqual({ error: true, message: "teamId is for Vercel only" });
    const badProvider = await call(alice, "/api/settings/deploy-providers/railway", {
      method: "PUT",
      json: { token: "x" },
    });
    expect(badProvider.status).toBe(400);
    const spaced = await call(alice, "/api/settings/deploy-providers/vercel", {
      method: "PUT",
      json: { token: "two words" },
    });
    expect(spaced.status).toBe(400);

    // Sealed in the database, never in clear.
    const rows = await db.query("select token_ciphertext from deploy_provider_credentials");
    expect(rows.rows).toHaveLength(2);
    for (const row of rows.rows) {
      expect(row.token_ciphertext).toMatch(/^v1\./);
      expect(row.token_ciphertext).not.toContain(vercelToken);
    }
    // Bob sees none of Alice's.
    const bobs = await call(bob, "/api/settings/deploy-providers");
    expect(bobs.body.providers.every((p: { connected: boolean }) => !p.connected)).toBe(true);
  });

  test("a run deploys to Vercel: exactly the commit's files, polled until READY, at Vercel's URL", async () => {
    const started = await deploy({ provider: "vercel" });
    expect(started.status, started.text).toBe(202);
    expect(started.body.data).toMatchObject({ status: "deploying" });
    expect(started.body.data.url).toMatch(/^https:\/\/remote-app-[0-9a-f]+\.vercel\.app$/);
    const done = await settled(started.body.data.id);
    expect(done).toMatchObject({ provider: "vercel", status: "live", error: null });
    expect(done.url).toBe(started.body.data.url);

    const [remote] = [...vercel.deployments.values()];
    expect(remote!.name).toBe("remote-app");
    expect(remote!.teamId).toBe("team_kiln1");
    expect(remote!.files).toEqual(treeOf(project.repoPath, commit));
    expect(remote!.files.get("assets/logo image.bin")).toEqual(binary);
    // The same bytes twice were uploaded once.
    const uploads = vercel.requests.filter((r) => r.path === "/v2/files");
    const digests = new Set(
      [...remote!.files.values()].map((bytes) => createHash("sha1").update(bytes).digest("hex")),
    );
    expect(digests.size).toBeLessThan(remote!.files.size);
    expect(uploads.map((r) => r.headers["x-vercel-digest"]).sort()).toEqual([...digests].sort());
    expect(remote!.polls).toBeGreaterThanOrEqual(2);

    // Seed 001's view carries the provider and its URL too.
    const viaProject = await call(alice, `/api/v1/projects/${project.id}/deployments/${done.id}`);
    expect(viaProject.body.data).toMatchObject({
      provider: "vercel",
      url: done.url,
      status: "live",
    });

    // Stop and restart make no sense there; delete removes it at Vercel.
    const stop = await call(alice, `/api/v1/deployments/${done.id}/stop`, { method: "POST" });
    expect(stop.status).toBe(409);
    expect(stop.body.error.message).toMatch(/Vercel cannot stop.*delete/);
    const restart = await call(alice, `/api/v1/deployments/${done.id}/restart`, { method: "POST" });
    expect(restart.status).toBe(409);
    const removed = await call(alice, `/api/v1/deployments/${done.id}`, { method: "DELETE" });
    expect(removed.status, removed.text).toBe(200);
    expect(remote!.deleted).toBe(true);
    expect((await call(alice, `/api/v1/deployments/${done.id}`)).status).toBe(404);
  });

  test("a run deploys to Netlify (seed 001): a site of its own, required files uploaded, ready", async () => {
    const started = await call(alice, `/api/v1/projects/${project.id}/deploy`, {
      method: "POST",
      json: { runId, provider: "netlify" },
    });
    expect(started.status, started.text).toBe(202);
    expect(started.body.data).toMatchObject({ provider: "netlify", status: "deploying" });
    const done = await settled(started.body.data.deploymentId);
    expect(done).toMatchObject({ provider: "netlify", status: "live", error: null });
    const [site] = [...netlify.sites.values()];
    expect(done.url).toBe(`https://${site!.name}.netlify.app`);
    const [deployed] = [...netlify.deploys.values()];
    const tree = treeOf(project.repoPath, commit);
    const digests = new Set(
      [...tree.values()].map((bytes) => createHash("sha1").update(bytes).digest("hex")),
    );
    // One upload per digest Netlify asked for, the bytes of a path that has them.
    expect(deployed!.files.size).toBe(digests.size);
    expect(deployed!.required.size).toBe(0);
    expect([...deployed!.digests.keys()].sort()).toEqual(
      [...tree.keys()].map((p) => `/${p}`).sort(),
    );
    for (const [file, bytes] of deployed!.files) expect(bytes).toEqual(tree.get(file));
    expect(deployed!.files.get("assets/logo image.bin")).toEqual(binary);

    const removed = await call(alice, `/api/v1/deployments/${done.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(site!.deleted).toBe(true);
  });

  test("a build the provider fails fails the deployment with its reason", async () => {
    vercel.options.failBuildWith = 'Command "npm run build" exited with 1';
    try {
      const started = await deploy({ provider: "vercel" });
      expect(started.status).toBe(202);
      const done = await settled(started.body.data.id);
      expect(done.status).toBe("failed");
      expect(done.error).toMatch(/Vercel's build ended in ERROR: Command "npm run build" exited/);
    } finally {
      delete vercel.options.failBuildWith;
    }
  });

  test("a deployment that never becomes ready is failed after KILN_DEPLOY_REMOTE_TIMEOUT_MS", async () => {
    netlify.options.readyAfterPolls = 1_000_000;
    try {
      const started = await deploy({ provider: "netlify" });
      expect(started.status).toBe(202);
      const begun = Date.now();
      const done = await settled(started.body.data.id);
      expect(done.status).toBe("failed");
      expect(done.error).toMatch(/Netlify did not report the deployment ready within 4 s/);
      expect(Date.now() - begun).toBeLessThan(10_000);
    } finally {
      netlify.options.readyAfterPolls = 2;
    }
  });

  test("a token the provider refuses is a 400 pointing at Settings, and the row says so", async () => {
    await call(alice, "/api/settings/deploy-providers/netlify", {
      method: "PUT",
      json: { token: "nfp_revoked_token_value" },
    });
    try {
      const refused = await deploy({ provider: "netlify" });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(
        /Netlify refused your token \(401: Access Denied: Invalid token\): check your Netlify token in Settings/,
      );
      const id = refused.body.error.details.deploymentId as string;
      const row = await call(alice, `/api/v1/deployments/${id}`);
      expect(row.body.data).toMatchObject({
        status: "failed",
        error: expect.stringMatching(/refused your token/),
      });
    } finally {
      await call(alice, "/api/settings/deploy-providers/netlify", {
        method: "PUT",
        json: { token: netlifyToken },
      });
    }
  });

  test.each([
    ["drop", /Vercel could not be reached \(upload /],
    ["hang", /Vercel did not answer within 1\.5 s \(upload /],
  ] as const)(
    "a provider that does %s is a 502 naming it, within the call's deadline",
    async (mode, message) => {
      vercel.network.mode = mode;
      try {
        const begun = Date.now();
        const failed = await deploy({ provider: "vercel" });
        expect(Date.now() - begun).toBeLessThan(5_000);
        expect(failed.status).toBe(502);
        expect(failed.body.error).toMatchObject({ code: "BAD_GATEWAY" });
        expect(failed.body.error.message).toMatch(message);
      } finally {
        vercel.network.mode = "answer";
      }
    },
  );

  test("a provider answering 5xx is a 502 too", async () => {
    netlify.options.down = true;
    try {
      const failed = await deploy({ provider: "netlify" });
      expect(failed.status).toBe(502);
      expect(failed.body.error.message).toMatch(/^Netlify answered 500 \(create a site\)/);
    } finally {
      netlify.options.down = false;
    }
  });

  test("remote deployments refuse local-only fields", async () => {
    const withPort = await deploy({ provider: "vercel", port: 9123 });
    expect(withPort.status).toBe(400);
    expect(withPort.body.error.details.issues).toEqual([
      { field: "port", message: "is for the local provider only" },
    ]);
    const withEnv = await deploy({ provider: "netlify", environment: { A: "1" } });
    expect(withEnv.status).toBe(400);
  });

  test("another user's remote deployment does not exist for them, nor do Alice's tokens", async () => {
    const started = await deploy({ provider: "vercel" });
    expect(started.status).toBe(202);
    const id = started.body.data.id as string;
    await settled(id);
    expect((await call(bob, `/api/v1/deployments/${id}`)).status).toBe(404);
    expect((await call(bob, `/api/v1/deployments/${id}`, { method: "DELETE" })).status).toBe(404);
    const bobDeploys = await call(bob, "/api/v1/deploy", {
      method: "POST",
      json: { project_id: project.id, name: "x", provider: "vercel" },
    });
    expect(bobDeploys.status).toBe(404);
    const remote = vercel.deployments.get(
      (await db.query("select remote_id from deployments where id = $1", [id])).rows[0].remote_id,
    );
    expect(remote!.deleted).toBe(false);
  });

  test("forgetting a token, and the tokens never in a response, an event or Kiln's log", async () => {
    const forgot = await call(alice, "/api/settings/deploy-providers/vercel", { method: "DELETE" });
    expect(forgot.status).toBe(200);
    expect(forgot.body).toEqual({ provider: "vercel", deleted: true });
    const again = await call(alice, "/api/settings/deploy-providers/vercel", { method: "DELETE" });
    expect(again.status).toBe(404);

    // The token went to each provider only as the bearer, never in a URL or body.
    for (const request of vercel.requests) {
      expect(request.path + request.query.toString()).not.toContain(vercelToken);
      expect(request.body.toString("latin1")).not.toContain(vercelToken);
    }
    const events = await db.query("select payload::text as p from events");
    const all = [...bodies, kiln.output(), ...events.rows.map((r) => r.p as string)].join("\n");
    expect(all).not.toContain(vercelToken);
    expect(all).not.toContain(netlifyToken);
  });

  test("a remote deployment still deploying when Kiln dies is followed again when it starts", async () => {
    vercel.options.readyAfterPolls = 1_000_000;
    let id: string;
    try {
      await call(alice, "/api/settings/deploy-providers/vercel", {
        method: "PUT",
        json: { token: vercelToken },
      });
      const started = await deploy({ provider: "vercel" });
      expect(started.status).toBe(202);
      id = started.body.data.id;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await call(alice, `/api/v1/deployments/${id}`)).body.data.status).toBe("deploying");
      await kiln.kill();
    } finally {
      vercel.options.readyAfterPolls = 2;
    }
    // On the same port, so the signed-in clients still reach it.
    const { hostname, port } = new URL(kiln.url);
    kiln = await startKiln({
      env: kilnEnv,
      dataDir,
      args: ["--port", port, "--hostname", hostname],
    });
    const done = await settled(id);
    expect(done).toMatchObject({ status: "live", error: null });
    expect(kiln.output()).not.toContain(vercelToken);
  });
});
