import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { DataDirInUseError, lockDataDir, unlockDataDir } from "./data-dir-lock";

const lockModule = path.join(import.meta.dirname, "data-dir-lock.ts");
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "kiln-lock-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Another process that takes DATA_DIR and keeps it until it is killed. */
async function holder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { lockDataDir } from ${JSON.stringify(lockModule)};
       lockDataDir(process.argv[1]); console.log("held"); setInterval(() => {}, 60_000);`,
      dataDir,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("held") && resolve());
    child.once("exit", (code) => reject(new Error(`the holder exited with ${code}: ${errors}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

describe("the DATA_DIR lock", () => {
  test("while another process holds DATA_DIR, taking it fails naming that process and the way out", async () => {
    const dataDir = tempDir();
    const other = await holder(dataDir);
    try {
      let refusal: unknown;
      try {
        lockDataDir(dataDir);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(DataDirInUseError);
      expect((refusal as DataDirInUseError).holderPid).toBe(other.pid);
      expect((refusal as Error).message).toContain(`pid ${other.pid}`);
      expect((refusal as Error).message).toContain("DATABASE_URL");
    } finally {
      await kill(other);
    }
  });

  test("a process that gives DATA_DIR up lets the next one take it while it lives on", async () => {
    const dataDir = tempDir();
    lockDataDir(dataDir);
    unlockDataDir(dataDir);
    await kill(await holder(dataDir));
  });

  test("a holder killed with SIGKILL leaves nothing that blocks the next one", async () => {
    const dataDir = tempDir();
    await kill(await holder(dataDir));
    expect(() => lockDataDir(dataDir)).not.toThrow();
    // Held by this process now: taking it again here is fine, another process is refused.
    expect(() => lockDataDir(dataDir)).not.toThrow();
    const refused = await holder(dataDir).then(
      async (child) => {
        await kill(child);
        return "another process took DATA_DIR";
      },
      (error: Error) => error.message,
    );
    expect(refused).toContain("the holder exited with 1");
    expect(refused).toContain(`in use by another Kiln process (pid ${process.pid})`);
  });

  test("of six processes taking one DATA_DIR at the same instant, exactly one gets it", async () => {
    const dataDir = tempDir();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => holder(dataDir)));
    const winners = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    try {
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === "rejected") {
          expect(String(result.reason)).toContain(`(pid ${winners[0]!.pid})`);
        }
      }
    } finally {
      await Promise.all(winners.map(kill));
    }
  });
});
