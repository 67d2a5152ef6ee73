// The projects list and its search with 10,000 projects across 10 users, called with an API
// key, against the bare route of the same server in the same run. Goals: the list at >= 0.6x
// the bare route's requests/s (50 connections), and search p99 <= 50 ms (10 connections).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { TestClient } from "../tests/support/client.ts";
import { startKiln } from "../tests/support/kiln-server.ts";
import { benchBuildEnv, buildBenchCopy, compare, measure } from "./load.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 12);
const users = 10;
const perUser = 1_000;
const words = `board task sprint invoice garden recipe tracker budget fitness travel library
  music chess weather clinic school hotel parking inventory crm ticket quiz poll chat blog shop
  event podcast photo wiki forum kanban habit journal calendar payroll fleet rental auction`.split(
  /\s+/,
);

const env = {
  ...benchBuildEnv,
  KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
  KILN_RATE_LIMIT_TIER_FREE: "1000000000",
};
buildBenchCopy("projects");
const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-bench-projects-"));
try {
  // The accounts and a key through the API; the 10,000 projects straight into the database
  // while Kiln is stopped (creating each through the API would time git, not the list).
  let kiln = await startKiln({ env, dataDir });
  const ids: string[] = [];
  let key = "";
  for (let u = 0; u < users; u++) {
    const client = new TestClient(kiln.url);
    const { user } = await client.signUp();
    ids.push(user.id);
    if (u === 0) key = (await client.createApiKey("bench")).key;
  }
  await kiln.stop();
  const db = new PGlite(path.join(dataDir, "pgdata"));
  let n = 0;
  const pick = () => words[(n * 7919 + Math.floor(n / 13)) % words.length];
  for (const userId of ids) {
    const rows: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < perUser; i++, n++) {
      const name = `${pick()} ${pick()} ${n}`;
      const description = `An app for ${pick()} and ${pick()} with ${pick()} reports`;
      params.push(`proj_bench${String(n).padStart(8, "0")}`, userId, name, description);
      const p = params.length;
      rows.push(
        `($${p - 3}, $${p - 2}, $${p - 1}, $${p}, '/dev/null', now() - make_interval(secs => ${n}))`,
      );
    }
    await db.query(
      `insert into projects (id, user_id, name, description, repo_path, updated_at) values ${rows.join(", ")}`,
      params,
    );
  }
  await db.query("analyze projects");
  await db.close();
  kiln = await startKiln({ env, dataDir });
  try {
    const auth = { authorization: `Bearer ${key}` };
    const listUrl = `${kiln.url}/api/v1/projects?page=1&pageSize=20`;
    const searchUrl = `${kiln.url}/api/v1/projects?search=garden&pageSize=20`;
    const check = (await (await fetch(searchUrl, { headers: auth })).json()) as {
      pagination: { total: number };
    };
    const list = await compare(
      { url: `${kiln.url}/api/bench/bare` },
      { url: listUrl, headers: auth },
      { seconds, connections: 50 },
    );
    await measure(searchUrl, auth, 2, 10);
    const search = await measure(searchUrl, auth, Math.max(2, Math.round(seconds / 2)), 10);
    const ratio = Number(
      (list.subject.requestsPerSecond / list.baseline.requestsPerSecond).toFixed(3),
    );
    console.log(
      JSON.stringify({
        name: "projects-list",
        description: `GET /api/v1/projects with ${users * perUser} projects across ${users} users (the caller has ${perUser}), API key, vs the bare route; search with 10 connections`,
        secondsPerRoute: list.secondsPerRoute,
        baseline: { route: "GET /api/bench/bare", ...list.baseline },
        subject: { route: "GET /api/v1/projects?page=1&pageSize=20", ...list.subject },
        ratio,
        search: {
          route: "GET /api/v1/projects?search=garden&pageSize=20",
          matches: check.pagination.total,
          ...search,
        },
        goal: "list >= 0.6x the bare route's requests/s; search p99 <= 50 ms",
        met:
          ratio >= 0.6 &&
          search.p99Ms <= 50 &&
          list.subject.non2xx === 0 &&
          list.baseline.non2xx === 0 &&
          search.non2xx === 0,
      }),
    );
  } finally {
    await kiln.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
