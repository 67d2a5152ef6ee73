// Deployments on the local provider: time from POST /api/v1/projects/:id/deploy to the first
// 200 from the deployed app at its own origin through Kiln, for a static site and a Node.js
// server, each a new deployment of a succeeded run. Baseline, in the same run: the same server
// started directly on the host (python3's file server, `node server.js`) to its first 200.
// The run rows are written straight into the database while Kiln is stopped (BENCH_DATABASE_URL:
// with pg while it runs), as the integration tests do: the build pipeline is not what is timed.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { TestClient } from "../tests/support/client.ts";
import { commitApp, writeFiles } from "../tests/support/commit-app.ts";
import { freePort, type KilnServer, startKiln } from "../tests/support/kiln-server.ts";
import { previewFetch } from "../tests/support/preview-fetch.ts";
import { kilnNodeOptions } from "./kiln-node-options.ts";
import { summary } from "./stats.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const databaseUrl = process.env.BENCH_DATABASE_URL;

const apps = {
  static: { "index.html": "<!doctype html><title>bench</title><h1>bench</h1>\n" },
  node: {
    "package.json": JSON.stringify({ name: "bench-node", scripts: { start: "node server.js" } }),
    "server.js": [
      "const http = require('node:http');",
      "http.createServer((req, res) => res.end('<h1>bench</h1>'))",
      "  .listen(Number(process.env.PORT), '0.0.0.0');",
      "",
    ].join("\n"),
  },
};
type AppName = keyof typeof apps;

async function firstOk(get: () => Promise<Response>, deadline: number, what: string) {
  for (;;) {
    const response = await get().catch(() => undefined);
    // The app's own page, not something else answering 200 on its address.
    if (response?.ok && (await response.text()).includes("<h1>bench</h1>")) return;
    if (performance.now() > deadline) throw new Error(`${what} did not answer 200`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The baseline: the app's own server started straight on the host, to its first 200. */
async function direct(name: AppName, dir: string) {
  const port = await freePort();
  const command =
    name === "static"
      ? ["/usr/bin/python3", "-m", "http.server", String(port), "--bind", "127.0.0.1"]
      : [process.execPath, "server.js"];
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: dir,
    env: { NODE_ENV: "production", PATH: "/usr/bin:/bin", PORT: String(port) },
    stdio: "ignore",
  });
  await firstOk(() => fetch(`http://127.0.0.1:${port}/`), started + 30_000, `direct ${name}`);
  const ms = performance.now() - started;
  child.kill("SIGKILL");
  return ms;
}

const env = {
  DATABASE_URL: databaseUrl,
  KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
  KILN_RATE_LIMIT_SESSION_GENERAL: "1000000000/1m",
  KILN_RATE_LIMIT_DEPLOY: "1000000/1m",
  NODE_OPTIONS: kilnNodeOptions(),
};
const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-bench-deploy-"));
const hostDirs: string[] = [];
let kiln: KilnServer | undefined;
try {
  kiln = await startKiln({ env, dataDir });
  const setup = new TestClient(kiln.url);
  const { user } = await setup.signUp();
  const created = await setup.fetch("/api/v1/projects", {
    method: "POST",
    json: { name: "Deploy bench" },
  });
  const project = ((await created.json()) as { data: { id: string; repoPath: string } }).data;
  const runs = {} as Record<AppName, string>;
  const rows = (Object.keys(apps) as AppName[]).map((name, i) => {
    runs[name] = `run_bench${randomBytes(4).toString("hex")}`;
    return [runs[name], project.id, user.id, i + 1, commitApp(project.repoPath, apps[name])];
  });
  const insert = `insert into runs (id, project_id, user_id, run_number, spec_version, status,
                    result_commit) values ($1, $2, $3, $4, 1, 'succeeded', $5)`;
  if (databaseUrl) {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    for (const row of rows) await db.query(insert, row);
    await db.end();
  } else {
    // PGlite allows one process per data directory: Kiln steps aside while the rows go in.
    await kiln.stop();
    const db = new PGlite(path.join(dataDir, "pgdata"));
    for (const row of rows) await db.query(insert, row);
    await db.close();
    kiln = await startKiln({ env, dataDir });
  }
  const client = new TestClient(kiln.url);
  client.cookie = setup.cookie;

  const deployOnce = async (name: AppName) => {
    const started = performance.now();
    const response = await client.fetch(`/api/v1/projects/${project.id}/deploy`, {
      method: "POST",
      json: { runId: runs[name] },
    });
    const body = (await response.json()) as { data: { deploymentId: string } };
    if (response.status !== 202) throw new Error(`deploy: ${JSON.stringify(body)}`);
    const id = body.data.deploymentId;
    const shown = await client.fetch(`/api/v1/deployments/${id}`);
    const url = ((await shown.json()) as { data: { url: string } }).data.url;
    await firstOk(() => previewFetch(kiln!.url, url), started + 120_000, `deployment ${name}`);
    const ms = performance.now() - started;
    await client.fetch(`/api/v1/deployments/${id}`, { method: "DELETE" });
    return ms;
  };

  const figures = {
    static: { deploy: [] as number[], direct: [] as number[] },
    node: { deploy: [] as number[], direct: [] as number[] },
  };
  // A warm-up of each, not counted: the first build of a kind prepares what later ones share.
  for (const name of Object.keys(apps) as AppName[]) {
    await deployOnce(name);
    const dir = mkdtempSync(path.join(tmpdir(), `kiln-bench-deploy-${name}-`));
    hostDirs.push(dir);
    writeFiles(dir, apps[name]);
    await direct(name, dir);
  }
  // Alternating, so that drift in the machine hits both alike.
  for (let i = 0; i < rounds; i++) {
    for (const [index, name] of (Object.keys(apps) as AppName[]).entries()) {
      figures[name].deploy.push(await deployOnce(name));
      figures[name].direct.push(await direct(name, hostDirs[index]!));
    }
  }
  const report = (name: AppName) => {
    const deploy = summary(figures[name].deploy);
    const baseline = summary(figures[name].direct);
    return {
      deploy,
      direct: baseline,
      ratioP50: Number((deploy.p50Ms / baseline.p50Ms).toFixed(1)),
    };
  };
  console.log(
    JSON.stringify({
      bench: "deploy",
      description:
        "POST /api/v1/projects/:id/deploy (local provider) to the first 200 from the app through Kiln, against the same server started directly on the host",
      database: databaseUrl ? "postgres" : "pglite",
      rounds,
      static: report("static"),
      node: report("node"),
    }),
  );
} finally {
  await kiln?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  for (const dir of hostDirs) rmSync(dir, { recursive: true, force: true });
}
