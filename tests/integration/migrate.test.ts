import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { migrate, migrationsDir } from "@/lib/db/migrate";
import { openPglite } from "@/lib/db/pglite";
import { openPostgres } from "@/lib/db/postgres";

const migrationFiles = readdirSync(migrationsDir)
  .filter((f) => f.endsWith(".sql"))
  .sort();

describe("migrations on PGlite", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "kiln-migrate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("applies every file in order once, records it, and stops at a failing file", async () => {
    const db = await openPglite(dir);
    try {
      expect(await migrate(db)).toEqual(migrationFiles);
      expect(await migrate(db)).toEqual([]);
      const recorded = await db.query<{ name: string }>(
        "select name from kiln_migrations order by name",
      );
      expect(recorded.map((r) => r.name)).toEqual(migrationFiles);

      // Direct Supabase clients meet row level security on every table of the schema, the
      // migrator's own bookkeeping included.
      const unprotected = await db.query<{ name: string }>(
        `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity`,
      );
      expect(unprotected).toEqual([]);

      // A broken migration is rolled back whole and named in the error.
      const extra = path.join(dir, "extra");
      rmSync(extra, { recursive: true, force: true });
      mkdirSync(extra);
      writeFileSync(path.join(extra, "1_ok.sql"), "create table good_one (id int);");
      writeFileSync(path.join(extra, "2_bad.sql"), "create table half (id int); select nope;");
      await expect(migrate(db, extra)).rejects.toThrow(/Migration 2_bad\.sql failed/);
      const tables = await db.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_name in ('good_one', 'half')",
      );
      expect(tables.map((t) => t.name)).toEqual(["good_one"]);
    } finally {
      await db.close();
    }
  });
});

const databaseUrl = process.env.TEST_DATABASE_URL;
if (!databaseUrl) console.log("\n  skipped: migrations on Postgres (set TEST_DATABASE_URL)\n");

describe.runIf(databaseUrl)("migrations on Postgres", () => {
  const name = `kiln_migrate_${process.pid}`;
  const admin = () => new pg.Client({ connectionString: databaseUrl });
  const urlFor = (database: string) => {
    const url = new URL(databaseUrl as string);
    url.pathname = `/${database}`;
    return url.toString();
  };
  afterAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });

  test("two processes starting at once apply each file exactly once", async () => {
    const client = admin();
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
    await client.end();

    const [a, b] = await Promise.all([openPostgres(urlFor(name)), openPostgres(urlFor(name))]);
    try {
      const [appliedA, appliedB] = await Promise.all([migrate(a), migrate(b)]);
      // One of them did all the work; the other found it done.
      expect([...appliedA, ...appliedB].sort()).toEqual(migrationFiles);
      expect([appliedA.length, appliedB.length].sort()).toEqual([0, migrationFiles.length]);
      const [row] = await a.query<{ n: number }>("select count(*)::int as n from kiln_migrations");
      expect(row?.n).toBe(migrationFiles.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
