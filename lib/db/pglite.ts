import "server-only";
import { mkdirSync } from "node:fs";
import type { Database, Queryable } from "./types";

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);

  const wrap = (conn: { query: typeof pg.query; exec: typeof pg.exec }): Queryable => ({
    async query<Row>(sql: string, params?: unknown[]) {
      const result = await conn.query<Row>(sql, params);
      return result.rows;
    },
    async exec(sql: string) {
      await conn.exec(sql);
    },
  });

  const root = wrap(pg);
  return {
    kind: "pglite",
    ...root,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    withAdvisoryLock: (_key, fn) => fn(root),
    close: () => pg.close(),
  };
}
