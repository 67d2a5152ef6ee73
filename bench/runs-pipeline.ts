// Whole build runs of 20 independent tasks against the fake model server, through the real
// endpoints (project, clarify, answers, approve, POST /runs), on PGlite or, with
// BENCH_DATABASE_URL, on Postgres databases of the bench's own. Two Kilns run side by side, one
// with KILN_WORKERS=1 and one with KILN_WORKERS=4. Figures come from the run's own timestamps
// (the run's createdAt and its events'), so polling for the end costs nothing measured.
//  (c) overhead per task, the model answering at once: from the run's creation to its last
//      branch merged (queue pickup, plan, 20 tasks, merge; verification, which runs the app's
//      commands in a sandbox, is left out), divided by 20, on one worker so that every task's
//      cost adds up; goal <= 300 ms. Baseline: the same git work done directly with git, as a
//      script would (per task a worktree on its own branch, the file written, add, commit; then
//      a worktree on the run's branch and one merge --no-ff per task), on the same disk.
//  (d) the model taking 2 s per call: the execution phase (plan accepted to last task
//      completed) with 1 worker against 4; goal >= 3.5x faster.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { TestClient } from "../tests/support/client.ts";
import { type FakeReply, startFakeOpenAI } from "../tests/support/fake-openai.ts";
import { isPlanPrompt, isTaskPrompt, runReply } from "../tests/support/fake-run-replies.ts";
import { specReply } from "../tests/support/fake-spec-replies.ts";
import { type KilnServer, startKiln } from "../tests/support/kiln-server.ts";
import { kilnNodeOptions } from "./kiln-node-options.ts";
import { summary } from "./stats.ts";

const taskCount = 20;
const latencyMs = 2000;
const zeroLatencyRounds = 3;
const goalMsPerTask = 300;
const goalSpeedup = 3.5;
const shared = process.env.BENCH_DATABASE_URL;

type Json = Record<string, unknown>;
interface RunEvent {
  eventType: string;
  taskId: string | null;
  createdAt: string;
}
interface Task {
  slug: string;
  status: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** An empty database of the bench's own beside BENCH_DATABASE_URL's. */
async function ownDatabase(suffix: string): Promise<string> {
  const url = new URL(shared!);
  const name = `${url.pathname.slice(1)}_bench_pipeline_${suffix}`;
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  await admin.end();
  url.pathname = `/${name}`;
  return url.toString();
}

// The fake answers the spec steps and the run's steps (fake-run-replies.ts: a project named
// "<n> independent tasks" gets that plan); a project whose name says "slow model" gets every
// build step's answer after `latencyMs`.
const fake = await startFakeOpenAI({
  models: ["bench-model"],
  defaultReply: (request): FakeReply => {
    const spec = specReply(request.prompt);
    if (spec) return spec;
    const reply = runReply(request.prompt);
    if (!reply) return { text: "not a known step" };
    const isSlow =
      (isPlanPrompt(request.prompt) || isTaskPrompt(request.prompt)) &&
      /slow model/.test(request.prompt);
    return isSlow ? { ...reply, firstTokenDelayMs: latencyMs } : reply;
  },
});

const ms = (from: string | undefined, to: string | undefined) =>
  from && to ? Date.parse(to) - Date.parse(from) : Number.NaN;

/** One Kiln with `workers` job workers and a signed-up user who builds on it. */
async function startBuilder(workers: number) {
  const kiln = await startKiln({
    env: {
      OPENAI_BASE_URL: fake.url,
      DATABASE_URL: shared ? await ownDatabase(`w${workers}`) : undefined,
      KILN_WORKERS: String(workers),
      NODE_OPTIONS: kilnNodeOptions(),
      KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
      KILN_RATE_LIMIT_TIER_FREE: "1000000000",
    },
  });
  const client = new TestClient(kiln.url);
  await client.signUp();
  const call = async <T = Json>(method: string, url: string, json?: unknown) => {
    const response = await client.fetch(url, { method, json });
    const body = (await response.json()) as { data: T };
    if (!response.ok)
      throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(body)}`);
    return body.data;
  };

  /** A run of the project `name` to its end, and its timings. */
  async function build(name: string) {
    const project = await call<{ id: string }>("POST", "/api/v1/projects", {
      name,
      description: "A kanban board",
    });
    const base = `/api/v1/projects/${project.id}`;
    await call("POST", `${base}/clarify`);
    await call("POST", `${base}/answers`, { answers: [] });
    await call("POST", `${base}/approve`);
    const run = await call<{ id: string; createdAt: string }>("POST", `${base}/runs`, {
      trigger: "manual",
    });
    const runPath = `${base}/runs/${run.id}`;
    const deadline = Date.now() + 300_000;
    let status = "";
    while (!["succeeded", "failed", "cancelled"].includes(status)) {
      if (Date.now() > deadline) throw new Error(`run ${run.id} is stuck (${status})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await call<{ status: string }>("GET", runPath)).status;
    }
    const events = await call<RunEvent[]>("GET", `${runPath}/events?limit=1000`);
    const tasks = await call<Task[]>("GET", `${runPath}/tasks`);
    const at = (type: string) => events.find((e) => e.eventType === type)?.createdAt;
    const last = (type: string) => events.findLast((e) => e.eventType === type)?.createdAt;
    const merged = events.filter((e) => e.eventType === "TASK_MERGED").length;
    // A broken run measures nothing: every task must have been built and merged.
    if (tasks.length !== taskCount || merged !== taskCount) {
      throw new Error(
        `run ${run.id} ended ${status} with ${merged} of ${tasks.length} tasks merged:\n${kiln.output().slice(-3000)}`,
      );
    }
    const pipelineMs = ms(run.createdAt, last("TASK_MERGED"));
    return {
      pipelineMs,
      msPerTask: Math.round(pipelineMs / taskCount),
      phasesMs: {
        pickup: ms(run.createdAt, at("DECOMPOSE_STARTED")),
        decompose: ms(at("DECOMPOSE_STARTED"), at("PLAN_ACCEPTED")),
        execute: ms(at("PLAN_ACCEPTED"), last("TASK_COMPLETED")),
        toMerge: ms(last("TASK_COMPLETED"), at("MERGE_STARTED")),
        merge: ms(at("MERGE_STARTED"), last("TASK_MERGED")),
      },
      // Each task's job from its start (before its worktree is made) to its completion.
      taskJobMs: summary(
        tasks.map((t) => ms(t.startedAt ?? undefined, t.completedAt ?? undefined)),
      ),
      status,
    };
  }
  return { kiln, build };
}

const git = (args: string[], options: { cwd?: string; gitDir?: string } = {}) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      "git",
      ["-c", "core.hooksPath=/dev/null", ...args],
      {
        cwd: options.cwd,
        env: Object.assign({} as NodeJS.ProcessEnv, {
          PATH: "/usr/local/bin:/usr/bin:/bin",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_AUTHOR_NAME: "Bench",
          GIT_AUTHOR_EMAIL: "bench@localhost",
          GIT_COMMITTER_NAME: "Bench",
          GIT_COMMITTER_EMAIL: "bench@localhost",
          ...(options.gitDir ? { GIT_DIR: options.gitDir } : {}),
        }),
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout),
    );
  });

/** The baseline: the git work of a 20-task run, done directly. */
async function gitBaseline() {
  const dir = mkdtempSync(path.join(tmpdir(), "kiln-bench-git-"));
  try {
    const seed = path.join(dir, "repo");
    await git(["init", "--quiet", "--initial-branch=main", seed]);
    await writeFile(path.join(seed, "README.md"), "# Bench\n");
    await git(["add", "--all"], { cwd: seed });
    await git(["commit", "--quiet", "-m", "start"], { cwd: seed });
    const gitDir = path.join(seed, ".git");
    const base = (await git(["rev-parse", "HEAD"], { cwd: seed })).trim();

    const start = performance.now();
    const branches: string[] = [];
    for (let i = 1; i <= taskCount; i++) {
      const slug = `part-${String(i).padStart(2, "0")}`;
      const branch = `feat/task-${String(i).padStart(3, "0")}-${slug}`;
      const work = path.join(dir, "work", branch.replace("/", "-"));
      await git(["worktree", "add", "--quiet", "-b", branch, work, base], { gitDir });
      await mkdir(path.join(work, "src", slug), { recursive: true });
      await writeFile(path.join(work, "src", slug, "index.js"), `export const task = "${slug}";\n`);
      await git(["add", "--all"], { cwd: work });
      await git(["commit", "--quiet", "-m", `task ${i} ${slug}`], { cwd: work });
      branches.push(branch);
    }
    const runWork = path.join(dir, "work", "run-001");
    await git(["worktree", "add", "--quiet", "-b", "run/001", runWork, base], { gitDir });
    for (const branch of branches) {
      await git(["merge", "--quiet", "--no-ff", "--no-edit", "-m", `Merge ${branch}`, branch], {
        cwd: runWork,
      });
    }
    return performance.now() - start;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const servers: KilnServer[] = [];
try {
  const one = await startBuilder(1);
  servers.push(one.kiln);
  const four = await startBuilder(4);
  servers.push(four.kiln);

  // (c): rounds alternate between the two Kilns and the baseline, so drift hits all of them.
  const zero: { w1: Awaited<ReturnType<typeof one.build>>[]; w4: typeof zero.w1 } = {
    w1: [],
    w4: [],
  };
  const baselineMs: number[] = [];
  for (let round = 1; round <= zeroLatencyRounds; round++) {
    console.error(`pipeline: zero-latency round ${round}`);
    zero.w1.push(await one.build(`Bench ${taskCount} independent tasks ${round}`));
    zero.w4.push(await four.build(`Bench ${taskCount} independent tasks ${round}`));
    baselineMs.push(await gitBaseline());
  }
  const pick = (runs: typeof zero.w1) => {
    const chosen = runs.find((r) => r.pipelineMs === median(runs.map((x) => x.pipelineMs)))!;
    return { rounds: runs.map((r) => r.msPerTask), ...chosen };
  };
  const w1 = pick(zero.w1);
  const w4 = pick(zero.w4);
  const gitMsPerTask = Math.round(median(baselineMs) / taskCount);

  // (d)
  console.error("pipeline: 2 s model latency, 1 worker");
  const slow1 = await one.build(`Bench ${taskCount} independent tasks, slow model`);
  console.error("pipeline: 2 s model latency, 4 workers");
  const slow4 = await four.build(`Bench ${taskCount} independent tasks, slow model`);
  const speedup = Number((slow1.phasesMs.execute / slow4.phasesMs.execute).toFixed(2));
  const wholeRun = Number((slow1.pipelineMs / slow4.pipelineMs).toFixed(2));

  const overheadMet = w1.msPerTask <= goalMsPerTask;
  const parallelMet = speedup >= goalSpeedup;
  console.log(
    JSON.stringify({
      section: "pipeline",
      database: shared ? "postgres" : "pglite",
      tasks: taskCount,
      overhead: {
        measured:
          "run created to last branch merged, / tasks, model answering at once, no verification; median of rounds",
        workers1: w1,
        workers4: w4,
        baseline: {
          what: "the same git work done directly with git: per task worktree add -b, write the file, add, commit; then a run worktree and merge --no-ff per task",
          msPerTask: gitMsPerTask,
          rounds: baselineMs.map((b) => Math.round(b / taskCount)),
        },
        kilnAddsMsPerTask: w1.msPerTask - gitMsPerTask,
        goalMsPerTask,
        met: overheadMet,
      },
      parallel: {
        modelLatencyMs: latencyMs,
        measured: "plan accepted to last task completed (the independent tasks' phase)",
        workers1: slow1,
        workers4: slow4,
        speedup,
        idealSpeedup: 4,
        wholeRunSpeedup: wholeRun,
        goalSpeedup,
        met: parallelMet,
      },
      met: overheadMet && parallelMet,
    }),
  );
} finally {
  for (const server of servers) await server.stop();
  await fake.close();
}
