// Time from starting Kiln to its first 200 on /health: with an empty DATA_DIR (first run: the
// embedded database is created and migrated, the secret generated) against the same data
// directory started again (the baseline: nothing left to create).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cleanEnv, serverFlags } from "../tests/support/kiln-server.ts";

const root = path.resolve(import.meta.dirname, "..");
const runs = 3;
const port = 3290;

async function timeToHealthy(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...serverFlags, "server.ts", "--port", String(port), "--hostname", "127.0.0.1"],
    { cwd: root, env: cleanEnv({ NODE_ENV: "production", DATA_DIR: dataDir }), stdio: "ignore" },
  );
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`Kiln exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const cold: number[] = [];
const warm: number[] = [];
for (let i = 0; i < runs; i++) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-bench-start-"));
  try {
    cold.push(await timeToHealthy(dataDir));
    warm.push(await timeToHealthy(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
const coldMs = Math.round(median(cold));
const warmMs = Math.round(median(warm));
console.log(
  JSON.stringify({
    name: "startup-to-healthy",
    description: "start to first 200 on /health: empty DATA_DIR vs the same DATA_DIR again",
    runs,
    baseline: { case: "existing DATA_DIR", medianMs: warmMs, samplesMs: warm.map(Math.round) },
    subject: { case: "empty DATA_DIR", medianMs: coldMs, samplesMs: cold.map(Math.round) },
    firstRunCostMs: coldMs - warmMs,
    ratio: Number((coldMs / warmMs).toFixed(3)),
  }),
);
