import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { openPostgres } from "@/lib/db/postgres";
import type { Database } from "@/lib/db/types";
import {
  appendEvent,
  appendEventIf,
  followEvents,
  listEvents,
  type StoredEvent,
} from "@/lib/events/events";
import { testDatabases } from "../support/databases";

// Event streams on both databases: one sequence per stream under concurrent writers, replay
// from any point, followers that see every event once and in order, and (on Postgres) events
// written through another connection reaching a follower through NOTIFY.

describe.each(testDatabases)("events on $name", ({ name, open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });
  const stream = () => `test:${randomUUID()}`;

  test("concurrent appends get 1..n with no gap or repeat; listing filters and pages", async () => {
    const s = stream();
    const written = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        appendEvent(db, {
          stream: s,
          type: n % 2 ? "ODD" : "EVEN",
          taskId: n < 5 ? "task_1" : null,
          payload: { n },
        }),
      ),
    );
    expect(written.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(written[0]?.id).toMatch(/^evt_/);
    const all = await listEvents(db, s);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await listEvents(db, s, { after: 35 })).map((e) => e.seq)).toEqual([
      36, 37, 38, 39, 40,
    ]);
    expect(await listEvents(db, s, { type: "ODD" })).toHaveLength(20);
    expect(await listEvents(db, s, { taskId: "task_1" })).toHaveLength(5);
    expect(await listEvents(db, s, { limit: 3 })).toHaveLength(3);
  });

  test("an event with a once-key is written once, also when it is written again at the same instant", async () => {
    const s = stream();
    const tries = await Promise.all(
      Array.from({ length: 8 }, () =>
        appendEventIf(db, { stream: s, type: "TASK_STARTED", onceKey: "job_1:started" }),
      ),
    );
    expect(tries.filter((e) => e !== undefined)).toHaveLength(1);
    expect(
      await appendEventIf(db, { stream: s, type: "TASK_STARTED", onceKey: "job_1:started" }),
    ).toBeUndefined();
    // The key is the stream's: another key, or the same key in another stream, is written.
    await appendEventIf(db, { stream: s, type: "TASK_STARTED", onceKey: "job_2:started" });
    await appendEventIf(db, { stream: stream(), type: "TASK_STARTED", onceKey: "job_1:started" });
    expect((await listEvents(db, s)).map((e) => e.seq)).toEqual([1, 2]);
  });

  test("a follower replays from its point, then gets each new event once, in order", async () => {
    const s = stream();
    for (let n = 1; n <= 5; n++) await appendEvent(db, { stream: s, type: "STEP", payload: { n } });
    const seen: StoredEvent[] = [];
    const stop = followEvents(db, s, 2, (event) => seen.push(event));
    try {
      await vi.waitFor(() => expect(seen.map((e) => e.seq)).toEqual([3, 4, 5]));
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          appendEvent(db, { stream: s, type: "STEP", payload: { n } }),
        ),
      );
      await vi.waitFor(() => expect(seen).toHaveLength(23), { timeout: 10_000 });
      expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 3));
    } finally {
      stop();
    }
    await appendEvent(db, { stream: s, type: "AFTER" });
    // A second follower sees the new event; the stopped one, woken as much, took nothing more.
    const late: StoredEvent[] = [];
    const stopLate = followEvents(db, s, 25, (event) => late.push(event));
    await vi.waitFor(() => expect(late.map((e) => e.type)).toEqual(["AFTER"]));
    stopLate();
    expect(seen).toHaveLength(23);
  });

  test.skipIf(name !== "postgres")(
    "an event written by another process reaches a follower here (NOTIFY)",
    async () => {
      const s = stream();
      const seen: number[] = [];
      const stop = followEvents(db, s, 0, (event) => seen.push(event.seq));
      // Another connection writes the row and notifies, as a worker process would; this
      // process's own wake-up is not involved.
      const other = await openPostgres(process.env.TEST_DATABASE_URL!);
      try {
        await vi.waitFor(
          async () => {
            await other.query(
              `insert into events (id, stream, seq, type) values ($1, $2, coalesce((select max(seq) from events where stream = $2), 0) + 1, 'REMOTE')`,
              [`evt_${randomUUID().slice(0, 8)}`, s],
            );
            await other.query("select pg_notify('kiln_events', $1)", [s]);
            expect(seen.length).toBeGreaterThan(0);
          },
          { timeout: 10_000, interval: 500 },
        );
        expect(seen[0]).toBe(1);
        expect(new Set(seen).size).toBe(seen.length);
      } finally {
        stop();
        await other.close();
      }
    },
  );
});
