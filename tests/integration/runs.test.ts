import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decomposeSystem } from "@/lib/runs/prompts";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { fileContent, isPlanPrompt, isTaskPrompt, runReply } from "../support/fake-run-replies";
import { specReply } from "../support/fake-spec-replies";
import { cleanEnv, type KilnServer, startKiln } from "../support/kiln-server";
import { ownPostgresDatabase } from "../support/own-database";
import { startBuildServers } from "./build-servers";
import { suiteEnv } from "./global-setup";
import { type Envelope, runSteps } from "./run-steps";

// Build runs over /api/v1 against a fake model server: a whole pipeline of three tasks (one
// waiting on another), merged and verified in a sandbox (the app's own tests run), the tier's concurrent builds under five requests at
// once, cancel while a task's model call is in flight, a merge conflict, a plan the model never
// gets right, retry, tenancy and bad input; on both databases. Each run's events are read back
// to check it ends with exactly one final event; on Postgres its model calls are read directly.

type Json = Record<string, unknown>;
interface Run {
  id: string;
  projectId: string;
  runNumber: number;
  status: string;
  trigger: string;
  error: string | null;
  tasksJson: { tasks: Json[]; mergeOrder: string[] } | null;
  tasks: { id: string; slug: string; status: string; sequence: number }[];
  specSnapshot: { version: number; requirements: Json[]; acceptance: Json[] } | null;
  baseCommit: string | null;
  resultCommit: string | null;
  tokensUsed: number;
  tokenBudget: number | null;
  completedAt: string | null;
  verificationResult: Json | null;
}
interface Task {
  id: string;
  slug: string;
  status: string;
  sequence: number;
  definition: { id: string; dependencies: string[]; pathScope: string[] };
  branchName: string;
  worktreePath: string | null;
  result: { filesCreated: string[]; filesModified: string[]; commitSha: string } | null;
  error: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

const backends = [
  { name: "pglite", databaseUrl: undefined as string | undefined },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres", databaseUrl: process.env.TEST_DATABASE_URL }]
    : []),
];

const finished = ["succeeded", "failed", "cancelled"];

describe.each(backends)("runs on $name", (backend) => {
  let databaseUrl: string | undefined;
  let fake: FakeOpenAI;
  let kiln: KilnServer;
  beforeAll(async () => {
    ({ databaseUrl, fake, kiln } = await startBuildServers({
      sharedDatabaseUrl: backend.databaseUrl,
      suffix: "runs_suite",
      env: { KILN_WORKERS: "3" },
    }));
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  const { signedUp, call, approvedProject } = runSteps(() => kiln);
  /** Polls the run until `done` holds for it (the run advances in background jobs). */
  async function until(
    client: TestClient,
    runPath: string,
    done: (run: Run) => boolean,
  ): Promise<Run> {
    const deadline = Date.now() + 80_000;
    for (;;) {
      const { status, body } = await call<Run>(client, "GET", runPath);
      expect(status).toBe(200);
      if (done(body.data)) return body.data;
      if (Date.now() > deadline) {
        throw new Error(
          `the run is stuck: ${JSON.stringify(body.data.tasks)} ${body.data.status}\n${kiln.output().slice(-3000)}`,
        );
      }
      if (finished.includes(body.data.status)) {
        throw new Error(`the run ended ${body.data.status} (${body.data.error}) before it was due`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const repoOf = (projectId: string) => path.join(kiln.dataDir, "repos", `${projectId}.git`);
  const gitShow = (projectId: string, spec: string) =>
    execFileSync("git", ["--git-dir", repoOf(projectId), "show", spec], { encoding: "utf8" });

  /** The run's event types in order, as GET .../events lists them. */
  async function eventTypes(client: TestClient, run: Run): Promise<string[]> {
    const listed = await call<{ eventType: string }[]>(
      client,
      "GET",
      `/api/v1/projects/${run.projectId}/runs/${run.id}/events?limit=1000`,
    );
    expect(listed.status).toBe(200);
    return listed.body.data.map((e) => e.eventType);
  }
  const finalEvents = (types: string[]) =>
    types.filter((t) => ["RUN_SUCCEEDED", "RUN_FAILED", "RUN_CANCELLED"].includes(t));

  test("a whole build: the plan, three tasks with a dependency, the merge and verification, then main moves", {
    timeout: 120_000,
  }, async () => {
    const client = await signedUp();
    const name = "Pipeline Board";
    const projectId = await approvedProject(client, name);
    const base = `/api/v1/projects/${projectId}/runs`;

    const started = await call<Run & { createdAt: string }>(client, "POST", base, {
      trigger: "manual",
    });
    expect(started.status).toBe(201);
    expect(started.body.data).toEqual({
      id: expect.stringMatching(/^run_[a-z0-9]+$/),
      projectId,
      runNumber: 1,
      status: "decomposing",
      trigger: "manual",
      createdAt: expect.any(String),
    });
    const runPath = `${base}/${started.body.data.id}`;
    // A run that is still going cannot be retried: the project is building.
    const early = await call(client, "POST", `${runPath}/retry`);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('status "building"');
    // Verification is the last step: the app's files are checked in a sandbox, and it passes.
    const run = await until(client, runPath, (r) => r.status === "succeeded");
    expect(run.tasksJson?.mergeOrder).toEqual(["store", "pages", "api"]);
    expect(run.tasks).toEqual([
      { id: expect.any(String), slug: "store", status: "succeeded", sequence: 1 },
      { id: expect.any(String), slug: "pages", status: "succeeded", sequence: 2 },
      { id: expect.any(String), slug: "api", status: "succeeded", sequence: 3 },
    ]);
    expect(run.specSnapshot?.requirements.map((r) => r.id)).toEqual(["FR-1", "FR-2"]);
    expect(run.specSnapshot?.acceptance[0]).toEqual({
      id: "AC-1",
      requirement: "FR-1",
      text: "Given an account, when the right password is given, then the user is signed in.",
    });
    expect(run.baseCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(run.resultCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(run.tokensUsed).toBeGreaterThan(0);
    expect(run.tokensUsed).toBeLessThan(run.tokenBudget ?? 0);

    const tasks = await call<Task[]>(client, "GET", `${runPath}/tasks`);
    expect(tasks.status).toBe(200);
    const [store, pages, api] = tasks.body.data;
    expect(store).toMatchObject({
      slug: "store",
      branchName: "feat/task-001-store",
      definition: { id: "task-001", dependencies: [], pathScope: ["src/store/**"] },
      result: { filesCreated: ["src/store/boards.js"], filesModified: [] },
    });
    expect(store?.result?.commitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(api?.definition.dependencies).toEqual(["store"]);
    // The dependent task started only once its dependency was done.
    expect(Date.parse(api?.startedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(store?.completedAt ?? ""),
    );
    const one = await call<Task>(client, "GET", `${runPath}/tasks/${pages?.id}`);
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual(pages);

    // The run's branch holds every task's files, merged onto the base, and main is now its head.
    expect(gitShow(projectId, "run/001:src/api/boards.js")).toBe(
      fileContent("api", "src/api/boards.js", `Build the api part of ${name}.`),
    );
    expect(gitShow(projectId, "run/001:src/pages/index.html")).toContain("task pages");
    // One planning call and one call per task, each naming the project.
    const mine = fake.requests.filter((r) => r.prompt.includes(name));
    expect(mine.filter((r) => isPlanPrompt(r.prompt))).toHaveLength(1);
    expect(mine.filter((r) => isTaskPrompt(r.prompt))).toHaveLength(3);

    const listed = await call<Json[]>(client, "GET", `${base}?page=1&pageSize=10`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({
        id: run.id,
        runNumber: 1,
        status: "succeeded",
        trigger: "manual",
        tasksSummary: { total: 3, succeeded: 3, failed: 0 },
        completedAt: expect.any(String),
      }),
    ]);
    expect(listed.body.pagination).toEqual({ page: 1, pageSize: 10, total: 1, totalPages: 1 });
    const project = await call<{ status: string; latestRun: Json }>(
      client,
      "GET",
      `/api/v1/projects/${projectId}`,
    );
    expect(project.body.data.status).toBe("built");
    expect(project.body.data.latestRun).toEqual({ id: run.id, runNumber: 1, status: "succeeded" });
    // With no package.json, verification checked every source file's syntax in a sandbox.
    expect(run.verificationResult).toMatchObject({
      passed: true,
      template: "static-html",
      steps: [
        { name: "install", skipped: "the app has no package.json" },
        {
          name: "check",
          command: expect.stringContaining("node --check 'src/api/boards.js'"),
          exitCode: 0,
        },
        { name: "build", skipped: "the app has no package.json" },
        { name: "test", skipped: "the app has no package.json" },
      ],
    });
    // A run that passes moves main to its result.
    expect(
      execFileSync("git", ["--git-dir", repoOf(projectId), "rev-parse", "main"])
        .toString()
        .trim(),
    ).toBe(run.resultCommit);
    const types = await eventTypes(client, run);
    expect(types.slice(0, 3)).toEqual(["RUN_STARTED", "DECOMPOSE_STARTED", "PLAN_ACCEPTED"]);
    const count = (type: string) => types.filter((t) => t === type).length;
    expect(
      ["TASK_QUEUED", "TASK_STARTED", "FILE_CREATED", "TASK_COMPLETED", "TASK_MERGED"].map(count),
    ).toEqual([3, 3, 3, 3, 3]);
    expect(count("MERGE_STARTED")).toBe(1);
    expect(types.slice(-2)).toEqual(["VERIFY_COMPLETED", "RUN_SUCCEEDED"]);
    expect(count("VERIFY_STARTED")).toBe(1);
    expect(finalEvents(types)).toEqual(["RUN_SUCCEEDED"]);
    if (databaseUrl) {
      // Every model call of the run is recorded against it, and its tokens are the run's.
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      const { rows } = await db.query<{ purpose: string; tokens: number }>(
        `select purpose, input_tokens + output_tokens as tokens from llm_calls
          where run_id = $1 order by purpose`,
        [run.id],
      );
      await db.end();
      expect(rows.map((r) => r.purpose)).toEqual(["decompose", "task", "task", "task"]);
      expect(rows.reduce((sum, r) => sum + r.tokens, 0)).toBe(run.tokensUsed);
    }
  });

  test("verification installs nothing it need not, runs the app's own tests, and maps each AC to them", async () => {
    const client = await signedUp();
    const passing = await approvedProject(client, "Tested Board");
    const failing = await approvedProject(client, "Failing Tested Board");
    const started = await call<Run>(client, "POST", `/api/v1/projects/${passing}/runs`);
    const runPath = `/api/v1/projects/${passing}/runs/${started.body.data.id}`;
    const run = await until(client, runPath, (r) => r.status === "succeeded");
    expect(run.verificationResult).toMatchObject({
      passed: true,
      template: "static-html",
      steps: [
        { name: "install", skipped: "the app has no dependencies" },
        { name: "check", skipped: "the app's own build and tests check it" },
        { name: "build", skipped: "package.json has no build script" },
        { name: "test", command: "npm test", exitCode: 0 },
      ],
      acceptance: [
        {
          id: "AC-1",
          tasks: ["pages"],
          tests: ["test/app.test.js: AC-1 the page has a title"],
          covered: true,
        },
        {
          id: "AC-2",
          tasks: ["store"],
          tests: ["test/app.test.js: AC-2 a board is listed"],
          covered: true,
        },
      ],
    });
    const output = (
      await call<{ eventType: string; payload: { step: string; text: string } }[]>(
        client,
        "GET",
        `${runPath}/events?type=VERIFY_OUTPUT&limit=1000`,
      )
    ).body.data
      .map((e) => e.payload.text)
      .join("");
    expect(output).toMatch(/# pass 2/);

    // The same app with a test that fails: the run fails, main stays where it was.
    const broken = await call<Run>(client, "POST", `/api/v1/projects/${failing}/runs`);
    const brokenPath = `/api/v1/projects/${failing}/runs/${broken.body.data.id}`;
    const deadline = Date.now() + 60_000;
    let failed: Run;
    for (;;) {
      failed = (await call<Run>(client, "GET", brokenPath)).body.data;
      if (finished.includes(failed.status) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("Verification failed: the app did not pass its checks");
    expect(failed.verificationResult).toMatchObject({
      passed: false,
      steps: expect.arrayContaining([expect.objectContaining({ name: "test", exitCode: 1 })]),
    });
    expect(
      execFileSync("git", ["--git-dir", repoOf(failing), "rev-parse", "main"])
        .toString()
        .trim(),
    ).toBe(failed.baseCommit);
    const project = await call<{ status: string }>(client, "GET", `/api/v1/projects/${failing}`);
    expect(project.body.data.status).toBe("failed");
  });

  test("five builds at once on a free account: exactly one starts, the others are 429", async () => {
    const client = await signedUp();
    const projects = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => approvedProject(client, `Tier Board ${n}`)),
    );
    // The tasks of these runs never answer, so the one that starts keeps its slot.
    fake.script(
      ...projects.map(() => ({
        when: (r: { prompt: string }) => isTaskPrompt(r.prompt) && r.prompt.includes("Tier Board"),
        hang: true as const,
      })),
    );
    const responses = await Promise.all(
      projects.map((id) => call<Run>(client, "POST", `/api/v1/projects/${id}/runs`)),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 429, 429, 429, 429]);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.body).toMatchObject({
      success: false,
      error: { code: "RATE_LIMITED", details: { tier: "free", concurrentBuilds: 1 } },
    });
    expect(refused.body.error.message).toMatch(/free plan runs 1 build at a time/);
    // Refused requests changed nothing: those projects are still approved, with no runs.
    const startedAt = responses.findIndex((r) => r.status === 201);
    const other = projects[(startedAt + 1) % 5]!;
    const untouched = await call<{ status: string; latestRun: Json | null }>(
      client,
      "GET",
      `/api/v1/projects/${other}`,
    );
    expect(untouched.body.data).toMatchObject({ status: "approved", latestRun: null });

    // Cancelling the running build gives its slot back.
    const running = responses[startedAt]!.body.data;
    const cancelled = await call(
      client,
      "POST",
      `/api/v1/projects/${projects[startedAt]}/runs/${running.id}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    const next = await call<Run>(client, "POST", `/api/v1/projects/${other}/runs`);
    expect(next.status).toBe(201);
    expect(
      (await call(client, "POST", `/api/v1/projects/${other}/runs/${next.body.data.id}/cancel`))
        .status,
    ).toBe(200);
  });

  test("cancel mid-run: the task's model call stops, the run and project end, and retry starts run 2", {
    timeout: 120_000,
  }, async () => {
    const client = await signedUp();
    const name = "Cancel Board";
    const projectId = await approvedProject(client, name);
    // Run 1's store task never gets an answer; everything else (and run 2) is answered.
    const hanging = (r: { prompt: string }) =>
      isTaskPrompt(r.prompt) && r.prompt.includes(name) && r.prompt.includes("The task: store");
    fake.script({ when: hanging, hang: true });
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(client, "POST", base);
    const runPath = `${base}/${started.body.data.id}`;
    // The store task's model call is in flight (the fake holds it open).
    while (fake.requests.filter(hanging).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const cancelled = await call(client, "POST", `${runPath}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toEqual({ id: started.body.data.id, status: "cancelled" });
    const run = (await call<Run>(client, "GET", runPath)).body.data;
    expect(run.status).toBe("cancelled");
    expect(run.completedAt).not.toBeNull();
    expect(run.tasks.map((t) => t.status)).not.toContain("running");
    expect(run.tasks.map((t) => t.status)).toContain("cancelled");
    const project = await call<{ status: string }>(client, "GET", `/api/v1/projects/${projectId}`);
    expect(project.body.data.status).toBe("failed");
    // The run's checkouts are gone; its branches stay.
    expect(existsSync(path.join(kiln.dataDir, "workspaces", projectId, "run-001"))).toBe(false);
    // A finished run cannot be cancelled again.
    const again = await call(client, "POST", `${runPath}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
    expect(finalEvents(await eventTypes(client, run))).toEqual(["RUN_CANCELLED"]);
    if (databaseUrl) {
      // The held model call ended as the run was cancelled (a hung call is never recorded).
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      let stopped: { error: string }[] = [];
      while (stopped.length === 0) {
        ({ rows: stopped } = await db.query(
          "select error from llm_calls where run_id = $1 and purpose = 'task' and outcome <> 'ok'",
          [run.id],
        ));
        if (stopped.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await db.end();
      for (const call of stopped) {
        expect(call.error).toBe("the model provider failed: the run was cancelled");
      }
    }

    // Retry: a new run of the same spec, the next number, trigger retry; it builds to the end.
    const retried = await call<Run>(client, "POST", `${runPath}/retry`);
    expect(retried.status).toBe(201);
    expect(retried.body.data).toEqual({
      id: expect.stringMatching(/^run_/),
      runNumber: 2,
      status: "decomposing",
      trigger: "retry",
    });
    const second = await until(
      client,
      `${base}/${retried.body.data.id}`,
      (r) => r.status === "succeeded",
    );
    expect(second.tasks.map((t) => t.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    // The retry's tasks took over the branch names from run 1's worktrees.
    const tasks = (await call<Task[]>(client, "GET", `${base}/${second.id}/tasks`)).body.data;
    expect(tasks[0]?.branchName).toBe("feat/task-001-store");
    expect(gitShow(projectId, "run/002:src/store/boards.js")).toContain("task store");
    const listed = await call<Json[]>(client, "GET", `${base}?status=cancelled`);
    expect(listed.body.data.map((r) => r.runNumber)).toEqual([1]);
    // Run 2 moved main; run 1 never did.
    expect(
      execFileSync("git", ["--git-dir", repoOf(projectId), "rev-parse", "main"])
        .toString()
        .trim(),
    ).toBe(second.resultCommit);
  });

  test("a merge conflict fails the task and the run, naming the branch and the files", async () => {
    const client = await signedUp();
    const projectId = await approvedProject(client, "Conflict Board");
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(client, "POST", base);
    const run = await until(client, `${base}/${started.body.data.id}`, (r) =>
      finished.includes(r.status),
    );
    expect(run.status).toBe("failed");
    expect(run.error).toBe(
      "Merging feat/task-002-settings-b into run/001 conflicted in src/config/app.js",
    );
    const tasks = (await call<Task[]>(client, "GET", `${base}/${run.id}/tasks`)).body.data;
    expect(tasks.map((t) => [t.slug, t.status])).toEqual([
      ["settings-a", "succeeded"],
      ["settings-b", "failed"],
    ]);
    // The overlapping scopes were ordered: b waited for a.
    expect(tasks[1]?.definition.dependencies).toEqual(["settings-a"]);
    const project = await call<{ status: string }>(client, "GET", `/api/v1/projects/${projectId}`);
    expect(project.body.data.status).toBe("failed");
    const types = await eventTypes(client, run);
    expect(types).toContain("MERGE_CONFLICT");
    expect(finalEvents(types)).toEqual(["RUN_FAILED"]);
  });

  test("a plan that never passes the checks goes back to the model three times, then fails the run", async () => {
    const client = await signedUp();
    const name = "Unplannable Board";
    const projectId = await approvedProject(client, name);
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(client, "POST", base);
    const run = await until(client, `${base}/${started.body.data.id}`, (r) =>
      finished.includes(r.status),
    );
    expect(run.status).toBe("failed");
    expect(run.error).toContain("task everything depends on missing-task, which is not a task");
    expect(run.tasks).toEqual([]);
    const plans = fake.requests.filter((r) => r.prompt.includes(name) && isPlanPrompt(r.prompt));
    expect(plans).toHaveLength(3);
    // The problems went back to the model.
    expect(plans[1]?.prompt).toContain("That answer cannot be used");
    const types = await eventTypes(client, run);
    expect(types.filter((t) => t === "PLAN_REJECTED")).toHaveLength(3);
    expect(finalEvents(types)).toEqual(["RUN_FAILED"]);
  });

  test("a task whose model call fails is retried; the same failure twice stops it and fails the run", async () => {
    const client = await signedUp();
    const name = "Stubborn Board";
    const projectId = await approvedProject(client, name);
    const store = (r: { prompt: string }) =>
      isTaskPrompt(r.prompt) && r.prompt.includes(name) && r.prompt.includes("The task: store");
    const refusal = { status: 400, message: "This model will not write stores" };
    fake.script({ when: store, error: refusal }, { when: store, error: refusal });
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(client, "POST", base);
    const run = await until(client, `${base}/${started.body.data.id}`, (r) =>
      finished.includes(r.status),
    );
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(
      /^Task store failed after 2 attempt\(s\) \(the same failure twice in a row\): .*This model will not write stores/,
    );
    const tasks = (await call<Task[]>(client, "GET", `${base}/${run.id}/tasks`)).body.data;
    const failed = tasks.find((t) => t.slug === "store");
    expect(failed).toMatchObject({ status: "failed", attempts: 2 });
    expect(fake.requests.filter(store)).toHaveLength(2);
    // The task waiting on it never ran.
    expect(tasks.find((t) => t.slug === "api")?.status).toBe("cancelled");
  });

  test("a task that fails once and then works succeeds on its second attempt", {
    timeout: 120_000,
  }, async () => {
    const client = await signedUp();
    const name = "Flaky Board";
    const projectId = await approvedProject(client, name);
    const pages = (r: { prompt: string }) =>
      isTaskPrompt(r.prompt) && r.prompt.includes(name) && r.prompt.includes("The task: pages");
    fake.script({ when: pages, error: { status: 400, message: "Not today" } });
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(client, "POST", base);
    const run = await until(
      client,
      `${base}/${started.body.data.id}`,
      (r) => r.status === "succeeded",
    );
    const tasks = (await call<Task[]>(client, "GET", `${base}/${run.id}/tasks`)).body.data;
    expect(tasks.find((t) => t.slug === "pages")).toMatchObject({
      status: "succeeded",
      attempts: 2,
      error: null,
    });
  });

  test("a run past its token budget stops, failed, before any task runs; its calls are counted", async () => {
    const client = await signedUp();
    const name = "Budget Board";
    const projectId = await approvedProject(client, name);
    fake.script({
      when: (r) => isPlanPrompt(r.prompt) && r.prompt.includes(name),
      ...runReply(`${decomposeSystem}\nProject: ${name}`)!,
      usage: { input: 1_999_990, output: 20 },
    });
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(client, "POST", base);
    const run = await until(client, `${base}/${started.body.data.id}`, (r) =>
      finished.includes(r.status),
    );
    expect(run.status).toBe("failed");
    expect(run.tokenBudget).toBe(2_000_000);
    expect(run.tokensUsed).toBe(2_000_010);
    expect(run.error).toBe("The run used 2000010 tokens, over its budget of 2000000");
    expect(run.tasks).toEqual([]);
    expect(fake.requests.filter((r) => isTaskPrompt(r.prompt) && r.prompt.includes(name))).toEqual(
      [],
    );
    if (databaseUrl) {
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      const { rows } = await db.query(
        "select purpose, input_tokens, output_tokens, outcome from llm_calls where run_id = $1",
        [run.id],
      );
      await db.end();
      expect(rows).toEqual([
        { purpose: "decompose", input_tokens: 1_999_990, output_tokens: 20, outcome: "ok" },
      ]);
    }
  });

  test("a build needs an approved spec: 409 for a draft project", async () => {
    const client = await signedUp();
    const created = await call<{ id: string }>(client, "POST", "/api/v1/projects", {
      name: "Draft Board",
    });
    const response = await call(client, "POST", `/api/v1/projects/${created.body.data.id}/runs`);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("CONFLICT");
    expect(response.body.error.message).toContain('status "draft"');
  });

  test("another user's runs and tasks are 404 everywhere; an API key works; no credentials is 401", async () => {
    const alice = await signedUp();
    const projectId = await approvedProject(alice, "Tenancy Board");
    fake.script({
      when: (r) => isTaskPrompt(r.prompt) && r.prompt.includes("Tenancy Board"),
      hang: true,
    });
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(alice, "POST", base);
    const runPath = `${base}/${started.body.data.id}`;
    const run = await until(alice, runPath, (r) => r.tasks.length > 0);
    const taskPath = `${runPath}/tasks/${run.tasks[0]?.id}`;

    const bob = await signedUp();
    const { key } = await bob.createApiKey();
    const asBob = (method: string, target: string, body?: unknown) =>
      fetch(`${kiln.url}${target}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    for (const [method, target] of [
      ["GET", base],
      ["POST", base],
      ["GET", runPath],
      ["POST", `${runPath}/cancel`],
      ["POST", `${runPath}/retry`],
      ["GET", `${runPath}/tasks`],
      ["GET", taskPath],
    ] as const) {
      const response = await asBob(method, target, method === "POST" ? {} : undefined);
      expect(response.status, `${method} ${target}`).toBe(404);
      expect(((await response.json()) as Envelope<unknown>).error.code).toBe("NOT_FOUND");
    }
    // Still running: Bob's cancel did nothing.
    expect((await call<Run>(alice, "GET", runPath)).body.data.status).not.toBe("cancelled");

    // Alice's own API key reads and cancels her run.
    const { key: aliceKey } = await alice.createApiKey();
    const withKey = (method: string, target: string) =>
      fetch(`${kiln.url}${target}`, { method, headers: { authorization: `Bearer ${aliceKey}` } });
    expect((await withKey("GET", `${runPath}/tasks`)).status).toBe(200);
    expect((await withKey("GET", taskPath)).status).toBe(200);
    expect((await withKey("POST", `${runPath}/cancel`)).status).toBe(200);

    for (const target of [base, runPath, `${runPath}/tasks`, taskPath]) {
      const response = await fetch(`${kiln.url}${target}`);
      expect(response.status, target).toBe(401);
    }
  });

  test("bad input is a 400 naming the field, never a 5xx", async () => {
    const client = await signedUp();
    const projectId = await approvedProject(client, "Bad Input Board");
    const base = `/api/v1/projects/${projectId}/runs`;
    for (const [body, field] of [
      [{ trigger: "retry" }, "trigger"],
      [{ trigger: 7 }, "trigger"],
      [{ surprise: true }, "surprise"],
    ] as const) {
      const response = await call(client, "POST", base, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
      expect(response.body.error.message).toContain(field);
    }
    const broken = await client.fetch(base, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(broken.status).toBe(400);
    for (const query of ["page=0", "pageSize=1000", "status=sleeping", "page=x", "extra=1"]) {
      const response = await call(client, "GET", `${base}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
    }
    for (const target of [
      `${base}/not-a-run`,
      `${base}/run_%ZZ`,
      `${base}/run_abc%00`,
      `${base}/run_abc/tasks/nope`,
    ]) {
      const response = await client.fetch(target);
      expect(response.status, target).toBeGreaterThanOrEqual(400);
      expect(response.status, target).toBeLessThan(500);
    }
    expect((await client.fetch(`${base}/run_doesnotexist`)).status).toBe(404);
    // Nothing was started by any of it.
    const listed = await call<Json[]>(client, "GET", base);
    expect(listed.body.data).toEqual([]);
  });
});

// With Postgres, builds run in `npm run worker` processes as well as in Kiln's own: here Kiln
// runs none (KILN_WORKERS=0) and a worker process builds the whole run.
describe.skipIf(!process.env.TEST_DATABASE_URL)("runs in a worker process", () => {
  let fake: FakeOpenAI;
  let kiln: KilnServer;
  let databaseUrl: string;
  let env: Record<string, string | undefined>;
  let worker: ReturnType<typeof spawn>;
  let output = "";
  /** An `npm run worker` process on the suite's database; a dead one's jobs return in 2 s. */
  const startWorker = () => {
    const started = spawn(
      process.execPath,
      ["--import", "./scripts/project-paths.mjs", "scripts/worker.ts"],
      {
        cwd: path.resolve(import.meta.dirname, "../.."),
        // The server's data directory: the same secret, and the worktrees beside its repos.
        env: cleanEnv({
          ...env,
          DATA_DIR: kiln.dataDir,
          KILN_WORKERS: "2",
          KILN_JOB_LEASE_MS: "2000",
        }),
      },
    );
    started.stdout?.on("data", (chunk) => (output += chunk));
    started.stderr?.on("data", (chunk) => (output += chunk));
    return started;
  };
  beforeAll(async () => {
    databaseUrl = await ownPostgresDatabase(process.env.TEST_DATABASE_URL!, "runs_worker");
    fake = await startFakeOpenAI({
      models: ["run-model"],
      defaultReply: (request) =>
        specReply(request.prompt) ?? runReply(request.prompt) ?? { text: "not a known step" },
    });
    env = { ...suiteEnv, OPENAI_BASE_URL: fake.url, DATABASE_URL: databaseUrl };
    kiln = await startKiln({ env: { ...env, KILN_WORKERS: "0" } });
    worker = startWorker();
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.kill("SIGTERM");
      await exited;
    }
    await kiln?.stop();
    await fake?.close();
  });
  const post = (client: TestClient, target: string, json: unknown = {}) =>
    client.fetch(target, { method: "POST", json }).then((r) => r.json() as Promise<Envelope<Json>>);
  /** An approved project's first run, started; answers the run's path. */
  async function startRun(client: TestClient, name: string) {
    const project = await post(client, "/api/v1/projects", { name });
    const id = String(project.data.id);
    await post(client, `/api/v1/projects/${id}/clarify`);
    await post(client, `/api/v1/projects/${id}/answers`, { answers: [] });
    await post(client, `/api/v1/projects/${id}/approve`);
    const started = await post(client, `/api/v1/projects/${id}/runs`);
    return { projectId: id, runPath: `/api/v1/projects/${id}/runs/${started.data.id}` };
  }
  async function untilSucceeded(client: TestClient, runPath: string): Promise<Run> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const run = ((await (await client.fetch(runPath)).json()) as Envelope<Run>).data;
      if (run.status === "succeeded") return run;
      if (finished.includes(run.status) || Date.now() > deadline) {
        throw new Error(`${run.status}: ${run.error}\n${output.slice(-4000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test("a worker process builds, merges and verifies the run", { timeout: 120_000 }, async () => {
    const client = new TestClient(kiln.url);
    await client.signUp();
    const { projectId: id, runPath } = await startRun(client, "Worker Board");
    const run = await untilSucceeded(client, runPath);
    expect(run.tasks.map((t) => t.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    const repo = path.join(kiln.dataDir, "repos", `${id}.git`);
    expect(
      execFileSync("git", ["--git-dir", repo, "show", "run/001:src/api/boards.js"], {
        encoding: "utf8",
      }),
    ).toContain("task api");
    expect(output).toMatch(/Kiln worker wrk_\w+ running/);
  });

  test("a worker killed with SIGKILL mid-task: another takes its job when the lease runs out, and the run succeeds with every event once", {
    timeout: 120_000,
  }, async () => {
    const client = new TestClient(kiln.url);
    await client.signUp();
    const name = "Killed Worker Board";
    // The store task's first model call is never answered: the worker is inside the task.
    const store = (r: { prompt: string }) =>
      isTaskPrompt(r.prompt) && r.prompt.includes(name) && r.prompt.includes("The task: store");
    fake.script({ when: store, hang: true });
    const { projectId, runPath } = await startRun(client, name);
    while (fake.requests.filter(store).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const killed = new Promise((resolve) => worker.once("exit", resolve));
    worker.kill("SIGKILL");
    await killed;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // The dead worker still holds the store task's job until its lease runs out.
      const { rows: held } = await db.query(
        `select t.slug from jobs j join run_tasks t on t.id = j.payload->>'taskId'
          where j.kind = 'run.task' and t.run_id = $1 and j.status = 'running'`,
        [runPath.split("/").at(-1)],
      );
      expect(held.map((r) => r.slug)).toContain("store");
      worker = startWorker();
      const run = await untilSucceeded(client, runPath);
      expect(run.tasks.map((t) => t.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
      // The store task ran twice (the killed attempt and the one after); a task the kill caught
      // between its model call and its commit (pages runs beside store) may have too.
      const { rows: tasks } = await db.query<{ slug: string; attempts: number }>(
        "select slug, attempts from run_tasks where run_id = $1 order by sequence",
        [run.id],
      );
      expect(tasks.map((t) => t.slug)).toEqual(["store", "pages", "api"]);
      expect(tasks[0]?.attempts).toBe(2);
      for (const task of tasks) expect([1, 2]).toContain(task.attempts);
      expect(fake.requests.filter(store)).toHaveLength(2);
      // Every event once, in an unbroken sequence: nothing lost or repeated across the kill.
      const listed = (await (
        await client.fetch(`${runPath}/events?limit=1000`)
      ).json()) as Envelope<{ id: string; eventType: string; taskId: string | null }[]>;
      const events = listed.data;
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      const { rows: seqs } = await db.query<{ seq: string }>(
        "select seq from events where stream = $1 order by seq",
        [`run:${run.id}`],
      );
      expect(seqs.map((r) => Number(r.seq))).toEqual(events.map((_, i) => i + 1));
      for (const type of ["TASK_STARTED", "TASK_COMPLETED"]) {
        const byTask = events.filter((e) => e.eventType === type).map((e) => e.taskId);
        expect(byTask, JSON.stringify(events.map((e) => [e.eventType, e.taskId]))).toHaveLength(3);
        expect(new Set(byTask).size).toBe(3);
      }
      expect(events.filter((e) => e.eventType === "RUN_SUCCEEDED")).toHaveLength(1);
      expect(events.at(-1)?.eventType).toBe("RUN_SUCCEEDED");
      // Each task's commit was made once: its branch is one commit on the run's base.
      const repo = path.join(kiln.dataDir, "repos", `${projectId}.git`);
      for (const branch of ["feat/task-001-store", "feat/task-002-pages", "feat/task-003-api"]) {
        const count = execFileSync(
          "git",
          ["--git-dir", repo, "rev-list", "--count", `${run.baseCommit}..${branch}`],
          { encoding: "utf8" },
        ).trim();
        expect(count, branch).toBe("1");
      }
    } finally {
      await db.end();
    }
  });
});
