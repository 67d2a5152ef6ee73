// Sandboxes, three figures with their baselines measured in the same run:
// (a) POST /api/sandbox running Python print(1) end to end (a new sandbox each time, and again
//     in a reused one) against spawning a bare bwrap + python3 directly; goal <= 2x at p50. New
//     sandboxes are measured twice: paced 250 ms apart, as people and scripts create them, which
//     leaves Kiln time to start its spare kernel; and back to back, which does not.
// (b) executions per second with 10 concurrent clients, each in its own sandbox, against 10
//     concurrent loops of the bare bwrap command.
// (c) time from POST /api/sandbox to the first 200 from the preview URL, for the static and the
//     Node template; goal <= 3 s. Baseline: the same server started directly on the host.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { TestClient } from "../tests/support/client.ts";
import { startKiln } from "../tests/support/kiln-server.ts";
import { summary } from "./stats.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const clients = Number(process.env.BENCH_CONCURRENCY ?? 10);

const base = {
  commentary: "",
  title: "Bench",
  description: "",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
};
const python = { ...base, template: "code-interpreter-v1", port: null, file_path: "script.py" };
const staticSite = {
  ...base,
  template: "static-html",
  port: 8000,
  file_path: "index.html",
  code: "<!doctype html><h1>bench</h1>",
};
const nodeServer = {
  ...base,
  template: "node-server",
  port: 3000,
  file_path: "index.js",
  code: [
    "const express = require('express');",
    "const app = express();",
    "app.get('/', (req, res) => res.send('<h1>bench</h1>'));",
    "app.listen(process.env.PORT || 3000, '0.0.0.0');",
  ].join("\n"),
};

const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

const workspace = mkdtempSync(path.join(tmpdir(), "kiln-bench-bwrap-"));
// The bare command: bubblewrap with the same isolation flags Kiln passes, minus Kiln itself.
const bareArgs = [
  "--unshare-all",
  "--die-with-parent",
  "--new-session",
  ...["/usr", "/bin", "/lib", "/lib64"].flatMap((dir) => ["--ro-bind-try", dir, dir]),
  ...["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"],
  ...["--bind", workspace, "/workspace", "--chdir", "/workspace", "--clearenv"],
  ...["--setenv", "PATH", "/usr/bin:/bin", "--", "/usr/bin/python3", "-c", "print(1)"],
];

function bare(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bwrap", bareArgs, {
      env: {} as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("close", (code) =>
      code === 0 && out === "1\n"
        ? resolve(performance.now() - started)
        : reject(new Error(`bare bwrap: ${code} ${out}`)),
    );
  });
}

async function post(client: TestClient, body: unknown) {
  const started = performance.now();
  const response = await client.fetch("/api/sandbox", { method: "POST", json: body });
  const result = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`POST /api/sandbox: ${JSON.stringify(result)}`);
  return { ms: performance.now() - started, result };
}

async function firstOk(url: string, deadline: number) {
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return;
    if (performance.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The baseline for (c): the template's server started straight on the host. */
async function directServer(command: string[], cwd: string, port: number) {
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    env: { NODE_ENV: "production", PATH: "/usr/bin:/bin", PORT: String(port) },
    stdio: "ignore",
  });
  await firstOk(`http://127.0.0.1:${port}/`, started + 30_000);
  const ms = performance.now() - started;
  child.kill("SIGKILL");
  return ms;
}

const kiln = await startKiln({
  env: {
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
    KILN_RATE_LIMIT_SESSION_GENERAL: "1000000000/1m",
    KILN_SANDBOX_MAX_PER_USER: "1000",
    KILN_SANDBOX_MAX_TOTAL: "1000",
  },
});
try {
  const user = new TestClient(kiln.url);
  await user.signUp();
  for (let i = 0; i < 3; i++) {
    await bare();
    const { result } = await post(user, { fragment: { ...python, code: "print(1)" } });
    await user.fetch(`/api/sandbox/${result.sbxId}`, { method: "DELETE" });
  }

  // (a) alternating A-B so that drift in the machine hits both alike.
  const direct: number[] = [];
  const fresh: number[] = [];
  const backToBack: number[] = [];
  const reused: number[] = [];
  const { result: kept } = await post(user, { fragment: { ...python, code: "print(1)" } });
  const newSandbox = async (into: number[]) => {
    const created = await post(user, { fragment: { ...python, code: "print(1)" } });
    into.push(created.ms);
    await user.fetch(`/api/sandbox/${created.result.sbxId}`, { method: "DELETE" });
  };
  for (let i = 0; i < rounds; i++) {
    direct.push(await bare());
    await new Promise((resolve) => setTimeout(resolve, 250));
    await newSandbox(fresh);
    reused.push(
      (await post(user, { fragment: { ...python, code: "print(1)" }, sbxId: kept.sbxId })).ms,
    );
  }
  for (let i = 0; i < rounds; i++) await newSandbox(backToBack);

  // (b) each client in its own sandbox, as users are.
  const throughput = async (once: (i: number) => Promise<unknown>) => {
    let done = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        while (performance.now() < until) {
          await once(i);
          done++;
        }
      }),
    );
    return Number((done / seconds).toFixed(1));
  };
  const users = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new TestClient(kiln.url);
      await client.signUp();
      const { result } = await post(client, { fragment: { ...python, code: "print(1)" } });
      return { client, sbxId: result.sbxId };
    }),
  );
  const bareRate = await throughput(() => bare());
  const kilnRate = await throughput((i) =>
    post(users[i]!.client, {
      fragment: { ...python, code: "print(1)" },
      sbxId: users[i]!.sbxId,
    }),
  );

  // (c) the Node template's dependencies are prepared once per version; that first time is
  // reported apart, and every measured run is a new sandbox on the prepared cache.
  const preview = async (fragment: unknown) => {
    const started = performance.now();
    const { result } = await post(user, { fragment });
    await firstOk(new URL(String(result.url), kiln.url).href, started + 60_000);
    const ms = performance.now() - started;
    await user.fetch(`/api/sandbox/${result.sbxId}`, { method: "DELETE" });
    return ms;
  };
  const nodeFirst = await preview(nodeServer);
  const site = mkdtempSync(path.join(tmpdir(), "kiln-bench-site-"));
  writeFileSync(path.join(site, "index.html"), staticSite.code);
  const previews = { static: [] as number[], node: [] as number[], staticDirect: [] as number[] };
  for (let i = 0; i < Math.min(rounds, 10); i++) {
    previews.static.push(await preview(staticSite));
    previews.node.push(await preview(nodeServer));
    const port = await freePort();
    const serve = ["/usr/bin/python3", "-m", "http.server", String(port), "--bind", "127.0.0.1"];
    previews.staticDirect.push(await directServer(serve, site, port));
  }
  rmSync(site, { recursive: true, force: true });

  const a = {
    direct: summary(direct),
    fresh: summary(fresh),
    freshBackToBack: summary(backToBack),
    reused: summary(reused),
  };
  console.log(
    JSON.stringify({
      name: "sandbox",
      goal: "(a) fresh sandbox <= 2x bare bwrap at p50; (c) live preview <= 3000 ms",
      runPython: {
        ...a,
        freshRatioP50: ratio(a.fresh.p50Ms, a.direct.p50Ms),
        freshBackToBackRatioP50: ratio(a.freshBackToBack.p50Ms, a.direct.p50Ms),
        reusedRatioP50: ratio(a.reused.p50Ms, a.direct.p50Ms),
      },
      throughput: { clients, seconds, bareBwrapPerSecond: bareRate, kilnPerSecond: kilnRate },
      preview: {
        static: summary(previews.static),
        node: summary(previews.node),
        nodeFirstWithPreparationMs: Number(nodeFirst.toFixed(0)),
        staticDirectOnHost: summary(previews.staticDirect),
      },
    }),
  );
} finally {
  await kiln.stop();
  rmSync(workspace, { recursive: true, force: true });
}
