import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { openPostgres } from "@/lib/db/postgres";
import type { Database } from "@/lib/db/types";
import {
  cancel,
  claim,
  complete,
  enqueue,
  fail,
  getJob,
  reclaimExpired,
  renewLease,
  runStep,
} from "@/lib/queue/queue";
import { PermanentJobError, startWorkers } from "@/lib/queue/workers";
import { testDatabases } from "../support/databases";
import { cleanEnv } from "../support/kiln-server";

// The job queue on both databases: claims that never hand one job to two workers, leases that
// bring a dead worker's job back, retries with backoff up to a cap, steps done once across
// attempts, and workers that give their jobs back when they stop.

describe.each(testDatabases)("the job queue on $name", ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });
  // Each test has job kinds of its own, so that nothing else claims its jobs.
  const kind = () => `test.${randomUUID()}`;
  const worker = () => `wrk_test_${randomUUID().slice(0, 8)}`;

  test("a job is claimed by one worker, completed, and claimed by no one after", async () => {
    const k = kind();
    const job = await enqueue(db, { kind: k, payload: { n: 1 } });
    expect(job).toMatchObject({ kind: k, status: "queued", attempts: 0, payload: { n: 1 } });
    const a = worker();
    const [claimed] = await claim(db, { workerId: a, kinds: [k], leaseMs: 30_000, limit: 5 });
    expect(claimed).toMatchObject({ id: job.id, status: "running", attempts: 1 });
    expect(await claim(db, { workerId: worker(), kinds: [k], leaseMs: 30_000, limit: 5 })).toEqual(
      [],
    );
    expect(await complete(db, job.id, worker())).toBe(false); // not held by that one
    expect(await complete(db, job.id, a)).toBe(true);
    expect((await getJob(db, job.id))?.status).toBe("succeeded");
  });

  test("claims made at the same instant never share a job", async () => {
    const k = kind();
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, n) => enqueue(db, { kind: k, payload: { n } })),
    ).then((jobs) => jobs.map((j) => j.id));
    const claims = await Promise.all(
      Array.from({ length: 10 }, () =>
        claim(db, { workerId: worker(), kinds: [k], leaseMs: 30_000, limit: 4 }),
      ),
    );
    const claimed = claims.flat().map((j) => j.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(30);
    expect(new Set(claimed)).toEqual(new Set(ids));
  });

  test("the same dedupe key queues one job", async () => {
    const k = kind();
    const [a, b] = await Promise.all([
      enqueue(db, { kind: k, dedupeKey: "run_1:decompose" }),
      enqueue(db, { kind: k, dedupeKey: "run_1:decompose" }),
    ]);
    expect(a.id).toBe(b.id);
  });

  test("a failure is retried after a backoff, up to the cap; a permanent one is not", async () => {
    const k = kind();
    const job = await enqueue(db, { kind: k, maxAttempts: 2 });
    const a = worker();
    await claim(db, { workerId: a, kinds: [k], leaseMs: 30_000, limit: 1 });
    expect(await fail(db, job.id, a, "flaky", { retry: true })).toBe("retrying");
    const [row] = await db.query<{ status: string; wait: number }>(
      "select status, extract(epoch from run_after - now())::float as wait from jobs where id = $1",
      [job.id],
    );
    expect(row?.status).toBe("queued");
    expect(row?.wait).toBeGreaterThan(1);
    // Not due yet: nobody claims it.
    expect(await claim(db, { workerId: a, kinds: [k], leaseMs: 30_000, limit: 1 })).toEqual([]);
    await db.query("update jobs set run_after = now() where id = $1", [job.id]);
    await claim(db, { workerId: a, kinds: [k], leaseMs: 30_000, limit: 1 });
    expect(await fail(db, job.id, a, "flaky again", { retry: true })).toBe("failed");
    expect(await getJob(db, job.id)).toMatchObject({
      status: "failed",
      attempts: 2,
      lastError: "flaky again",
    });

    const once = await enqueue(db, { kind: k, maxAttempts: 5 });
    await claim(db, { workerId: a, kinds: [k], leaseMs: 30_000, limit: 1 });
    expect(await fail(db, once.id, a, "bad input", { retry: false })).toBe("failed");
  });

  test("a dead worker's job comes back when its lease runs out, and a done step is not redone", async () => {
    const k = kind();
    const job = await enqueue(db, { kind: k });
    const dead = worker();
    await claim(db, { workerId: dead, kinds: [k], leaseMs: 100, limit: 1 });
    let runs = 0;
    const first = await runStep(db, job.id, "decompose", async () => ({ tasks: ++runs }));
    expect(first).toEqual({ tasks: 1 });
    // The worker dies here: no renewal, no completion.
    await vi.waitFor(async () => expect(await reclaimExpired(db)).toBeGreaterThan(0), {
      timeout: 10_000,
    });
    expect(await getJob(db, job.id)).toMatchObject({ status: "queued", attempts: 1 });
    const alive = worker();
    const [again] = await claim(db, { workerId: alive, kinds: [k], leaseMs: 30_000, limit: 1 });
    expect(again?.attempts).toBe(2);
    expect(await runStep(db, job.id, "decompose", async () => ({ tasks: ++runs }))).toEqual({
      tasks: 1,
    });
    expect(runs).toBe(1);
    // The dead worker, back from the grave, can no longer touch it.
    expect(await renewLease(db, job.id, dead, 30_000)).toBe(false);
    expect(await complete(db, job.id, dead)).toBe(false);
    expect(await complete(db, job.id, alive)).toBe(true);
  });

  test("a lease that runs out on the last attempt fails the job", async () => {
    const k = kind();
    const job = await enqueue(db, { kind: k, maxAttempts: 1 });
    await claim(db, { workerId: worker(), kinds: [k], leaseMs: 50, limit: 1 });
    await vi.waitFor(async () => expect(await reclaimExpired(db)).toBeGreaterThan(0), {
      timeout: 10_000,
    });
    expect((await getJob(db, job.id))?.status).toBe("failed");
  });

  test("workers run jobs to the end, retry failures, stop a cancelled job, and register", async () => {
    const k = kind();
    const seen: string[] = [];
    let cancelledSawAbort = false;
    const workers = startWorkers({
      db,
      concurrency: 2,
      pollMs: 50,
      leaseMs: 300,
      handlers: {
        [k]: async (job, { signal, step }) => {
          const what = String(job.payload.what);
          if (what === "flaky" && job.attempts === 1) throw new Error("first time unlucky");
          if (what === "permanent") throw new PermanentJobError("never works");
          if (what === "long") {
            await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
            cancelledSawAbort = true;
            throw signal.reason;
          }
          await step("work", async () => seen.push(`${what}#${job.attempts}`));
        },
      },
    });
    try {
      await vi.waitFor(
        async () => {
          const [registered] = await db.query<{ pid: number }>(
            "select pid from workers where id = $1",
            [workers.id],
          );
          expect(registered?.pid).toBe(process.pid);
        },
        { timeout: 10_000 },
      );
      const ok = await enqueue(db, { kind: k, payload: { what: "ok" } });
      const flaky = await enqueue(db, { kind: k, payload: { what: "flaky" } });
      const permanent = await enqueue(db, { kind: k, payload: { what: "permanent" } });
      const long = await enqueue(db, { kind: k, payload: { what: "long" } });
      workers.wake();
      await vi.waitFor(async () => expect((await getJob(db, ok.id))?.status).toBe("succeeded"), {
        timeout: 10_000,
      });
      await vi.waitFor(
        async () => expect((await getJob(db, permanent.id))?.status).toBe("failed"),
        { timeout: 10_000 },
      );
      await vi.waitFor(async () => expect((await getJob(db, long.id))?.status).toBe("running"), {
        timeout: 10_000,
      });
      expect(await cancel(db, long.id)).toBe(true);
      await vi.waitFor(() => expect(cancelledSawAbort).toBe(true), { timeout: 10_000 });
      expect((await getJob(db, long.id))?.status).toBe("cancelled");
      // The flaky one waits out its backoff; bring it forward.
      await vi.waitFor(async () => expect((await getJob(db, flaky.id))?.status).toBe("queued"), {
        timeout: 10_000,
      });
      await db.query("update jobs set run_after = now() where id = $1", [flaky.id]);
      workers.wake();
      await vi.waitFor(async () => expect((await getJob(db, flaky.id))?.status).toBe("succeeded"), {
        timeout: 10_000,
      });
      expect(seen.sort()).toEqual(["flaky#2", "ok#1"]);
    } finally {
      await workers.stop();
    }
    expect(await db.query("select 1 from workers where id = $1", [workers.id])).toEqual([]);
  });

  test("a stopping worker gives its running job back at once, the attempt not counted", async () => {
    const k = kind();
    let started = false;
    const workers = startWorkers({
      db,
      concurrency: 1,
      pollMs: 50,
      leaseMs: 30_000,
      handlers: {
        [k]: (_job, { signal }) => {
          started = true;
          return new Promise((_, reject) =>
            signal.addEventListener("abort", () => reject(signal.reason)),
          );
        },
      },
    });
    const job = await enqueue(db, { kind: k });
    workers.wake();
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 10_000 });
    await workers.stop();
    expect(await getJob(db, job.id)).toMatchObject({ status: "queued", attempts: 0 });
  });
});

describe("npm run worker", () => {
  const start = (env: Record<string, string>) =>
    spawn(process.execPath, ["--import", "./scripts/project-paths.mjs", "scripts/worker.ts"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: cleanEnv({ KILN_SECRET: "ab".repeat(32), ...env }),
    });
  const outputOf = (child: ReturnType<typeof start>) => {
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    return () => output;
  };

  test("refuses an embedded database, saying why and what to do", async () => {
    const child = start({ DATA_DIR: mkdtempSync(path.join(tmpdir(), "kiln-worker-")) });
    const output = outputOf(child);
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(output()).toContain("Set DATABASE_URL to a Postgres database");
  });

  test.skipIf(!process.env.TEST_DATABASE_URL)(
    "with Postgres, registers as a worker and leaves on SIGTERM",
    async () => {
      const child = start({ DATABASE_URL: process.env.TEST_DATABASE_URL! });
      const output = outputOf(child);
      await vi.waitFor(() => expect(output()).toMatch(/Kiln worker (wrk_\w+) running/), {
        timeout: 30_000,
      });
      const id = /Kiln worker (wrk_\w+) running/.exec(output())![1];
      const db = await openPostgres(process.env.TEST_DATABASE_URL!);
      try {
        await vi.waitFor(
          async () =>
            expect(await db.query("select 1 from workers where id = $1", [id])).toHaveLength(1),
          { timeout: 10_000 },
        );
        child.kill("SIGTERM");
        expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
        expect(await db.query("select 1 from workers where id = $1", [id])).toEqual([]);
      } finally {
        await db.close();
      }
    },
  );
});
