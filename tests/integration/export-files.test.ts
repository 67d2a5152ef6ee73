import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// A run's result exported as a zip (made by a job, downloaded as a stream, deleted on expiry)
// and the read-only files of a project repository at any branch, tag or commit. The run
// pipeline is not needed: the tests commit to the project's repository with git and insert
// run rows themselves.

interface Envelope<T> {
  success: boolean;
  data: T;
  error?: { code: string; message: string; details: Record<string, unknown> };
}
interface ExportBody {
  id: string;
  status: "processing" | "completed" | "failed";
  format: "zip";
  runId: string;
  commitSha: string;
  sizeBytes: number | null;
  downloadUrl: string | null;
  expiresAt: string;
}
interface Listing {
  ref: string;
  path: string;
  commitSha: string;
  entries: { name: string; type: "directory" | "file"; size?: number }[];
}
interface Content {
  path: string;
  ref: string;
  content: string;
  encoding: "utf-8" | "base64";
  size: number;
}

const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.test",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.test",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8" }).trim();

/**
 * Commits `files` (path → content) on top of `from` in a clone of the project's bare
 * repository and pushes the commit to `refs`; resolves with the commit.
 */
function commitTo(
  repoPath: string,
  options: { from?: string; files: Record<string, string | Buffer>; refs: string[] },
): string {
  const work = mkdtempSync(path.join(tmpdir(), "kiln-export-work-"));
  try {
    git(work, "clone", "--quiet", repoPath, ".");
    git(work, "checkout", "--quiet", "--detach", options.from ?? "main");
    for (const [file, content] of Object.entries(options.files)) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), content);
    }
    git(work, "add", "--all");
    git(work, "commit", "--quiet", "-m", "test commit");
    const commit = git(work, "rev-parse", "HEAD");
    for (const ref of options.refs) git(work, "push", "--quiet", "origin", `HEAD:${ref}`);
    return commit;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function signedUp(url: string) {
  const client = new TestClient(url);
  await client.signUp();
  return client;
}

async function createProject(client: TestClient, name: string) {
  const response = await client.fetch("/api/v1/projects", { method: "POST", json: { name } });
  expect(response.status).toBe(201);
  return ((await response.json()) as Envelope<{ id: string; repoPath: string }>).data;
}

async function expectError(response: Response, status: number, code: string, message?: RegExp) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as Envelope<unknown>;
  expect(body).toEqual({
    success: false,
    error: { code, message: expect.any(String), details: expect.any(Object) },
  });
  if (message) expect(body.error?.message).toMatch(message);
}

/** Every file under `dir`, as path → bytes. */
function filesUnder(dir: string, prefix = ""): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, filesUnder(dir, relative));
    else out[relative] = readFileSync(path.join(dir, relative));
  }
  return out;
}

// Bytes of every value, NUL and invalid UTF-8 among them.
const binary = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0xc0]),
  randomBytes(200_000),
]);

describe.each(inject("backends"))("project files on $name", ({ url }) => {
  let alice: TestClient;
  let project: { id: string; repoPath: string };
  let first: string;
  let second: string;
  const text = "export const greeting = 'héllo ✓';\n";

  beforeAll(async () => {
    alice = await signedUp(url);
    project = await createProject(alice, "Files app");
    first = commitTo(project.repoPath, {
      files: { "src/index.ts": "export const v = 1;\n", "docs/a/b/deep.md": "# deep\n" },
      refs: ["refs/heads/main", "refs/tags/v1"],
    });
    second = commitTo(project.repoPath, {
      from: first,
      files: {
        "src/index.ts": text,
        "src/logo.png": binary,
        "big.bin": Buffer.alloc(5 * 1024 * 1024 + 1, 0x61),
      },
      refs: ["refs/heads/main"],
    });
    commitTo(project.repoPath, {
      from: second,
      files: { "feature.txt": "only on the branch\n" },
      refs: ["refs/heads/feature/x"],
    });
  });

  const list = async (query: string, client = alice) => {
    const response = await client.fetch(`/api/v1/projects/${project.id}/files${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as Envelope<Listing>).data;
  };
  const read = async (file: string, query = "", client = alice) => {
    const response = await client.fetch(`/api/v1/projects/${project.id}/files/${file}${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as Envelope<Content>).data;
  };

  test("the root at main: directories first, then files with their sizes", async () => {
    const root = await list("");
    expect(root).toEqual({
      ref: "main",
      path: "/",
      commitSha: second,
      entries: [
        { name: "docs", type: "directory" },
        { name: "src", type: "directory" },
        { name: "big.bin", type: "file", size: 5 * 1024 * 1024 + 1 },
        { name: "README.md", type: "file", size: expect.any(Number) },
      ].sort((a, b) =>
        a.type === b.type ? (a.name < b.name ? -1 : 1) : a.type === "directory" ? -1 : 1,
      ),
    });
    const src = await list("?path=src");
    expect(src.path).toBe("src");
    expect(src.entries).toEqual([
      { name: "index.ts", type: "file", size: Buffer.byteLength(text) },
      { name: "logo.png", type: "file", size: binary.length },
    ]);
    expect(await list("?path=/src/")).toEqual(src);
    expect((await list("?path=docs/a")).entries).toEqual([{ name: "b", type: "directory" }]);
  });

  test("text comes as UTF-8, binary as base64 with the exact bytes", async () => {
    expect(await read("src/index.ts")).toMatchObject({
      path: "src/index.ts",
      ref: "main",
      content: text,
      encoding: "utf-8",
      size: Buffer.byteLength(text),
    });
    const logo = await read("src/logo.png");
    expect(logo.encoding).toBe("base64");
    expect(logo.size).toBe(binary.length);
    expect(Buffer.from(logo.content, "base64").equals(binary)).toBe(true);
    expect((await read("docs/a/b/deep.md")).content).toBe("# deep\n");
  });

  test("any branch, tag or commit: each shows the tree as it was there", async () => {
    expect((await read("src/index.ts", "?ref=v1")).content).toBe("export const v = 1;\n");
    expect((await read("src/index.ts", `?ref=${first}`)).content).toBe("export const v = 1;\n");
    expect((await read("src/index.ts", `?ref=${first.slice(0, 10)}`)).content).toBe(
      "export const v = 1;\n",
    );
    expect((await read("feature.txt", "?ref=feature/x")).content).toBe("only on the branch\n");
    expect((await list("?ref=v1")).entries.map((e) => e.name)).toEqual([
      "docs",
      "src",
      "README.md",
    ]);
    const onBranch = await list("?ref=feature/x");
    expect(onBranch.ref).toBe("feature/x");
    expect(onBranch.entries.map((e) => e.name)).toContain("feature.txt");
    const missing = await alice.fetch(`/api/v1/projects/${project.id}/files/feature.txt`);
    await expectError(missing, 404, "NOT_FOUND", /No file "feature.txt" at main/);
  });

  test("refs that git could read as options or revision syntax are 400s, and run nothing", async () => {
    const marker = path.join(tmpdir(), `kiln-export-marker-${randomBytes(4).toString("hex")}`);
    for (const ref of [
      `--output=${marker}`,
      "-h",
      "--all",
      "main..feature/x",
      "main@{1}",
      "main~1",
      "main^",
      "main:README.md",
      "a b",
      "/main",
      "main/",
      ".hidden",
      "x".repeat(256),
    ]) {
      const query = `?ref=${encodeURIComponent(ref)}`;
      await expectError(
        await alice.fetch(`/api/v1/projects/${project.id}/files${query}`),
        400,
        "VALIDATION_ERROR",
        /^ref: /,
      );
      await expectError(
        await alice.fetch(`/api/v1/projects/${project.id}/files/README.md${query}`),
        400,
        "VALIDATION_ERROR",
        /^ref: /,
      );
    }
    expect(existsSync(marker)).toBe(false);
    for (const ref of ["nope", "feature", "0000000000000000000000000000000000000000"]) {
      await expectError(
        await alice.fetch(`/api/v1/projects/${project.id}/files?ref=${ref}`),
        404,
        "NOT_FOUND",
        /No branch, tag or commit/,
      );
    }
  });

  test("paths outside the tree, broken encodings and NUL are 4xx, never 5xx", async () => {
    const base = `/api/v1/projects/${project.id}/files`;
    for (const query of [
      "?path=..",
      "?path=../etc",
      "?path=src/../..",
      "?path=./src",
      "?path=a//b",
    ]) {
      await expectError(await alice.fetch(`${base}${query}`), 400, "VALIDATION_ERROR", /^path: /);
    }
    await expectError(await alice.fetch(`${base}?path=a%00b`), 400, "VALIDATION_ERROR");
    for (const target of ["..%2Fetc%2Fpasswd", "src%2F..%2F..%2Fx", "a%00b", "%E0%A4%A", "%zz"]) {
      const response = await alice.fetch(`${base}/${target}`);
      expect(response.status, target).toBe(400);
      expect(((await response.json()) as Envelope<unknown>).error?.code).toBe("VALIDATION_ERROR");
    }
    // An absolute path is a path from the repository's root, where there is no /etc.
    await expectError(await alice.fetch(`${base}/%2Fetc%2Fpasswd`), 404, "NOT_FOUND");
    await expectError(await alice.fetch(`${base}?path=/etc`), 404, "NOT_FOUND");
    await expectError(await alice.fetch(`${base}?path=nope`), 404, "NOT_FOUND");
    await expectError(await alice.fetch(`${base}/src/nope.ts`), 404, "NOT_FOUND");
    await expectError(await alice.fetch(`${base}/src`), 400, "VALIDATION_ERROR", /is a directory/);
    await expectError(
      await alice.fetch(`${base}?path=src/index.ts`),
      400,
      "VALIDATION_ERROR",
      /is a file/,
    );
    await expectError(
      await alice.fetch(`${base}/big.bin`),
      413,
      "PAYLOAD_TOO_LARGE",
      /big.bin" is 5242881 bytes; file content is served up to 5242880 bytes/,
    );
  });

  test("another user's project is 404 on both endpoints; an API key works; no caller is 401", async () => {
    const bob = await signedUp(url);
    for (const target of ["/files", "/files?path=src", "/files/src/index.ts", "/files/README.md"]) {
      await expectError(
        await bob.fetch(`/api/v1/projects/${project.id}${target}`),
        404,
        "NOT_FOUND",
        /^Project not found$/,
      );
      await expectError(
        await new TestClient(url).fetch(`/api/v1/projects/${project.id}${target}`),
        401,
        "UNAUTHORIZED",
      );
    }
    const { key } = await alice.createApiKey();
    const keyed = new TestClient(url, { authorization: `Bearer ${key}` });
    expect((await read("src/index.ts", "", keyed)).content).toBe(text);
    expect((await list("", keyed)).commitSha).toBe(second);
  });
});

const databaseUrl = process.env.TEST_DATABASE_URL;

// The export job, the sweep and the run rows need a database the test can write to: a
// Postgres database of its own, with a Kiln that sweeps every second.
describe.runIf(databaseUrl)("run exports", () => {
  let kiln: KilnServer;
  let db: pg.Client;
  let admin: pg.Client;
  let dbName: string;
  let alice: TestClient;
  let project: { id: string; repoPath: string };
  let userId: string;
  const runs: Record<string, string> = {};
  let firstCommit: string;
  let runOneCommit: string;

  // Files whose bytes must come out of the zip as they went in, .gitattributes that asks
  // archives to drop and rewrite files among them.
  const tree: Record<string, string | Buffer> = {
    "package.json": '{ "name": "my-saas-app" }\n',
    "src/app/page.tsx": "export default function Home() { return <h1>Hi ✓</h1>; }\n",
    "public/logo.png": binary,
    "empty.txt": "",
    ".gitattributes": "secret.txt export-ignore\nversion.txt export-subst\n",
    "secret.txt": "kept in the export\n",
    "version.txt": "$Format:%H$\n",
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    dbName = `kiln_exports_${randomBytes(4).toString("hex")}`;
    await admin.query(`create database ${dbName}`);
    const ownUrl = new URL(databaseUrl!);
    ownUrl.pathname = `/${dbName}`;
    kiln = await startKiln({
      env: { ...suiteEnv, DATABASE_URL: ownUrl.toString(), KILN_EXPORT_SWEEP_SECONDS: "1" },
    });
    db = new pg.Client({ connectionString: ownUrl.toString() });
    await db.connect();
    alice = new TestClient(kiln.url);
    userId = (await alice.signUp()).user.id;
    project = await createProject(alice, "My SaaS App!");
    firstCommit = git(project.repoPath, "rev-parse", "main");
    runOneCommit = commitTo(project.repoPath, { files: tree, refs: ["refs/heads/run/001"] });
    // Run 2 finished at its result commit; its branch moved on after.
    commitTo(project.repoPath, {
      from: runOneCommit,
      files: { "later.txt": "not in run 2's result\n" },
      refs: ["refs/heads/run/002"],
    });
    for (const [n, resultCommit] of [
      [1, null],
      [2, runOneCommit],
      [3, null],
      [4, "1".repeat(40)],
    ] as const) {
      const id = `run_test${n}${randomBytes(4).toString("hex")}`;
      runs[n] = id;
      await db.query(
        `insert into runs (id, project_id, user_id, run_number, spec_version, status, result_commit)
         values ($1, $2, $3, $4, 1, 'succeeded', $5)`,
        [id, project.id, userId, n, resultCommit],
      );
    }
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await kiln?.stop();
    await admin?.query(`drop database if exists ${dbName} with (force)`);
    await admin?.end();
  });

  const startExport = async (runId: string, client = alice) => {
    const response = await client.fetch(`/api/v1/projects/${project.id}/export`, {
      method: "POST",
      json: { runId, format: "zip" },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    return ((await response.json()) as Envelope<ExportBody>).data;
  };
  const status = async (exportId: string, client = alice) => {
    const response = await client.fetch(`/api/v1/projects/${project.id}/exports/${exportId}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as Envelope<ExportBody>).data;
  };
  const settled = async (exportId: string) => {
    await expect
      .poll(async () => (await status(exportId)).status, { timeout: 60_000, interval: 200 })
      .not.toBe("processing");
    return status(exportId);
  };
  const unzip = (bytes: Buffer) => {
    const dir = mkdtempSync(path.join(tmpdir(), "kiln-export-unzip-"));
    writeFileSync(path.join(dir, "export.zip"), bytes);
    execFileSync("unzip", ["-q", "export.zip", "-d", "out"], { cwd: dir });
    const files = filesUnder(path.join(dir, "out"));
    rmSync(dir, { recursive: true, force: true });
    return files;
  };

  test("a run's branch head exports as a zip with every file byte for byte", async () => {
    const started = await startExport(runs[1]!);
    expect(started).toMatchObject({
      id: expect.stringMatching(/^exp_[a-z0-9]+$/),
      status: "processing",
      format: "zip",
      runId: runs[1],
      commitSha: runOneCommit,
      downloadUrl: null,
    });
    const done = await settled(started.id);
    expect(done.status).toBe("completed");
    expect(done.downloadUrl).toBe(`/api/v1/projects/${project.id}/exports/${started.id}/download`);
    const ttl = Date.parse(done.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(7 * 24 * 3600_000 - 3600_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600_000);

    const download = await alice.fetch(done.downloadUrl!);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/zip");
    expect(download.headers.get("content-disposition")).toBe(
      'attachment; filename="my-saas-app-run-1.zip"',
    );
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(done.sizeBytes);
    expect(statSync(path.join(kiln.dataDir, "exports", `${started.id}.zip`)).size).toBe(
      done.sizeBytes,
    );

    const files = unzip(bytes);
    const readme = execFileSync("git", ["show", `${firstCommit}:README.md`], {
      cwd: project.repoPath,
      env: gitEnv,
    });
    const expected = { ...tree, "README.md": readme };
    expect(Object.keys(files).sort()).toEqual(
      Object.keys(expected)
        .map((name) => `my-saas-app-run-1/${name}`)
        .sort(),
    );
    for (const [name, content] of Object.entries(expected)) {
      expect(
        files[`my-saas-app-run-1/${name}`]?.equals(Buffer.from(content)),
        `${name} is byte-identical`,
      ).toBe(true);
    }
  });

  test("a finished run exports its result commit, not its branch's later head", async () => {
    const done = await settled((await startExport(runs[2]!)).id);
    expect(done).toMatchObject({ status: "completed", commitSha: runOneCommit });
    const download = await alice.fetch(done.downloadUrl!);
    expect(download.headers.get("content-disposition")).toBe(
      'attachment; filename="my-saas-app-run-2.zip"',
    );
    const files = unzip(Buffer.from(await download.arrayBuffer()));
    expect(Object.keys(files)).not.toContain("my-saas-app-run-2/later.txt");
    expect(files["my-saas-app-run-2/public/logo.png"]?.equals(binary)).toBe(true);
  });

  test("a run with no commit yet is a 409; an export that cannot be made fails", async () => {
    const none = await alice.fetch(`/api/v1/projects/${project.id}/export`, {
      method: "POST",
      json: { runId: runs[3], format: "zip" },
    });
    await expectError(none, 409, "CONFLICT", /Run 3 has no commit to export yet/);

    // Run 4 names a commit the repository does not have: the job tries, retries, then fails.
    const started = await startExport(runs[4]!);
    const failed = await settled(started.id);
    expect(failed).toMatchObject({ status: "failed", downloadUrl: null, sizeBytes: null });
    await expectError(
      await alice.fetch(`/api/v1/projects/${project.id}/exports/${started.id}/download`),
      409,
      "CONFLICT",
      /failed/,
    );
    expect(existsSync(path.join(kiln.dataDir, "exports", `${started.id}.zip`))).toBe(false);
  }, 90_000);

  test("an expired export is gone at once, and the sweep deletes its row and file", async () => {
    const done = await settled((await startExport(runs[1]!)).id);
    const file = path.join(kiln.dataDir, "exports", `${done.id}.zip`);
    expect(existsSync(file)).toBe(true);
    await db.query("update exports set expires_at = now() - interval '1 second' where id = $1", [
      done.id,
    ]);
    // Expired is not found at once, whether or not the sweep has deleted it yet.
    await expectError(
      await alice.fetch(`/api/v1/projects/${project.id}/exports/${done.id}`),
      404,
      "NOT_FOUND",
    );
    await expectError(await alice.fetch(done.downloadUrl!), 404, "NOT_FOUND");
    await expect
      .poll(
        async () => (await db.query("select 1 from exports where id = $1", [done.id])).rowCount,
        { timeout: 30_000 },
      )
      .toBe(0);
    await expect.poll(() => existsSync(file), { timeout: 30_000 }).toBe(false);
  });

  test("another user gets 404 everywhere; an API key works; no caller is 401", async () => {
    const done = await settled((await startExport(runs[1]!)).id);
    const bob = await signedUp(kiln.url);
    const bobsProject = await createProject(bob, "Bob's");
    const anonymous = new TestClient(kiln.url);
    for (const client of [bob, anonymous]) {
      const expected = client === bob ? [404, "NOT_FOUND"] : [401, "UNAUTHORIZED"];
      await expectError(
        await client.fetch(`/api/v1/projects/${project.id}/export`, {
          method: "POST",
          json: { runId: runs[1], format: "zip" },
        }),
        expected[0] as number,
        expected[1] as string,
      );
      await expectError(
        await client.fetch(`/api/v1/projects/${project.id}/exports/${done.id}`),
        expected[0] as number,
        expected[1] as string,
      );
      await expectError(
        await client.fetch(done.downloadUrl!),
        expected[0] as number,
        expected[1] as string,
      );
    }
    // Alice's run and export through Bob's own project are not found either.
    await expectError(
      await bob.fetch(`/api/v1/projects/${bobsProject.id}/export`, {
        method: "POST",
        json: { runId: runs[1], format: "zip" },
      }),
      404,
      "NOT_FOUND",
      /^Run not found$/,
    );
    await expectError(
      await bob.fetch(`/api/v1/projects/${bobsProject.id}/exports/${done.id}/download`),
      404,
      "NOT_FOUND",
    );

    const { key } = await alice.createApiKey();
    const keyed = new TestClient(kiln.url, { authorization: `Bearer ${key}` });
    const viaKey = await startExport(runs[2]!, keyed);
    expect((await status(viaKey.id, keyed)).runId).toBe(runs[2]);
    const download = await keyed.fetch(done.downloadUrl!);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).length).toBe(done.sizeBytes);
  });

  test("bad input is a 400 in the seed's shape", async () => {
    const post = (body: string) =>
      alice.fetch(`/api/v1/projects/${project.id}/export`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    await expectError(await post("{"), 400, "VALIDATION_ERROR", /Malformed JSON/);
    await expectError(await post("{}"), 400, "VALIDATION_ERROR", /^runId: /);
    await expectError(
      await post(JSON.stringify({ runId: runs[1], format: "tar" })),
      400,
      "VALIDATION_ERROR",
      /^format: must be "zip"/,
    );
    await expectError(
      await post(JSON.stringify({ runId: "run_a\u0000b" })),
      400,
      "VALIDATION_ERROR",
      /^runId: must not contain NUL/,
    );
    await expectError(
      await post(JSON.stringify({ runId: "run_nosuchrun" })),
      404,
      "NOT_FOUND",
      /^Run not found$/,
    );
    for (const exportId of ["exp_a%00b", "%E0%A4%A", "not-an-export", "exp_%zz"]) {
      for (const suffix of ["", "/download"]) {
        const response = await alice.fetch(
          `/api/v1/projects/${project.id}/exports/${exportId}${suffix}`,
        );
        expect(response.status, `${exportId}${suffix}`).toBe(400);
      }
    }
    await expectError(
      await alice.fetch(`/api/v1/projects/${project.id}/exports/exp_nosuchexport`),
      404,
      "NOT_FOUND",
    );
  });
});
