// Workspace files, two figures with their baselines measured in the same run:
// (a) GET /api/files on a workspace of 10,000 files (100 directories of 100) — the whole tree as
//     JSON — against one bare query reading the same rows (the columns the tree shows, in path
//     order) straight from the database;
// (b) POST /api/files/batch of 1,000 new files (~200 bytes each) — against one bare INSERT of
//     the same 1,000 rows and their directory.
// Requests go one at a time, so the figures are latencies (p50/p99), not throughput. PGlite by
// default: the bare queries then run in this process on the same data directory while Kiln is
// stopped (PGlite allows one process); with BENCH_DATABASE_URL, Kiln and the bare queries share
// that Postgres.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { TestClient } from "../tests/support/client.ts";
import { type KilnServer, startKiln } from "../tests/support/kiln-server.ts";
import { benchBuildEnv, buildBenchCopy } from "./load.ts";
import { summary } from "./stats.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const databaseUrl = process.env.BENCH_DATABASE_URL;
const dirs = 100;
const perDir = 100;

const content = (i: number) =>
  `// file ${i}\nexport function f${i}(x: number): number {\n  return x * ${i} + ${i % 7};\n}\n${"/* padding */\n".repeat(9)}`;

/** 1,000 files under `dir`, as a batch body lists them. */
const batchOf = (dir: string, offset = 0) =>
  Array.from({ length: 1000 }, (_, i) => ({
    path: `${dir}/file-${String(i).padStart(4, "0")}.ts`,
    content: content(offset + i),
  }));

const env = {
  ...benchBuildEnv,
  DATABASE_URL: databaseUrl,
  KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
  KILN_RATE_LIMIT_TIER_FREE: "1000000000",
  KILN_FILES_MAX_USER_BYTES: String(10 * 1024 * 1024 * 1024),
};

async function timed(times: number, call: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples;
}

interface Bare {
  query(sql: string, params: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

async function openBare(dataDir: string): Promise<Bare> {
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return {
      query: async (sql, params) => (await client.query(sql, params)).rows,
      close: () => client.end(),
    };
  }
  const db = new PGlite(path.join(dataDir, "pgdata"));
  return {
    query: async (sql, params) => (await db.query(sql, params)).rows,
    close: () => db.close(),
  };
}

buildBenchCopy("files");
const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-bench-files-"));
let kiln: KilnServer | undefined;
try {
  kiln = await startKiln({ env, dataDir });
  const client = new TestClient(kiln.url);
  const { user } = await client.signUp();
  const { key } = await client.createApiKey("bench");
  const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const post = async (files: unknown[]) => {
    const response = await fetch(`${kiln!.url}/api/files/batch`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ files }),
    });
    if (response.status !== 200)
      throw new Error(`batch: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };

  // The 10,000-file workspace, written through the API itself.
  for (let d = 0; d < dirs; d += 1000 / perDir) {
    const files = Array.from({ length: 1000 / perDir }, (_, k) =>
      batchOf(`src/module-${String(d + k).padStart(3, "0")}`, (d + k) * perDir).slice(0, perDir),
    ).flat();
    await post(files);
  }
  let treeRows = 0;
  const getTree = async () => {
    const response = await fetch(`${kiln!.url}/api/files`, { headers: auth });
    if (response.status !== 200) throw new Error(`tree: ${response.status}`);
    const tree = (await response.json()) as { children?: unknown[] }[];
    treeRows = tree[0]?.children?.length ?? 0;
  };
  await timed(3, getTree);
  const treeApi = await timed(rounds, getTree);

  // Batches into a second account, so the 10,000-file workspace stays as it is.
  const writer = new TestClient(kiln.url);
  const { user: writerUser } = await writer.signUp();
  const writerKey = (await writer.createApiKey("bench")).key;
  auth.authorization = `Bearer ${writerKey}`;
  let round = 0;
  await timed(3, () => post(batchOf(`warm-${round++}`)));
  const batchApi = await timed(rounds, () => post(batchOf(`api-${round++}`)));

  if (!databaseUrl) {
    await kiln.stop();
    kiln = undefined;
  }
  const bare = await openBare(dataDir);
  let bareRows = 0;
  try {
    const readTree = async () => {
      const rows = await bare.query(
        `select path, name, parent_path, is_directory, size_bytes, version, updated_at
           from workspace_files where user_id = $1 order by path`,
        [user.id],
      );
      bareRows = rows.length;
    };
    await timed(3, readTree);
    const treeBare = await timed(rounds, readTree);

    const insertBatch = async () => {
      const dir = `bare-${round++}`;
      const files = batchOf(dir);
      const paths = [dir, ...files.map((f) => f.path)];
      await bare.query(
        `insert into workspace_files
           (user_id, path, name, parent_path, is_directory, content, encoding, size_bytes)
         select $1, p, n, pp, d, c, 'utf-8', s
           from unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::bigint[])
             as t(p, n, pp, d, c, s)`,
        [
          writerUser.id,
          paths,
          paths.map((p) => p.slice(p.lastIndexOf("/") + 1)),
          paths.map((p) => (p === dir ? "" : dir)),
          paths.map((p) => p === dir),
          [null, ...files.map((f) => f.content)],
          [0, ...files.map((f) => Buffer.byteLength(f.content))],
        ],
      );
    };
    await timed(3, insertBatch);
    const batchBare = await timed(rounds, insertBatch);

    const tree = { api: summary(treeApi), bare: summary(treeBare) };
    const batch = { api: summary(batchApi), bare: summary(batchBare) };
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    console.log(
      JSON.stringify({
        name: "files",
        description: `GET /api/files on a ${dirs * perDir}-file workspace and POST /api/files/batch of 1,000 files, one request at a time, vs one bare query on the same rows`,
        database: databaseUrl ? "postgres" : "pglite",
        tree: {
          route: "GET /api/files",
          rows: bareRows,
          topLevelChildren: treeRows,
          ...tree,
          p50Ratio: ratio(tree.api.p50Ms, tree.bare.p50Ms),
        },
        batch: {
          route: "POST /api/files/batch (1,000 new files of ~200 bytes)",
          ...batch,
          p50Ratio: ratio(batch.api.p50Ms, batch.bare.p50Ms),
        },
      }),
    );
  } finally {
    await bare.close();
  }
} finally {
  await kiln?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
