// Sandboxes, three figures with their baselines measured in the same run:
// (a) POST /api/sandbox running Python print(1) end to end (a new sandbox each time, and again
//     in a reused one) against spawning a bare bwrap + python3 directly; goal <= 2x at p50. New
//     sandboxes are measured twice: paced 250 ms apart, as people and scripts create them, which
//     leaves Kiln time to start its spare kernel; and back to back, which does not.
// (b) executions per second with 10 concurrent clients, each in its own sandbox, against 10
//     concurrent loops of the bare bwrap command.
// (c) time from POST /api/sandbox to the first 200 from the preview URL, for the static and the
//     Node template; goal <= 3 s. Baseline: the same server started directly on the host.
// (d) the Next.js template: from POST /api/sandbox to the first 200 from the preview URL with the
//     page's content, in a new sandbox (goal <= 2 s; it takes Kiln's warm spare, which each
//     round waits for) and for an edit run in the same sandbox
//     (goal <= 1 s). Baseline: the same `next dev` on the host, in a copy of the project with a
//     fresh .next, to its first 200 with the content, and an edited file to the first 200 with
//     the edit.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { TestClient } from "../tests/support/client.ts";
import { freePort, startKiln } from "../tests/support/kiln-server.ts";
import { previewFetch } from "../tests/support/preview-fetch.ts";
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

const nextPage = (marker: string) => ({
  ...base,
  template: "nextjs-developer",
  port: 3000,
  file_path: "pages/index.tsx",
  code: nextCode(marker),
});
function nextCode(marker: string) {
  return [
    'import { useState } from "react";',
    "export default function Home() {",
    "  const [clicks, setClicks] = useState(0);",
    `  return <button className="p-4" onClick={() => setClicks(clicks + 1)}>${marker} {clicks}</button>;`,
    "}",
  ].join("\n");
}

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

/** A preview's own origin is reached through Kiln's socket (preview-fetch.ts); others directly. */
function get(url: string) {
  return /\.preview\.localhost(:\d+)?$/.test(new URL(url).host)
    ? previewFetch(kiln.url, url)
    : fetch(url);
}

async function firstOk(url: string, deadline: number) {
  for (;;) {
    const response = await get(url).catch(() => undefined);
    if (response?.ok) return;
    if (performance.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves once `url` answers 200 with a body holding `text`. */
async function firstWith(url: string, text: string, deadline: number) {
  for (;;) {
    const response = await get(url).catch(() => undefined);
    if (response?.ok && (await response.text()).includes(text)) return;
    if (performance.now() > deadline) throw new Error(`${url} did not show ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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

  // (d) the first run prepares the template (npm install), reported apart.
  const nextRounds = Math.min(rounds, 5);
  const nextFirst = await post(user, { fragment: nextPage("first") });
  const nextFirstMs = nextFirst.ms;
  const nextKept = nextFirst.result;
  // The host's copy of the project: the sandbox's files (scaffold and page) and the prepared
  // node_modules, hard-linked.
  const project = mkdtempSync(path.join(tmpdir(), "kiln-bench-next-"));
  const sandboxes = path.join(kiln.dataDir, "sandboxes");
  const workspaceOf = (id: unknown) => path.join(sandboxes, String(id), "workspace");
  for (const entry of readdirSync(workspaceOf(nextKept.sbxId))) {
    if (entry === "node_modules" || entry === ".next") continue;
    cpSync(path.join(workspaceOf(nextKept.sbxId), entry), path.join(project, entry), {
      recursive: true,
    });
  }
  const cacheDir = path.join(kiln.dataDir, "cache", "templates");
  const entry = readdirSync(cacheDir).find((name) => /^nextjs-developer-[0-9a-f]+$/.test(name));
  execFileSync("cp", ["-al", path.join(cacheDir, entry!, "node_modules"), project]);
  const next = {
    fresh: [] as number[],
    edit: [] as number[],
    freshDirect: [] as number[],
    editDirect: [] as number[],
  };
  const nextOnHost = async (round: number) => {
    rmSync(path.join(project, ".next"), { recursive: true, force: true });
    writeFileSync(path.join(project, "pages/index.tsx"), nextCode(`host ${round}`));
    const port = await freePort();
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ["node_modules/next/dist/bin/next", "dev", "--port", String(port), "--hostname", "127.0.0.1"],
      {
        cwd: project,
        detached: true,
        env: Object.assign({} as NodeJS.ProcessEnv, {
          PATH: "/usr/bin:/bin",
          HOME: project,
          NEXT_TELEMETRY_DISABLED: "1",
        }),
        stdio: "ignore",
      },
    );
    try {
      const url = `http://127.0.0.1:${port}/`;
      await firstWith(url, `host ${round}`, started + 120_000);
      next.freshDirect.push(performance.now() - started);
      const edited = performance.now();
      writeFileSync(path.join(project, "pages/index.tsx"), nextCode(`host edit ${round}`));
      await firstWith(url, `host edit ${round}`, edited + 60_000);
      next.editDirect.push(performance.now() - edited);
    } finally {
      process.kill(-child.pid!, "SIGKILL");
    }
  };
  // Kiln keeps a warm Next.js spare (KILN_SANDBOX_NEXT_SPARE): a new sandbox takes it, and the
  // next starts in the background. Each round waits until it answers (its dev server answers
  // once it has compiled), so that neither figure is measured while it compiles.
  const spareSockets = path.join(kiln.dataDir, "run", "preview");
  const spareReady = async () => {
    const deadline = performance.now() + 180_000;
    for (;;) {
      const sockets = readdirSync(spareSockets).filter((name) => name.startsWith("spare_"));
      for (const name of sockets) {
        const ok = await new Promise<boolean>((resolve) => {
          const probe = httpRequest({ socketPath: path.join(spareSockets, name), path: "/" });
          probe.on("response", (response) => {
            response.resume();
            resolve(true);
          });
          probe.on("error", () => resolve(false));
          probe.end();
        });
        if (ok) return;
      }
      if (performance.now() > deadline) throw new Error("the warm Next.js spare never served");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const nextInKiln = async (round: number) => {
    const started = performance.now();
    const { result } = await post(user, { fragment: nextPage(`new ${round}`) });
    await firstWith(new URL(String(result.url), kiln.url).href, `new ${round}`, started + 120_000);
    next.fresh.push(performance.now() - started);
    await user.fetch(`/api/sandbox/${result.sbxId}`, { method: "DELETE" });
    const edited = performance.now();
    const again = await post(user, { fragment: nextPage(`edit ${round}`), sbxId: nextKept.sbxId });
    await firstWith(
      new URL(String(again.result.url), kiln.url).href,
      `edit ${round}`,
      edited + 60_000,
    );
    next.edit.push(performance.now() - edited);
  };
  for (let i = 0; i < nextRounds; i++) {
    await spareReady();
    await nextOnHost(i);
    await spareReady();
    await nextInKiln(i);
  }
  rmSync(project, { recursive: true, force: true });

  const a = {
    direct: summary(direct),
    fresh: summary(fresh),
    freshBackToBack: summary(backToBack),
    reused: summary(reused),
  };
  console.log(
    JSON.stringify({
      name: "sandbox",
      goal: "(a) fresh sandbox <= 2x bare bwrap at p50; (c) live preview <= 3000 ms; (d) Next.js new sandbox <= 2000 ms, edit <= 1000 ms",
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
      nextjs: {
        goal: "new sandbox <= 2000 ms, edit visible <= 1000 ms",
        newSandbox: summary(next.fresh),
        edit: summary(next.edit),
        firstWithPreparationMs: Number(nextFirstMs.toFixed(0)),
        newOnHost: summary(next.freshDirect),
        editOnHost: summary(next.editDirect),
        newRatioP50: ratio(summary(next.fresh).p50Ms, summary(next.freshDirect).p50Ms),
        editRatioP50: ratio(summary(next.edit).p50Ms, summary(next.editDirect).p50Ms),
      },
    }),
  );
} finally {
  await kiln.stop();
  rmSync(workspace, { recursive: true, force: true });
}
