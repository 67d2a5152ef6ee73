import pg from "pg";

/**
 * A database of a suite's own beside TEST_DATABASE_URL's, made empty: every Kiln on a database
 * runs its queued jobs, and the suite's shared servers (with no model configured) must not take
 * a suite's build jobs.
 */
export async function ownPostgresDatabase(shared: string, suffix: string): Promise<string> {
  const url = new URL(shared);
  const name = `${url.pathname.slice(1)}_${suffix}`;
  const client = new pg.Client({ connectionString: shared });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}
