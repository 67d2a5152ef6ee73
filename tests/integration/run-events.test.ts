import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { openPostgres } from "@/lib/db/postgres";
import type { Database } from "@/lib/db/types";
import { appendEvent, followerCount } from "@/lib/events/events";
import { eventStream } from "@/lib/http/sse";
import { openRunEventStream } from "@/lib/runs/run-events";
import { TestClient } from "../support/client";
import { testDatabases } from "../support/databases";
import type { FakeOpenAI } from "../support/fake-openai";
import type { KilnServer } from "../support/kiln-server";
import { startBuildServers } from "./build-servers";

// A run's events over /api/v1: the list with its filters, and the SSE stream — the frames byte
// for byte, replay then live, the end after the run's final event, resuming from Last-Event-ID
// or `after` (a sequence number or a timestamp) without a gap or a repeat, tenancy, API keys
// and bad input. The events are the real ones of a run the fake model builds. On Postgres, an
// event appended by this test process reaches a stream the Kiln process serves (NOTIFY); in
// process, on both databases, a stream's follower is gone once the run ends or the client leaves.

type Json = Record<string, unknown>;
interface Envelope<T> {
  success: boolean;
  data: T;
  error: { code: string; message: string };
}
interface RunEvent {
  id: string;
  seq: number;
  runId: string;
  taskId: string | null;
  eventType: string;
  payload: Json;
  createdAt: string;
}
interface Frame {
  id?: string;
  event?: string;
  data?: Json;
}

const backends = [
  { name: "pglite", databaseUrl: undefined as string | undefined },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres", databaseUrl: process.env.TEST_DATABASE_URL }]
    : []),
];

/** Every frame of an SSE response until it ends, with the raw text. */
async function readStream(response: Response): Promise<{ frames: Frame[]; text: string }> {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const text = await response.text();
  const frames = text
    .split("\n\n")
    .filter((block) => block.trim() && !block.startsWith(":"))
    .map((block) => {
      const frame: Frame = {};
      for (const line of block.split("\n")) {
        const [field, ...rest] = line.split(": ");
        const value = rest.join(": ");
        if (field === "id") frame.id = value;
        if (field === "event") frame.event = value;
        if (field === "data") frame.data = JSON.parse(value) as Json;
      }
      return frame;
    });
  return { frames, text };
}

/** Reads an SSE body a block at a time: a frame or a comment, each with its blank line. */
function blocks(body: ReadableStream<Uint8Array> | null) {
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const next = async (): Promise<string | undefined> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 2);
        return block;
      }
      const { value, done } = await reader.read();
      if (done) return buffer ? buffer : undefined;
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return {
    next,
    /** The next event frame, past any heartbeat comments; undefined once the stream ended. */
    async frame(): Promise<string | undefined> {
      for (;;) {
        const block = await next();
        if (block === undefined || !block.startsWith(":")) return block;
      }
    },
    cancel: () => reader.cancel(),
  };
}

const frameOf = (
  event: {
    id: string;
    seq: number;
    type: string;
    taskId: string | null;
    payload: Json;
    createdAt: string;
  },
  runId: string,
) =>
  `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({
    ...event.payload,
    id: event.id,
    seq: event.seq,
    runId,
    taskId: event.taskId,
    eventType: event.type,
    createdAt: event.createdAt,
  })}\n\n`;

describe.each(testDatabases)("a run's event stream in process on $name", ({ open }) => {
  let db: Database;
  let userId: string;
  let projectId: string;
  beforeAll(async () => {
    db = await open();
    const [user] = await db.query<{ id: string }>(
      "insert into users (email) values ($1) returning id",
      [`${randomUUID()}@example.com`],
    );
    userId = (user as { id: string }).id;
    projectId = `prj_${randomUUID().replaceAll("-", "")}`;
    await db.query(
      "insert into projects (id, user_id, name, status, repo_path) values ($1, $2, 'Stream', 'building', '/nonexistent')",
      [projectId, userId],
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  let runNumber = 0;
  const activeRun = async () => {
    const runId = `run_${randomUUID().replaceAll("-", "")}`;
    await db.query(
      "insert into runs (id, project_id, user_id, run_number, status, spec_version) values ($1, $2, $3, $4, 'executing', 1)",
      [runId, projectId, userId, ++runNumber],
    );
    return runId;
  };
  const open_ = async (runId: string, after: number, signal?: AbortSignal) => {
    const produce = await openRunEventStream({
      userId,
      projectId,
      runId,
      after,
      db,
      checkEveryMs: 60_000,
    });
    const request = new Request("http://kiln.test/events/stream", { signal });
    return blocks(eventStream(request, produce, { surface: "v1", heartbeatMs: 20 }).body);
  };

  test("replay, heartbeats while quiet, live events, then the end after the final event", async () => {
    const runId = await activeRun();
    const stream = `run:${runId}`;
    await appendEvent(db, { stream, type: "RUN_STARTED" });
    const second = await appendEvent(db, {
      stream,
      type: "TASK_STARTED",
      taskId: "task_1",
      payload: { slug: "ui-shell" },
    });
    const client = await open_(runId, 1);
    expect(await client.next()).toBe(": stream open\n\n");
    expect(await client.next()).toBe(frameOf(second, runId));
    expect(followerCount(stream)).toBe(1);
    // Nothing to send: a heartbeat comes next.
    expect(await client.next()).toBe(": keep-alive\n\n");
    const live = await appendEvent(db, {
      stream,
      type: "FILE_CREATED",
      taskId: "task_1",
      payload: { path: "src/app/layout.tsx" },
    });
    expect(await client.frame()).toBe(frameOf(live, runId));
    const final = await appendEvent(db, { stream, type: "RUN_SUCCEEDED" });
    await appendEvent(db, { stream, type: "AFTER_THE_END" });
    expect(await client.frame()).toBe(frameOf(final, runId));
    expect(await client.frame()).toBeUndefined();
    expect(followerCount(stream)).toBe(0);
  });

  test("a client that goes away stops its follower", async () => {
    const runId = await activeRun();
    const stream = `run:${runId}`;
    const leaving = new AbortController();
    const aborted = await open_(runId, 0, leaving.signal);
    const cancelled = await open_(runId, 0);
    expect(await aborted.next()).toBe(": stream open\n\n");
    expect(await cancelled.next()).toBe(": stream open\n\n");
    const first = await appendEvent(db, { stream, type: "RUN_STARTED" });
    expect(await aborted.frame()).toBe(frameOf(first, runId));
    expect(await cancelled.frame()).toBe(frameOf(first, runId));
    expect(followerCount(stream)).toBe(2);
    leaving.abort();
    await vi.waitFor(() => expect(followerCount(stream)).toBe(1));
    await cancelled.cancel();
    await vi.waitFor(() => expect(followerCount(stream)).toBe(0));
    // Appends after they left wake no one.
    await appendEvent(db, { stream, type: "TASK_QUEUED" });
    expect(followerCount(stream)).toBe(0);
  });
});

describe.each(backends)("run events on $name", (backend) => {
  let fake: FakeOpenAI;
  let kiln: KilnServer;
  let owner: TestClient;
  let stranger: TestClient;
  let base: string;
  let projectId: string;
  let runId: string;
  let databaseUrl: string | undefined;
  let all: RunEvent[];
  beforeAll(async () => {
    ({ databaseUrl, fake, kiln } = await startBuildServers({
      sharedDatabaseUrl: backend.databaseUrl,
      suffix: "run_events_suite",
      env: { KILN_WORKERS: "2", KILN_SSE_HEARTBEAT_MS: "200" },
    }));
    owner = new TestClient(kiln.url);
    await owner.signUp();
    stranger = new TestClient(kiln.url);
    await stranger.signUp();

    // An approved project, then a run followed live from its first event.
    const post = (path: string, json: unknown = {}) => owner.fetch(path, { method: "POST", json });
    const project = (await (
      await post("/api/v1/projects", { name: "Events Board", description: "A kanban board" })
    ).json()) as Envelope<{ id: string }>;
    projectId = project.data.id;
    await post(`/api/v1/projects/${projectId}/clarify`);
    await post(`/api/v1/projects/${projectId}/answers`, { answers: [] });
    await post(`/api/v1/projects/${projectId}/approve`);
    const run = (await (await post(`/api/v1/projects/${projectId}/runs`)).json()) as Envelope<{
      id: string;
    }>;
    runId = run.data.id;
    base = `/api/v1/projects/${projectId}/runs/${runId}`;
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  const list = async (query = "", client = owner) => {
    const response = await client.fetch(`${base}/events${query}`);
    return { status: response.status, body: (await response.json()) as Envelope<RunEvent[]> };
  };

  test("followed live from the start, the stream ends after the run's final event", async () => {
    const live = owner.fetch(`${base}/events/stream`, { headers: { accept: "text/event-stream" } });
    // Once the run has built its tasks it waits in verification or has ended: cancel it then,
    // so it ends either way.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const run = (await (await owner.fetch(base)).json()) as Envelope<{ status: string }>;
      if (!["decomposing", "executing", "merging"].includes(run.data.status)) break;
      if (Date.now() > deadline) throw new Error(`the run is stuck\n${kiln.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await owner.fetch(`${base}/cancel`, { method: "POST", json: {} });
    const { frames, text } = await readStream(await live);

    const stored = (await list("?limit=1000")).body.data;
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    // The final event is the run's last: a step still reporting when the run ended adds nothing.
    const end = stored.findIndex((e) =>
      ["RUN_SUCCEEDED", "RUN_FAILED", "RUN_CANCELLED"].includes(e.eventType),
    );
    expect(end).toBeGreaterThan(5);
    expect(end).toBe(stored.length - 1);
    all = stored;
    // The stream carried exactly the stored events, in order, and nothing after the final one.
    expect(frames.map((f) => [f.id, f.event])).toEqual(
      all.map((e) => [String(e.seq), e.eventType]),
    );
    const first = all[0] as RunEvent;
    expect(first.eventType).toBe("RUN_STARTED");
    expect(text.startsWith(": stream open\n\n")).toBe(true);
    expect(text).toContain(
      `id: 1\nevent: RUN_STARTED\ndata: ${JSON.stringify({
        ...first.payload,
        id: first.id,
        seq: 1,
        runId: first.runId,
        taskId: null,
        eventType: "RUN_STARTED",
        createdAt: first.createdAt,
      })}\n\n`,
    );
    const started = frames.find((f) => f.event === "TASK_STARTED");
    expect(started?.data).toMatchObject({
      taskId: expect.stringMatching(/^task_/),
      slug: expect.any(String),
    });
  });

  test("resuming from Last-Event-ID, ?after= a sequence number or a timestamp: no gap, no repeat", async () => {
    const middle = Math.floor(all.length / 2);
    const expected = all.slice(middle).map((e) => String(e.seq));
    const byHeader = await readStream(
      await owner.fetch(`${base}/events/stream?after=1`, {
        headers: { "last-event-id": String(middle) },
      }),
    );
    expect(byHeader.frames.map((f) => f.id)).toEqual(expected);
    const byQuery = await readStream(await owner.fetch(`${base}/events/stream?after=${middle}`));
    expect(byQuery.frames.map((f) => f.id)).toEqual(expected);
    const byTime = await list(
      `?after=${encodeURIComponent((all[middle - 1] as RunEvent).createdAt)}&limit=1000`,
    );
    // Events written in the same millisecond share a timestamp: after one means after all of them.
    const later = all.filter((e) => e.createdAt > (all[middle - 1] as RunEvent).createdAt);
    expect(byTime.body.data.filter((e) => e.seq <= all.length).map((e) => e.seq)).toEqual(
      later.map((e) => e.seq),
    );
    const past = await readStream(await owner.fetch(`${base}/events/stream?after=${all.length}`));
    expect(past.frames.filter((f) => f.event?.startsWith("RUN_"))).toEqual([]);
  });

  test("the list's filters: type, taskId, limit, after", async () => {
    const started = await list("?type=TASK_STARTED");
    expect(started.status).toBe(200);
    expect(started.body.data.length).toBeGreaterThan(0);
    expect(new Set(started.body.data.map((e) => e.eventType))).toEqual(new Set(["TASK_STARTED"]));
    const taskId = started.body.data[0]?.taskId as string;
    const ofTask = await list(`?taskId=${taskId}&limit=1000`);
    expect(ofTask.body.data.every((e) => e.taskId === taskId)).toBe(true);
    expect(ofTask.body.data.map((e) => e.eventType)).toContain("TASK_COMPLETED");
    expect((await list("?limit=2")).body.data.map((e) => e.seq)).toEqual([1, 2]);
    expect((await list("?after=3&limit=2")).body.data.map((e) => e.seq)).toEqual([4, 5]);
  });

  test("tenancy, API keys and bad input", async () => {
    expect((await list("", stranger)).status).toBe(404);
    const foreign = await stranger.fetch(`${base}/events/stream`);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as Envelope<unknown>).error.code).toBe("NOT_FOUND");
    expect((await new TestClient(kiln.url).fetch(`${base}/events`)).status).toBe(401);

    const { key } = await owner.createApiKey();
    const script = new TestClient(kiln.url, { authorization: `Bearer ${key}` });
    const viaKey = await readStream(
      await script.fetch(`${base}/events/stream`, { headers: { cookie: "" } }),
    );
    expect(viaKey.frames).toHaveLength(all.length);

    for (const query of [
      "?after=-1",
      "?after=abc",
      "?limit=0",
      "?limit=1001",
      "?type=task_started",
      "?taskId=x",
      "?after=%E0%A4%A",
      "?after=1%00",
      "?unknown=1",
    ]) {
      const answer = await list(query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe("VALIDATION_ERROR");
    }
    for (const header of ["abc", "-1", "1.5", "9".repeat(20)]) {
      const answer = await owner.fetch(`${base}/events/stream`, {
        headers: { "last-event-id": header },
      });
      expect(answer.status, header).toBe(400);
    }
    const runPath = base.replace(/run_[a-z0-9]+$/, "");
    for (const bad of ["run_%00x", "run_%E0%A4%A", "not-a-run"]) {
      const answer = await owner.fetch(`${runPath}${bad}/events/stream`);
      expect([400, 404], bad).toContain(answer.status);
    }
    expect(kiln.output()).not.toContain('"level":"error"');
  });

  test.runIf(backend.name === "postgres")(
    "an event appended by another process reaches the stream live, between heartbeats",
    async () => {
      const db = await openPostgres(databaseUrl as string);
      try {
        // A run of the same project still executing, with no job behind it: only this test
        // process writes its events.
        const otherRun = `run_${randomUUID().replaceAll("-", "")}`;
        await db.query(
          `insert into runs (id, project_id, user_id, run_number, status, spec_version)
           select $1, project_id, user_id, run_number + 1000, 'executing', spec_version
           from runs where id = $2`,
          [otherRun, runId],
        );
        const stream = `run:${otherRun}`;
        const response = await owner.fetch(
          `/api/v1/projects/${projectId}/runs/${otherRun}/events/stream`,
        );
        expect(response.status).toBe(200);
        const client = blocks(response.body);
        expect(await client.next()).toBe(": stream open\n\n");
        // KILN_SSE_HEARTBEAT_MS: a quiet stream sends a comment.
        expect(await client.next()).toBe(": keep-alive\n\n");
        const first = await appendEvent(db, { stream, type: "RUN_STARTED" });
        expect(await client.frame()).toBe(frameOf(first, otherRun));
        // The Kiln process has read everything: this one can only reach it through NOTIFY.
        const second = await appendEvent(db, {
          stream,
          type: "TASK_STARTED",
          taskId: "task_x",
          payload: { slug: "ui-shell" },
        });
        expect(await client.frame()).toBe(frameOf(second, otherRun));
        const final = await appendEvent(db, { stream, type: "RUN_CANCELLED" });
        expect(await client.frame()).toBe(frameOf(final, otherRun));
        expect(await client.frame()).toBeUndefined();
      } finally {
        await db.close();
      }
    },
  );
});
