// Export of a run whose tree has 10,000 files and 100 MB: POST the export, wait for the job to
// finish, download the zip as a stream; MB/s of the tree and peak RSS of the Kiln process
// while it works, against `git archive --format=zip` of the same commit straight to /dev/null
// in the same run. Goals: the export near git's own speed (it is git archive, run by a job),
// and the Kiln process's memory flat: a download, even to a client that stops reading, grows
// its RSS by a small fraction of the zip's size.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { TestClient } from "../tests/support/client.ts";
import { startKiln } from "../tests/support/kiln-server.ts";

const files = 10_000;
const totalBytes = 100 * 1024 * 1024;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const env = {
  KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
  KILN_RATE_LIMIT_TIER_FREE: "1000000000",
};
const gitEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};
const gitEnvFor = (gitDir: string) =>
  Object.assign({} as NodeJS.ProcessEnv, gitEnv, { GIT_DIR: gitDir });
const mb = (bytes: number) => bytes / (1024 * 1024);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/**
 * One commit on `ref` holding the tree: half the files source-like text (compresses well),
 * half random bytes (does not), through git fast-import so that building it takes seconds.
 */
async function writeTree(repoPath: string, ref: string, parent: string): Promise<string> {
  const child = spawn("git", ["fast-import", "--quiet"], {
    env: gitEnvFor(repoPath),
    stdio: ["pipe", "inherit", "inherit"],
  });
  const write = (chunk: string | Buffer) =>
    child.stdin.write(chunk) ? Promise.resolve() : new Promise((r) => child.stdin.once("drain", r));
  const size = Math.floor(totalBytes / files);
  const line = "export const value = compute(input, options); // a line of generated code\n";
  const text = Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
  for (let i = 1; i <= files; i++) {
    const data = i % 2 === 0 ? randomBytes(size) : text;
    await write(`blob\nmark :${i}\ndata ${data.length}\n`);
    await write(data);
    await write("\n");
  }
  await write(
    `commit ${ref}\nmark :${files + 1}\ncommitter Bench <bench@localhost> 1700000000 +0000\n`,
  );
  await write(`data 6\nbench\nfrom ${parent}\n`);
  for (let i = 1; i <= files; i++) {
    const dir = `src/mod-${String(i % 100).padStart(2, "0")}`;
    await write(
      `M 100644 :${i} ${dir}/file-${String(i).padStart(5, "0")}.${i % 2 ? "ts" : "bin"}\n`,
    );
  }
  child.stdin.end();
  await new Promise<void>((resolve, reject) =>
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`fast-import ${code}`)),
    ),
  );
  return execFileSync("git", ["rev-parse", ref], { env: gitEnvFor(repoPath) })
    .toString()
    .trim();
}

const rssBytes = (pid: number) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
};

/** Samples the RSS of `pid` every 10 ms while `work` runs; resolves with the peak. */
async function peakRss<T>(pid: number, work: () => Promise<T>) {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 10);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, rssBytes(pid)) };
  } finally {
    clearInterval(timer);
  }
}

function gitArchiveToDevNull(repoPath: string, commit: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      "git",
      ["archive", "--format=zip", "--prefix=bench/", "--output=/dev/null", commit],
      { env: gitEnvFor(repoPath), stdio: "inherit" },
    );
    child.on("close", (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`archive ${code}`)),
    );
  });
}

const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-bench-export-"));
try {
  // The account, key and project through the API; the tree with git and the run row straight
  // into the database while Kiln is stopped (the build pipeline is not what is measured).
  let kiln = await startKiln({ env, dataDir });
  const client = new TestClient(kiln.url);
  const { user } = await client.signUp();
  const { key } = await client.createApiKey("bench");
  const created = await client.fetch("/api/v1/projects", {
    method: "POST",
    json: { name: "Export bench" },
  });
  const project = ((await created.json()) as { data: { id: string; repoPath: string } }).data;
  await kiln.stop();
  const main = execFileSync("git", ["rev-parse", "main"], {
    env: gitEnvFor(project.repoPath),
  })
    .toString()
    .trim();
  const commit = await writeTree(project.repoPath, "refs/heads/run/001", main);
  const db = new PGlite(path.join(dataDir, "pgdata"));
  await db.query(
    `insert into runs (id, project_id, user_id, run_number, spec_version, status, result_commit)
     values ('run_bench1', $1, $2, 1, 1, 'succeeded', $3)`,
    [project.id, user.id, commit],
  );
  await db.close();
  kiln = await startKiln({ env, dataDir });
  try {
    const auth = { authorization: `Bearer ${key}` };
    const api = (p: string, init: RequestInit = {}) =>
      fetch(`${kiln.url}/api/v1/projects/${project.id}${p}`, {
        ...init,
        headers: { ...auth, "content-type": "application/json" },
      });
    const exportOnce = async () => {
      const started = performance.now();
      const response = await api("/export", {
        method: "POST",
        body: JSON.stringify({ runId: "run_bench1", format: "zip" }),
      });
      const { id } = ((await response.json()) as { data: { id: string } }).data;
      let status: { status: string; sizeBytes: number | null; downloadUrl: string | null };
      for (;;) {
        status = ((await (await api(`/exports/${id}`)).json()) as { data: typeof status }).data;
        if (status.status !== "processing") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (status.status !== "completed") throw new Error(`export ${status.status}`);
      return { ms: performance.now() - started, url: status.downloadUrl!, size: status.sizeBytes! };
    };
    /** Downloads the zip; a slow client stops reading for 2 s after the first chunk. */
    const downloadOnce = (url: string, size: number, isSlow: boolean) =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        http.get(`${kiln.url}${url}`, { headers: auth }, (response) => {
          let received = 0;
          response.on("data", (chunk: Buffer) => {
            if (isSlow && received === 0) {
              response.pause();
              setTimeout(() => response.resume(), 2000);
            }
            received += chunk.length;
          });
          response.on("end", () =>
            received === size
              ? resolve(performance.now() - started)
              : reject(new Error(`short download: ${received} of ${size}`)),
          );
          response.on("error", reject);
        });
      });

    // One round first, not counted: the first requests load route code and fill caches.
    await gitArchiveToDevNull(project.repoPath, commit);
    const warm = await exportOnce();
    await downloadOnce(warm.url, warm.size, false);

    const baseline: number[] = [];
    const exportMs: number[] = [];
    const downloadMs: number[] = [];
    const growth = { export: 0, download: 0, slowDownload: 0 };
    let zipBytes = 0;
    for (let round = 0; round < rounds; round++) {
      baseline.push(await gitArchiveToDevNull(project.repoPath, commit));
      let idle = rssBytes(kiln.pid);
      const made = await peakRss(kiln.pid, exportOnce);
      growth.export = Math.max(growth.export, made.peak - idle);
      exportMs.push(made.result.ms);
      zipBytes = made.result.size;
      idle = rssBytes(kiln.pid);
      const fast = await peakRss(kiln.pid, () => downloadOnce(made.result.url, zipBytes, false));
      growth.download = Math.max(growth.download, fast.peak - idle);
      downloadMs.push(fast.result);
      idle = rssBytes(kiln.pid);
      const slow = await peakRss(kiln.pid, () => downloadOnce(made.result.url, zipBytes, true));
      growth.slowDownload = Math.max(growth.slowDownload, slow.peak - idle);
    }
    const treeMb = mb(totalBytes);
    const exportMbPerS = treeMb / (median(exportMs) / 1000);
    const baselineMbPerS = treeMb / (median(baseline) / 1000);
    console.log(
      JSON.stringify({
        name: "runs-export",
        description: `POST /api/v1/projects/:id/export of a ${files}-file, ${treeMb} MB tree (half text, half random bytes) until completed, then the download (read at once, and by a client that stops reading for 2 s), vs git archive --format=zip to /dev/null; median of ${rounds} after a warm-up round`,
        tree: { files, megabytes: treeMb, zipMegabytes: Number(mb(zipBytes).toFixed(1)) },
        baseline: {
          what: "git archive --format=zip --output=/dev/null",
          ms: Number(median(baseline).toFixed(0)),
          mbPerSecond: Number(baselineMbPerS.toFixed(1)),
        },
        subject: {
          what: "POST export, poll status until completed (a job runs git archive into DATA_DIR/exports)",
          ms: Number(median(exportMs).toFixed(0)),
          mbPerSecond: Number(exportMbPerS.toFixed(1)),
          downloadMs: Number(median(downloadMs).toFixed(0)),
          downloadMbPerSecond: Number((mb(zipBytes) / (median(downloadMs) / 1000)).toFixed(1)),
        },
        ratio: Number((exportMbPerS / baselineMbPerS).toFixed(3)),
        kilnRssGrowthMb: {
          export: Number(mb(growth.export).toFixed(1)),
          download: Number(mb(growth.download).toFixed(1)),
          slowDownload: Number(mb(growth.slowDownload).toFixed(1)),
          idleMb: Number(mb(rssBytes(kiln.pid)).toFixed(0)),
        },
        goal: "export >= 0.5x git archive's MB/s (it includes the job queue's pickup); while downloading (fast or paused client), Kiln's RSS grows by < 25% of the zip's size (holding the zip in memory would be > 100%); while exporting (git writes the file, the client polls), by < 32 MB",
        met:
          exportMbPerS >= 0.5 * baselineMbPerS &&
          Math.max(growth.download, growth.slowDownload) < 0.25 * zipBytes &&
          growth.export < 32 * 1024 * 1024,
      }),
    );
  } finally {
    await kiln.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
