import "server-only";
import { EventEmitter } from "node:events";
import type { Database } from "@/lib/db/types";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import { processSlot } from "@/lib/process-lifetime";

// Append-only event streams with a sequence number per stream. A writer appends a row; readers
// replay from a sequence number and then follow. Followers are woken, never fed: a wake-up
// (from this process, or from another over Postgres NOTIFY) makes each follower read the rows
// after the last one it has, so an event is never lost or repeated, however the wake-ups
// arrive, double or late.

export interface StoredEvent {
  id: string;
  stream: string;
  seq: number;
  type: string;
  taskId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

interface EventRow {
  id: string;
  stream: string;
  seq: string | number;
  type: string;
  task_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
}

const toEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  stream: row.stream,
  seq: Number(row.seq),
  type: row.type,
  taskId: row.task_id,
  payload: row.payload,
  createdAt: new Date(row.created_at).toISOString(),
});

const channel = "kiln_events";
const columns = "id, stream, seq, type, task_id, payload, created_at";

/** Appends an event; its sequence number is the stream's next, whoever else appends at once. */
export async function appendEvent(
  db: Database,
  event: {
    stream: string;
    type: string;
    taskId?: string | null;
    payload?: Record<string, unknown>;
  },
): Promise<StoredEvent> {
  return (await appendEventIf(db, event)) as StoredEvent;
}

/**
 * Appends the event only while `condition` (SQL, its parameters from $7) holds, checked in the
 * same statement as the insert; undefined when it did not hold. An event with a `onceKey` is
 * written at most once per stream: undefined when one with that key is already there.
 */
export async function appendEventIf(
  db: Database,
  event: {
    stream: string;
    type: string;
    taskId?: string | null;
    payload?: Record<string, unknown>;
    onceKey?: string;
  },
  condition?: { sql: string; params: unknown[] },
): Promise<StoredEvent | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const [row] = await db.query<EventRow>(
        `insert into events (id, stream, seq, type, task_id, payload, once_key)
         select $1, $2, coalesce((select max(seq) from events where stream = $2), 0) + 1, $3, $4, $5, $6
         ${condition ? `where ${condition.sql}` : ""}
         on conflict (stream, once_key) where once_key is not null do nothing
         returning ${columns}`,
        [
          prefixedId("evt"),
          event.stream,
          event.type,
          event.taskId ?? null,
          JSON.stringify(event.payload ?? {}),
          event.onceKey ?? null,
          ...(condition?.params ?? []),
        ],
      );
      if (!row) return undefined;
      const stored = toEvent(row);
      wake(stored.stream);
      if (db.kind === "postgres") {
        await db
          .query("select pg_notify($1, $2)", [channel, stored.stream])
          .catch((error) => log.warn("event notify failed", { error }));
      }
      return stored;
    } catch (error) {
      // Two writers took the same number: the later one takes the next.
      if ((error as { code?: string }).code !== "23505" || attempt >= 20) throw error;
    }
  }
}

/** A stream's events after `after`, oldest first, optionally of one type or task. */
export async function listEvents(
  db: Database,
  stream: string,
  options: { after?: number; type?: string; taskId?: string; limit?: number } = {},
): Promise<StoredEvent[]> {
  const where = ["stream = $1", "seq > $2"];
  const params: unknown[] = [stream, options.after ?? 0];
  if (options.type) {
    params.push(options.type);
    where.push(`type = $${params.length}`);
  }
  if (options.taskId) {
    params.push(options.taskId);
    where.push(`task_id = $${params.length}`);
  }
  params.push(Math.min(options.limit ?? 1000, 1000));
  const rows = await db.query<EventRow>(
    `select ${columns} from events where ${where.join(" and ")} order by seq limit $${params.length}`,
    params,
  );
  return rows.map(toEvent);
}

// ---- Following --------------------------------------------------------------------------------

const bus = processSlot("event-bus", () => {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return { emitter, listening: undefined as Promise<unknown> | undefined };
});

function wake(stream: string) {
  bus.emitter.emit(stream);
}

/** Hears other processes' appends (Postgres), once per process. */
function listenAcrossProcesses(db: Database) {
  if (db.kind !== "postgres") return;
  bus.listening ??= db
    .listen(
      channel,
      (stream) => wake(stream),
      // The connection dropped and came back: every follower reads what it may have missed.
      () => {
        for (const name of bus.emitter.eventNames()) bus.emitter.emit(name);
      },
    )
    .catch((error) => {
      bus.listening = undefined;
      log.warn("listening for events failed", { error });
    });
}

interface Follower {
  last: number;
  onEvent: (event: StoredEvent) => void;
  stopped: boolean;
}

/** A stream's followers in this process: one read per wake-up serves them all. */
interface Tail {
  followers: Set<Follower>;
  reading?: Promise<void>;
  again: boolean;
  read: () => void;
}

const tails = processSlot("event-tails", () => new Map<Database, Map<string, Tail>>());

function tailOf(db: Database, stream: string): Tail {
  const byStream = tails.get(db) ?? new Map<string, Tail>();
  tails.set(db, byStream);
  const existing = byStream.get(stream);
  if (existing) return existing;
  const tail: Tail = { followers: new Set(), again: false, read: () => {} };
  // Reading once for all followers, from the one furthest behind, keeps the cost of an event
  // flat in the number of its followers (a run's page open in many tabs, many API clients).
  tail.read = () => {
    if (tail.reading) {
      tail.again = true;
      return;
    }
    tail.reading = (async () => {
      do {
        tail.again = false;
        for (;;) {
          const active = [...tail.followers];
          if (active.length === 0) return;
          const from = Math.min(...active.map((f) => f.last));
          const batch = await listEvents(db, stream, { after: from, limit: 500 });
          for (const event of batch) {
            for (const follower of active) {
              if (follower.stopped || event.seq <= follower.last) continue;
              follower.last = event.seq;
              try {
                follower.onEvent(event);
              } catch (error) {
                log.warn("an event follower failed", { stream, error });
              }
            }
          }
          if (batch.length < 500) break;
        }
      } while (tail.again);
    })()
      .catch((error) => log.warn("reading events failed", { stream, error }))
      .finally(() => {
        tail.reading = undefined;
        // A wake-up (or a new follower) that came after the last read's check: read once more.
        if (tail.again) tail.read();
      });
  };
  byStream.set(stream, tail);
  bus.emitter.on(stream, tail.read);
  return tail;
}

/**
 * Calls `onEvent` with every event of `stream` after `after`, in order: first those already
 * stored, then each as it is appended, until the returned function is called or `signal` aborts.
 */
export function followEvents(
  db: Database,
  stream: string,
  after: number,
  onEvent: (event: StoredEvent) => void,
  signal?: AbortSignal,
): () => void {
  listenAcrossProcesses(db);
  const follower: Follower = { last: after, onEvent, stopped: false };
  const tail = tailOf(db, stream);
  tail.followers.add(follower);
  const stop = () => {
    if (follower.stopped) return;
    follower.stopped = true;
    signal?.removeEventListener("abort", stop);
    tail.followers.delete(follower);
    const byStream = tails.get(db);
    if (tail.followers.size === 0 && byStream?.get(stream) === tail) {
      bus.emitter.off(stream, tail.read);
      byStream.delete(stream);
      if (byStream.size === 0) tails.delete(db);
    }
  };
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  else tail.read();
  return stop;
}

/** How many followers this process has on `stream`: each is held until stopped. */
export function followerCount(stream: string): number {
  let count = 0;
  for (const byStream of tails.values()) count += byStream.get(stream)?.followers.size ?? 0;
  return count;
}
