import "server-only";
import pg from "pg";
import { KilnError } from "@/lib/errors";
import type { Database, Queryable } from "./types";

// Errors that mean "the server is not there", as opposed to a bad query: the caller gets a 503
// that says so, and nothing of the connection string.
const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P03", // cannot_connect_now
]);

export function databaseUnavailable(): KilnError {
  return new KilnError("SERVICE_UNAVAILABLE", "The database is unavailable; try again shortly");
}

async function reachable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const timedOut = /timeout|terminated/i.test((error as Error).message ?? "");
    if ((code && unreachableCodes.has(code)) || timedOut) throw databaseUnavailable();
    throw error;
  }
}

export async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client whose server went away must not crash the process.
  pool.on("error", () => {});
  // Fail fast on a wrong URL instead of at the first request.
  await reachable(() => pool.query("select 1"));

  const wrap = (conn: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row>(sql: string, params?: unknown[]) {
      const result = await reachable(() => conn.query(sql, params as unknown[] | undefined));
      return result.rows as Row[];
    },
    async exec(sql: string) {
      await conn.query(sql);
    },
  });

  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>) => {
    const client = await reachable(() => pool.connect());
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  };

  return {
    kind: "postgres",
    ...wrap(pool),
    transaction: (fn) =>
      withClient(async (client) => {
        await client.query("begin");
        try {
          const result = await fn(wrap(client));
          await client.query("commit");
          return result;
        } catch (error) {
          await client.query("rollback");
          throw error;
        }
      }),
    withAdvisoryLock: (key, fn) =>
      withClient(async (client) => {
        await client.query("select pg_advisory_lock($1)", [key]);
        try {
          return await fn(wrap(client));
        } finally {
          await client.query("select pg_advisory_unlock($1)", [key]);
        }
      }),
    listen: (channel, onMessage, onGap) => listen(url, channel, onMessage, onGap),
    close: () => pool.end(),
  };
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to others). A lost connection
 * is made again after a second, and `onGap` tells the caller to catch up on what it missed.
 */
async function listen(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onGap?: () => void,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let stopped = false;
  let client: pg.Client | undefined;
  const reconnect = () => {
    if (stopped) return;
    setTimeout(() => {
      if (!stopped) connect().then(() => onGap?.(), reconnect);
    }, 1000).unref();
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    let lost = false;
    next.on("notification", (message) => {
      if (message.channel === channel) onMessage(message.payload ?? "");
    });
    next.on("error", () => {
      next.end().catch(() => {});
      if (lost || next !== client) return;
      lost = true;
      reconnect();
    });
    try {
      await next.connect();
      await next.query(`listen ${channel}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    client = next;
  };
  await reachable(connect);
  return async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}
