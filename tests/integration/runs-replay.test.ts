import { execFileSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestClient } from "../support/client";
import type { FakeOpenAI, RecordedOpenAIRequest } from "../support/fake-openai";
import { isPlanPrompt, isTaskPrompt, runReply } from "../support/fake-run-replies";
import { specReply } from "../support/fake-spec-replies";
import type { KilnServer } from "../support/kiln-server";
import { startBuildServers } from "./build-servers";
import { runSteps } from "./run-steps";

// Replaying a run from its recorded model calls, over /api/v1 against the fake model server: a
// run that succeeded (after a rejected plan and a task whose first call failed) replayed while
// the model server answers only errors builds the same tasks, files and trees with no request
// to it and no tokens; a run still going is 409; another user's run is 404; a prompt that
// differs fails the replay naming the step, or asks the model when the body allows it; on
// Postgres, an answer altered in the database fails the replay naming the step.

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
  specSnapshot: Json | null;
  baseCommit: string | null;
  resultCommit: string | null;
  tokensUsed: number;
  replayOf: string | null;
}
interface Task {
  slug: string;
  status: string;
  branchName: string;
  error: string | null;
  result: { filesCreated: string[]; filesModified: string[]; commitSha: string } | null;
}

const backends = [
  { name: "pglite", databaseUrl: undefined as string | undefined },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres", databaseUrl: process.env.TEST_DATABASE_URL }]
    : []),
];
const finished = ["succeeded", "failed", "cancelled"];
const about = (name: string) => (r: RecordedOpenAIRequest) => r.prompt.includes(name);
const answered = (r: RecordedOpenAIRequest) =>
  specReply(r.prompt) ?? runReply(r.prompt) ?? { text: "not a known step" };

describe.each(backends)("run replay on $name", (backend) => {
  let databaseUrl: string | undefined;
  let fake: FakeOpenAI;
  let kiln: KilnServer;
  beforeAll(async () => {
    ({ databaseUrl, fake, kiln } = await startBuildServers({
      sharedDatabaseUrl: backend.databaseUrl,
      suffix: "runs_replay_suite",
      env: { KILN_WORKERS: "3" },
    }));
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  const { signedUp, call, approvedProject } = runSteps(() => kiln);
  /** Polls the run until it has ended (or `done` holds), then returns it. */
  async function settled(client: TestClient, runPath: string, done?: (run: Run) => boolean) {
    const deadline = Date.now() + 80_000;
    for (;;) {
      const { status, body } = await call<Run>(client, "GET", runPath);
      expect(status).toBe(200);
      if (finished.includes(body.data.status) || done?.(body.data)) return body.data;
      if (Date.now() > deadline) throw new Error(`the run is stuck: ${kiln.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  async function builtRun(client: TestClient, name: string) {
    const projectId = await approvedProject(client, name);
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(client, "POST", base);
    expect(started.status).toBe(201);
    const run = await settled(client, `${base}/${started.body.data.id}`);
    expect(run.status, run.error ?? "").toBe("succeeded");
    return { projectId, base, run };
  }
  const replay = (client: TestClient, base: string, runId: string, body?: unknown) =>
    call<Run & { createdAt: string }>(client, "POST", `${base}/${runId}/replay`, body);
  const tasksOf = async (client: TestClient, base: string, runId: string) =>
    (await call<Task[]>(client, "GET", `${base}/${runId}/tasks`)).body.data;
  const git = (projectId: string, ...args: string[]) =>
    execFileSync(
      "git",
      ["--git-dir", path.join(kiln.dataDir, "repos", `${projectId}.git`), ...args],
      { encoding: "utf8" },
    ).trim();
  const treeOf = (projectId: string, commit: string) =>
    git(projectId, "rev-parse", `${commit}^{tree}`);
  async function eventTypes(client: TestClient, base: string, runId: string) {
    const listed = await call<{ eventType: string }[]>(
      client,
      "GET",
      `${base}/${runId}/events?limit=1000`,
    );
    return listed.body.data.map((e) => e.eventType);
  }

  test("a replay with the model server failing every request builds the same tasks, files and trees, with no tokens", {
    timeout: 180_000,
  }, async () => {
    const client = await signedUp();
    const name = "Replayed Board";
    // The first plan is not JSON (it goes back to the model), and the pages task's first call
    // fails (its job is retried): the replay must follow the same attempts.
    fake.script(
      { when: (r) => about(name)(r) && isPlanPrompt(r.prompt), text: "I would rather not plan" },
      {
        when: (r) => about(name)(r) && isTaskPrompt(r.prompt) && r.prompt.includes("task: pages"),
        error: { status: 400, message: "Not today" },
      },
    );
    const { projectId, base, run } = await builtRun(client, name);
    const original = await tasksOf(client, base, run.id);
    expect(original.map((t) => t.slug)).toEqual(["store", "pages", "api"]);
    expect((await eventTypes(client, base, run.id)).filter((t) => t === "PLAN_REJECTED")).toEqual([
      "PLAN_REJECTED",
    ]);

    // From here on the model server answers nothing but errors.
    fake.setDefault({ error: { status: 500, message: "the model is down" } });
    const requestsBefore = fake.requests.length;
    try {
      const replayed = await replay(client, base, run.id);
      expect(replayed.status).toBe(201);
      expect(replayed.body.data).toEqual({
        id: expect.stringMatching(/^run_[a-z0-9]+$/),
        projectId,
        runNumber: 2,
        status: "decomposing",
        trigger: "replay",
        createdAt: expect.any(String),
        replayOf: run.id,
      });
      const again = await settled(client, `${base}/${replayed.body.data.id}`);
      expect(again.status, again.error ?? "").toBe("succeeded");
      expect(fake.requests.length).toBe(requestsBefore);
      expect(again.tokensUsed).toBe(0);
      expect(run.tokensUsed).toBeGreaterThan(0);
      expect(again.replayOf).toBe(run.id);
      expect(again.specSnapshot).toEqual(run.specSnapshot);
      expect(again.baseCommit).toBe(run.baseCommit);
      expect(again.tasksJson).toEqual(run.tasksJson);

      // Same tasks, same files, the same tree at every task's commit and at the merged result.
      const replayedTasks = await tasksOf(client, base, again.id);
      expect(replayedTasks.map((t) => [t.slug, t.status, t.branchName])).toEqual(
        original.map((t) => [t.slug, "succeeded", t.branchName]),
      );
      for (const [i, task] of original.entries()) {
        const twin = replayedTasks[i]!;
        expect(twin.result?.filesCreated).toEqual(task.result?.filesCreated);
        expect(twin.result?.filesModified).toEqual(task.result?.filesModified);
        expect(treeOf(projectId, twin.result!.commitSha)).toBe(
          treeOf(projectId, task.result!.commitSha),
        );
      }
      expect(treeOf(projectId, again.resultCommit!)).toBe(treeOf(projectId, run.resultCommit!));
      // The rejected plan was rejected again, from its record.
      const types = await eventTypes(client, base, again.id);
      expect(types.filter((t) => t === "PLAN_REJECTED")).toEqual(["PLAN_REJECTED"]);
      expect(types.at(-1)).toBe("RUN_SUCCEEDED");
      // A replay never moves main: it is still the original run's result.
      expect(git(projectId, "rev-parse", "main")).toBe(run.resultCommit);

      // A replay is itself recorded, so it can be replayed in turn.
      const third = await replay(client, base, again.id);
      expect(third.status).toBe(201);
      const thirdRun = await settled(client, `${base}/${third.body.data.id}`);
      expect(thirdRun.status, thirdRun.error ?? "").toBe("succeeded");
      expect(treeOf(projectId, thirdRun.resultCommit!)).toBe(treeOf(projectId, run.resultCommit!));
      expect(fake.requests.length).toBe(requestsBefore);
    } finally {
      fake.setDefault(answered);
    }
  });

  test("only a run that has ended, with answers, is replayed (409), another user's run is 404, the body is checked", {
    timeout: 120_000,
  }, async () => {
    const alice = await signedUp();
    const name = "Held Replay Board";
    const projectId = await approvedProject(alice, name);
    // The store task's call never gets an answer, so the run stays in flight.
    const store = (r: RecordedOpenAIRequest) =>
      about(name)(r) && isTaskPrompt(r.prompt) && r.prompt.includes("task: store");
    fake.script({ when: store, hang: true });
    const base = `/api/v1/projects/${projectId}/runs`;
    const started = await call<Run>(alice, "POST", base);
    const runPath = `${base}/${started.body.data.id}`;
    // The pages task (independent of store) is done, so store alone has no recorded answer.
    await settled(alice, runPath, (r) =>
      r.tasks.some((t) => t.slug === "pages" && t.status === "succeeded"),
    );
    while (fake.requests.filter(store).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const early = await replay(alice, base, started.body.data.id);
    expect(early.status).toBe(409);
    expect(early.body).toEqual({
      success: false,
      error: {
        code: "CONFLICT",
        message: "Run 1 is executing: only a run that has ended can be replayed",
        details: { status: "executing" },
      },
    });

    // To Bob, Alice's run does not exist, ended or not.
    const bob = await signedUp();
    const foreign = await replay(bob, base, started.body.data.id);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("NOT_FOUND");

    for (const [body, field] of [
      [{ onMissingAnswer: "guess" }, "onMissingAnswer"],
      [{ surprise: true }, "surprise"],
    ] as const) {
      const response = await replay(alice, base, started.body.data.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
      expect(response.body.error.message).toContain(field);
    }

    // Cancelled, it can be replayed; the store task never had an answer, so the replay stops
    // there and says so.
    expect((await call(alice, "POST", `${runPath}/cancel`)).status).toBe(200);
    const foreignEnded = await replay(bob, base, started.body.data.id);
    expect(foreignEnded.status).toBe(404);
    const requestsBefore = fake.requests.filter(about(name)).length;
    const replayed = await replay(alice, base, started.body.data.id);
    expect(replayed.status).toBe(201);
    const failed = await settled(alice, `${base}/${replayed.body.data.id}`);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe(
      "Task store failed after 1 attempt(s): The replay stopped at task store (task, attempt 1): the run it replays has no answer recorded for this prompt, which differs from the one it sent",
    );
    const tasks = await tasksOf(alice, base, failed.id);
    expect(tasks.find((t) => t.slug === "store")).toMatchObject({ status: "failed" });
    expect(fake.requests.filter(about(name)).length).toBe(requestsBefore);

    // A run that ended before the model ever answered has nothing to replay.
    const unanswered = "Unanswered Replay Board";
    const plan = (r: RecordedOpenAIRequest) => about(unanswered)(r) && isPlanPrompt(r.prompt);
    fake.script({ when: plan, hang: true });
    const other = await approvedProject(alice, unanswered);
    const otherBase = `/api/v1/projects/${other}/runs`;
    const held = await call<Run>(alice, "POST", otherBase);
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    while (fake.requests.filter(plan).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await call(alice, "POST", `${otherBase}/${held.body.data.id}/cancel`)).status).toBe(
      200,
    );
    const nothing = await replay(alice, otherBase, held.body.data.id);
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.code).toBe("CONFLICT");
    expect(nothing.body.error.message).toContain("Run 1 has no recorded model answers to replay");
  });

  test("a prompt that differs from the recorded one fails the replay at that step, or asks the model when allowed", {
    timeout: 180_000,
  }, async () => {
    const client = await signedUp();
    const { projectId, base, run } = await builtRun(client, "Renamed Replay Board");
    // The plan's prompt names the project: renamed, it is a prompt the run never sent.
    const renamed = "Board Renamed Since";
    const patched = await call(client, "PATCH", `/api/v1/projects/${projectId}`, {
      name: renamed,
    });
    expect(patched.status).toBe(200);

    const strict = await replay(client, base, run.id, { onMissingAnswer: "fail" });
    expect(strict.status).toBe(201);
    const failed = await settled(client, `${base}/${strict.body.data.id}`);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe(
      "The replay stopped at decompose (decompose, attempt 1): the run it replays has no answer recorded for this prompt, which differs from the one it sent",
    );
    expect(failed.tasks).toEqual([]);
    expect(fake.requests.filter(about(renamed))).toEqual([]);

    // Allowed to ask, the replay sends the prompts it has no answer for to the model.
    const asking = await replay(client, base, run.id, { onMissingAnswer: "ask_model" });
    expect(asking.status).toBe(201);
    const built = await settled(client, `${base}/${asking.body.data.id}`);
    expect(built.status, built.error ?? "").toBe("succeeded");
    expect(built.tokensUsed).toBeGreaterThan(0);
    const asked = fake.requests.filter(about(renamed));
    expect(asked.filter((r) => isPlanPrompt(r.prompt))).toHaveLength(1);
    expect(asked.filter((r) => isTaskPrompt(r.prompt))).toHaveLength(3);
  });

  // Only Postgres can be reached from here while Kiln holds it.
  test.skipIf(!backend.databaseUrl)(
    "an answer altered in the database fails the replay naming the step",
    {
      timeout: 180_000,
    },
    async () => {
      const client = await signedUp();
      const { base, run } = await builtRun(client, "Tampered Board");
      const db = new pg.Client({ connectionString: databaseUrl! });
      await db.connect();
      try {
        const { rows } = await db.query<{ step: string; purpose: string; attempt: number }>(
          "select step, purpose, attempt from run_model_replies where run_id = $1 order by id",
          [run.id],
        );
        expect(rows.map((r) => r.step).sort()).toEqual([
          "decompose",
          "task:api",
          "task:pages",
          "task:store",
        ]);
        // Every answer that was recorded is the text the model sent.
        const { rows: replies } = await db.query<{ reply: string }>(
          "select reply from run_model_replies where run_id = $1 and step = 'task:pages'",
          [run.id],
        );
        const reply = JSON.parse(replies[0]!.reply) as { text: string; output: { files: Json[] } };
        expect(JSON.parse(reply.text)).toEqual(reply.output);
        reply.output.files[0] = { path: "src/pages/index.html", content: "<h1>Tampered</h1>" };
        await db.query(
          "update run_model_replies set reply = $2 where run_id = $1 and step = 'task:pages'",
          [run.id, JSON.stringify({ ...reply, text: JSON.stringify(reply.output) })],
        );
      } finally {
        await db.end();
      }
      const replayed = await replay(client, base, run.id);
      expect(replayed.status).toBe(201);
      const failed = await settled(client, `${base}/${replayed.body.data.id}`);
      expect(failed.status).toBe("failed");
      expect(failed.error).toBe(
        "Task pages failed after 1 attempt(s): The replay stopped at task pages (task, attempt 1): its recorded answer was altered after it was recorded",
      );
    },
  );
});
