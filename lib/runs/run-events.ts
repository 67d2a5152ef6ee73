import "server-only";
import { getDb } from "@/lib/db/client";
import type { Database } from "@/lib/db/types";
import { followEvents, listEvents, type StoredEvent } from "@/lib/events/events";
import { encodeFrame, type SseWriter, sseFrame } from "@/lib/http/sse";
import type { ListRunEventsQuery, RunEvent } from "./event-schemas";
import { finalRunEventTypes, runStream } from "./event-types";
import { getRunRowOrThrow } from "./run-rows";
import { activeRunStatuses, type RunStatus } from "./schemas";

// A run's events for its owner: a page of them, or a live stream that first replays what the
// client has not seen and then follows, and ends after the run's final event.

const toRunEvent = (runId: string, event: StoredEvent): RunEvent => ({
  id: event.id,
  seq: event.seq,
  runId,
  taskId: event.taskId,
  eventType: event.type,
  payload: event.payload,
  createdAt: event.createdAt,
});

/** The sequence number just before the first event later than `time`. */
async function seqBefore(db: Database, runId: string, time: Date): Promise<number> {
  const [row] = await db.query<{ seq: string | number | null }>(
    // Timestamps go out with milliseconds; Postgres keeps microseconds.
    "select max(seq) as seq from events where stream = $1 and date_trunc('milliseconds', created_at) <= $2",
    [runStream(runId), time.toISOString()],
  );
  return Number(row?.seq ?? 0);
}

const afterSeq = (db: Database, runId: string, after: number | Date | undefined) =>
  after instanceof Date ? seqBefore(db, runId, after) : Promise.resolve(after ?? 0);

export async function listRunEvents(options: {
  userId: string;
  projectId: string;
  runId: string;
  query: ListRunEventsQuery;
}): Promise<RunEvent[]> {
  const db = await getDb();
  const run = await getRunRowOrThrow(db, options);
  const events = await listEvents(db, runStream(run.id), {
    after: await afterSeq(db, run.id, options.query.after),
    type: options.query.type,
    taskId: options.query.taskId,
    limit: options.query.limit,
  });
  return events.map((event) => toRunEvent(run.id, event));
}

/** The SSE frame's data: the payload's fields with the event's own (seed 001's examples). */
export const streamData = (event: RunEvent) => ({
  ...event.payload,
  id: event.id,
  seq: event.seq,
  runId: event.runId,
  taskId: event.taskId,
  eventType: event.eventType,
  createdAt: event.createdAt,
});

// Every follower of a run in this process is handed the same event object: its frame is made
// and encoded once, not once per client.
const frames = new WeakMap<StoredEvent, Uint8Array>();
function frameOf(runId: string, stored: StoredEvent): Uint8Array {
  let frame = frames.get(stored);
  if (frame === undefined) {
    const event = toRunEvent(runId, stored);
    frame = encodeFrame(sseFrame(event.eventType, streamData(event), String(event.seq)));
    frames.set(stored, frame);
  }
  return frame;
}

/** Looks the run up (404 for anyone but its owner) and returns what streams its events. */
export async function openRunEventStream(options: {
  userId: string;
  projectId: string;
  runId: string;
  after: number | Date | undefined;
  /** The database to read; the process's own unless given. */
  db?: Database;
  /** How often a stream with nothing to send checks that its run has not ended silently. */
  checkEveryMs?: number;
}): Promise<(writer: SseWriter) => Promise<void>> {
  const db = options.db ?? (await getDb());
  const run = await getRunRowOrThrow(db, options);
  const after = await afterSeq(db, run.id, options.after);
  return (writer) =>
    new Promise<void>((resolve) => {
      let last = after;
      let isFinished = false;
      const finish = () => {
        if (isFinished) return;
        isFinished = true;
        stop();
        clearInterval(check);
        writer.signal.removeEventListener("abort", finish);
        resolve();
      };
      const stop = followEvents(
        db,
        runStream(run.id),
        after,
        (stored) => {
          if (isFinished) return;
          last = stored.seq;
          writer.sendFrame(frameOf(run.id, stored));
          if (finalRunEventTypes.has(stored.type)) finish();
        },
        writer.signal,
      );
      // A run that ended without a final event (from before runs had them) must not hold the
      // stream open forever: once it has ended and everything is sent, the stream ends too.
      const checkEnded = async () => {
        const [row] = await db
          .query<{ status: RunStatus }>("select status from runs where id = $1", [run.id])
          .catch(() => []);
        if (!row || activeRunStatuses.includes(row.status)) return;
        const rest = await listEvents(db, runStream(run.id), { after: last, limit: 1 }).catch(
          () => [{}],
        );
        if (rest.length === 0) finish();
      };
      const check = setInterval(checkEnded, options.checkEveryMs ?? 5000);
      void checkEnded();
      writer.signal.addEventListener("abort", finish, { once: true });
      if (writer.signal.aborted) finish();
    });
}
