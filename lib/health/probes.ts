import "server-only";
import { getDb } from "@/lib/db/client";

import { type ProbeResult, probeTimeoutMs, timed, withTimeout } from "./probe-kit";

export function probeDatabase(): Promise<ProbeResult> {
  return timed(async () => {
    const db = await withTimeout(getDb(), probeTimeoutMs * 5, "the database");
    await withTimeout(db.query("select 1"), probeTimeoutMs, "the database");
    return { status: "healthy", message: `${db.kind} answered` };
  });
}

export function probeQueue(): Promise<ProbeResult> {
  return timed(async () => {
    const db = await getDb();
    const [row] = await withTimeout(
      db.query<{ queued: number; running: number; expired: number }>(
        `select count(*) filter (where status = 'queued')::int as queued,
                count(*) filter (where status = 'running')::int as running,
                count(*) filter (where status = 'running' and lease_expires_at < now())::int as expired
           from jobs`,
      ),
      probeTimeoutMs,
      "the job queue",
    );
    return {
      status: "healthy",
      message: `${row!.queued} queued, ${row!.running} running`,
      details: { queued: row!.queued, running: row!.running, expiredLeases: row!.expired },
    };
  });
}

// A worker counts as alive when it renewed its heartbeat within this long.
const workerStaleAfterSeconds = 60;

export function probeWorkers(): Promise<ProbeResult> {
  return timed(async () => {
    const db = await getDb();
    const [row] = await withTimeout(
      db.query<{ total: number; live: number }>(
        `select count(*)::int as total,
                count(*) filter (where heartbeat_at > now() - make_interval(secs => $1))::int as live
           from workers`,
        [workerStaleAfterSeconds],
      ),
      probeTimeoutMs,
      "the workers table",
    );
    if (row!.total === 0) {
      return { status: "unconfigured", message: "no worker has registered", details: { live: 0 } };
    }
    return {
      status: row!.live > 0 ? "healthy" : "unhealthy",
      message: `${row!.live} of ${row!.total} workers sent a heartbeat in the last ${workerStaleAfterSeconds} s`,
      details: { live: row!.live, total: row!.total },
    };
  });
}
