import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { runReply } from "../support/fake-run-replies";
import { specReply } from "../support/fake-spec-replies";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { ownPostgresDatabase } from "../support/own-database";
import { suiteEnv } from "./global-setup";

// A run's events over /api/v1: the list with its filters, and the SSE stream — the frames byte
// for byte, replay then live, the end after the run's final event, resuming from Last-Event-ID
// or `after` (a sequence number or a timestamp) without a gap or a repeat, tenancy, API keys
// and bad input. The events are the real ones of a run the fake model builds.

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

describe.each(backends)("run events on $name", (backend) => {
  let fake: FakeOpenAI;
  let kiln: KilnServer;
  let owner: TestClient;
  let stranger: TestClient;
  let base: string;
  let all: RunEvent[];
  beforeAll(async () => {
    const databaseUrl =
      backend.databaseUrl && (await ownPostgresDatabase(backend.databaseUrl, "run_events_suite"));
    fake = await startFakeOpenAI({
      models: ["run-model"],
      defaultReply: (request) =>
        specReply(request.prompt) ?? runReply(request.prompt) ?? { text: "not a known step" },
    });
    kiln = await startKiln({
      env: { ...suiteEnv, OPENAI_BASE_URL: fake.url, DATABASE_URL: databaseUrl, KILN_WORKERS: "2" },
    });
    owner = new TestClient(kiln.url);
    await owner.signUp();
    stranger = new TestClient(kiln.url);
    await stranger.signUp();

    // An approved project, then a run followed live from its first event.
    const post = (path: string, json: unknown = {}) => owner.fetch(path, { method: "POST", json });
    const project = (await (
      await post("/api/v1/projects", { name: "Events Board", description: "A kanban board" })
    ).json()) as Envelope<{ id: string }>;
    const projectId = project.data.id;
    await post(`/api/v1/projects/${projectId}/clarify`);
    await post(`/api/v1/projects/${projectId}/answers`, { answers: [] });
    await post(`/api/v1/projects/${projectId}/approve`);
    const run = (await (await post(`/api/v1/projects/${projectId}/runs`)).json()) as Envelope<{
      id: string;
    }>;
    base = `/api/v1/projects/${projectId}/runs/${run.data.id}`;
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

    all = (await list("?limit=1000")).body.data;
    expect(all.length).toBeGreaterThan(5);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(["RUN_SUCCEEDED", "RUN_FAILED", "RUN_CANCELLED"]).toContain(all.at(-1)?.eventType);
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
    expect(byTime.body.data.map((e) => e.seq)).toEqual(later.map((e) => e.seq));
    const past = await readStream(await owner.fetch(`${base}/events/stream?after=${all.length}`));
    expect(past.frames).toEqual([]);
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
});
