import "server-only";
import pg from "pg";
import type { Database, Queryable } from "./types";

export async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Fail fast on a wrong URL instead of at the first request.
  await pool.query("select 1");

  const wrap = (conn: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row>(sql: string, params?: unknown[]) {
      const result = await conn.query(sql, params as unknown[] | undefined);
      return result.rows as Row[];
    },
    async exec(sql: string) {
      await conn.query(sql);
    },
  });

  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>) => {
    const client = await pool.connect();
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
    close: () => pool.end(),
  };
}
