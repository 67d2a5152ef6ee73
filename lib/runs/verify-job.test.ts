import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Database } from "@/lib/db/types";
import { addWorktree, branchHead, commitAll, createBareRepository, git } from "@/lib/git/git";
import { enqueue, runStep } from "@/lib/queue/queue";
import { testDatabases } from "@/tests/support/databases";
import { importWithEnv } from "@/tests/support/env";

// The hand-off to verification (run.verify) with a stand-in for lib/runs/verify.ts: what a
// passing and a failing verification do to the run, the project, its main branch and the run's
// events, and that a job taken again after the run ended adds nothing.

const current = vi.hoisted(() => ({ db: undefined as Database | undefined }));
vi.mock("@/lib/db/client", () => ({ getDb: async () => current.db }));

// A data directory of the test's own (ended runs' checkouts are removed from under it).
const dataDir = await mkdtemp(path.join(tmpdir(), "kiln-verify-data-"));
const { verifyRunJob } = await importWithEnv<typeof import("./verify-job")>(
  "@/lib/runs/verify-job",
  { DATA_DIR: dataDir },
);
// The error class as the module graph just imported knows it.
const { PermanentJobError } = await import("@/lib/queue/workers");
type VerifyRun = Parameters<typeof verifyRunJob>[0];

describe.each(testDatabases)("run.verify on $name", ({ open }) => {
  let db: Database;
  let root: string;
  beforeAll(async () => {
    db = await open();
    current.db = db;
    root = await mkdtemp(path.join(tmpdir(), "kiln-verify-job-"));
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await rm(root, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A user, a project in building with one run at verifying, and the run's merged branch. */
  async function verifyingRun(label: string) {
    // Unique per test run: the Postgres database outlives it.
    const name = `${label}${Math.random().toString(36).slice(2, 10)}`;
    const [user] = await db.query<{ id: string }>(
      "insert into users (email, active_runs) values ($1, 1) returning id",
      [`${name}@example.test`],
    );
    const userId = user!.id;
    const repo = path.join(root, `${name}.git`);
    const { commit: base } = await createBareRepository(repo, { "README.md": "# App\n" }, "Start");
    const dir = path.join(root, `${name}-run-001`);
    await addWorktree(repo, dir, "run/001", base);
    await writeFile(path.join(dir, "app.js"), "export const app = 1;\n");
    const merged = await commitAll(dir, "Merge feat/task-001-app");
    const projectId = `proj_${name}`;
    const runId = `run_${name}`;
    await db.query(
      "insert into projects (id, user_id, name, status, repo_path) values ($1, $2, $3, 'building', $4)",
      [projectId, userId, name, repo],
    );
    await db.query(
      `insert into runs (id, project_id, user_id, run_number, status, spec_version, spec_snapshot,
                         base_commit, result_commit)
       values ($1, $2, $3, 1, 'verifying', 1, $4, $5, $6)`,
      [
        runId,
        projectId,
        userId,
        JSON.stringify({
          version: 1,
          documents: {},
          requirements: [{ id: "FR-1", title: "App" }],
          acceptance: [{ id: "AC-1", text: "Given an app, when it runs, then it works." }],
        }),
        base,
        merged!.commit,
      ],
    );
    await db.query(
      `insert into run_tasks (id, run_id, user_id, sequence, slug, status, definition, branch_name,
                              result)
       values ($1, $2, $3, 1, 'app', 'succeeded', $4, 'feat/task-001-app', $5)`,
      [
        `task_${name}001`,
        runId,
        userId,
        JSON.stringify({ slug: "app", requirements: ["FR-1"] }),
        JSON.stringify({ filesCreated: ["app.js"], filesModified: [], commitSha: merged!.commit }),
      ],
    );
    const job = await enqueue(db, {
      kind: "run.verify",
      userId,
      payload: { runId, worktreePath: dir },
    });
    const take = (verify: VerifyRun) =>
      verifyRunJob(verify)(job, {
        signal: new AbortController().signal,
        step: (step, work) => runStep(db, job.id, step, work),
      });
    return { userId, repo, base, result: merged!.commit, runId, projectId, dir, take };
  }

  const stateOf = async (run: { runId: string; projectId: string; userId: string }) => {
    const [row] = await db.query<{
      status: string;
      error: string | null;
      verification_result: unknown;
      project_status: string;
      active_runs: number;
    }>(
      `select r.status, r.error, r.verification_result, p.status as project_status, u.active_runs
         from runs r join projects p on p.id = r.project_id join users u on u.id = r.user_id
        where r.id = $1`,
      [run.runId],
    );
    const events = await db.query<{ type: string; payload: Record<string, unknown> }>(
      "select type, payload from events where stream = $1 order by seq",
      [`run:${run.runId}`],
    );
    return { ...row, events };
  };

  const verifier =
    (passed: boolean, seen: Parameters<VerifyRun>[0][] = []): VerifyRun =>
    async (options) => {
      seen.push(options);
      await options.emit({ type: "VERIFY_STARTED", payload: {} });
      await options.emit({ type: "VERIFY_OUTPUT", payload: { line: "npm test" } });
      await options.emit({ type: "VERIFY_OUTPUT", payload: { line: "1 passing" } });
      await options.emit({ type: "VERIFY_COMPLETED", payload: { passed } });
      return { passed, commands: [] };
    };

  test("a pass moves main to the run's result; the run succeeds and the project is built", async () => {
    const run = await verifyingRun("passes");
    const seen: Parameters<VerifyRun>[0][] = [];
    await run.take(verifier(true, seen));

    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      dir: run.dir,
      userId: run.userId,
      acceptance: [{ id: "AC-1", text: "Given an app, when it runs, then it works." }],
      tasks: [{ slug: "app", requirements: ["FR-1"], files: ["app.js"] }],
    });
    expect(await branchHead(run.repo, "main")).toBe(run.result);
    const state = await stateOf(run);
    expect(state).toMatchObject({
      status: "succeeded",
      error: null,
      verification_result: { passed: true, commands: [] },
      project_status: "built",
      active_runs: 0,
    });
    expect(state.events.map((e) => e.type)).toEqual([
      "VERIFY_STARTED",
      "VERIFY_OUTPUT",
      "VERIFY_OUTPUT",
      "VERIFY_COMPLETED",
      "RUN_SUCCEEDED",
    ]);
    expect(state.events.at(-1)?.payload).toEqual({ status: "succeeded" });

    // Taken again (its worker died before recording it): the ended run is left alone.
    await run.take(verifier(true, seen));
    expect(seen).toHaveLength(1);
    expect((await stateOf(run)).events).toHaveLength(5);
  });

  test("a failure fails the run and the project, and main stays where it was", async () => {
    const run = await verifyingRun("fails");
    await expect(run.take(verifier(false))).rejects.toBeInstanceOf(PermanentJobError);
    expect(await branchHead(run.repo, "main")).toBe(run.base);
    const state = await stateOf(run);
    expect(state).toMatchObject({
      status: "failed",
      error: "Verification failed: the app did not pass its checks",
      verification_result: { passed: false },
      project_status: "failed",
      active_runs: 0,
    });
    expect(state.events.filter((e) => e.type.startsWith("RUN_"))).toEqual([
      {
        type: "RUN_FAILED",
        payload: {
          status: "failed",
          error: "Verification failed: the app did not pass its checks",
        },
      },
    ]);
  });

  test("a main that moved while the run built is not overwritten: the run fails", async () => {
    const run = await verifyingRun("moved");
    const other = path.join(root, `${run.runId}-elsewhere`);
    await addWorktree(run.repo, other, "elsewhere", run.base);
    await writeFile(path.join(other, "other.js"), "1;\n");
    const elsewhere = await commitAll(other, "Someone else's work");
    await git(["update-ref", "refs/heads/main", elsewhere!.commit], { gitDir: run.repo });

    await expect(run.take(verifier(true))).rejects.toBeInstanceOf(PermanentJobError);
    expect(await branchHead(run.repo, "main")).toBe(elsewhere!.commit);
    expect(await stateOf(run)).toMatchObject({
      status: "failed",
      error: "The project's main moved while the run was building; nothing was merged into it",
      project_status: "failed",
    });
  });
});
