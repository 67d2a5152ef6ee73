import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { cleanEnv, runKilnToExit, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// The embedded database lives in DATA_DIR and allows one process: these tests start Kilns of
// their own on data directories of their own, kill them, and back them up and restore them.
// Each test starts several Kilns, each first start creating a database: hence the long limit.
const slow = { timeout: 180_000 };

const root = path.resolve(import.meta.dirname, "../..");
const password = "correct horse battery";

const dirs: string[] = [];
function tempDir(prefix = "kiln-data-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs what `./kiln backup` or `./kiln restore` runs, and returns how it ended. */
function runScript(
  command: "backup" | "restore",
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "scripts", `${command}.ts`), ...args], {
      cwd: root,
      env: cleanEnv(env),
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

async function logInStatus(url: string, account: { email: string; password: string }) {
  const response = await new TestClient(url).fetch("/api/auth/login", {
    method: "POST",
    json: { email: account.email, password: account.password },
  });
  return response.status;
}

async function databaseHealth(url: string) {
  const response = await fetch(`${url}/health`);
  const body = (await response.json()) as { components: { database: string } };
  return { status: response.status, database: body.components.database };
}

describe("one Kiln per DATA_DIR", slow, () => {
  test("a second Kiln on a DATA_DIR in use refuses to start, naming the first one's pid, and the data survives both", async () => {
    const dataDir = tempDir();
    const first = await startKiln({ env: suiteEnv, dataDir });
    let account: { email: string; password: string };
    try {
      account = await new TestClient(first.url).signUp();
      const second = await runKilnToExit({ ...suiteEnv, DATA_DIR: dataDir });
      expect(second.code).toBe(1);
      expect(second.output).toContain(`in use by another Kiln process (pid ${first.pid})`);
      expect(second.output).toContain("DATABASE_URL");
      expect(second.output).not.toContain("Kiln ready");
      expect(await logInStatus(first.url, account)).toBe(200);
    } finally {
      await first.stop();
    }
    const again = await startKiln({ env: suiteEnv, dataDir });
    try {
      expect(await databaseHealth(again.url)).toEqual({ status: 200, database: "healthy" });
      expect(await logInStatus(again.url, account)).toBe(200);
    } finally {
      await again.stop();
    }
  });

  test("of two Kilns started at the same instant on one DATA_DIR, exactly one serves", async () => {
    const dataDir = tempDir();
    const results = await Promise.allSettled([
      startKiln({ env: suiteEnv, dataDir }),
      startKiln({ env: suiteEnv, dataDir }),
    ]);
    const served = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    try {
      // How each start ended, for a failure's message.
      const ends = results.map((r) => (r.status === "fulfilled" ? "served" : String(r.reason)));
      expect(served, ends.join("\n---\n")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected");
      expect(String(refused?.reason)).toContain("Kiln exited with 1 before it was ready");
      expect(String(refused?.reason)).toContain(`(pid ${served[0]!.pid})`);
      const account = await new TestClient(served[0]!.url).signUp();
      expect(await logInStatus(served[0]!.url, account)).toBe(200);
    } finally {
      await Promise.all(served.map((s) => s.stop()));
    }
  });

  test("after a SIGKILL in a burst of sign-ups, the next start serves every acknowledged account", async () => {
    const dataDir = tempDir();
    const first = await startKiln({ env: suiteEnv, dataDir });
    const acknowledged: { email: string; password: string }[] = [];
    let killed: Promise<void> | undefined;
    // Each sender always has a sign-up in flight, so the kill lands among unanswered writes.
    const sender = async (name: number) => {
      for (let i = 0; ; i++) {
        const email = `burst-${name}-${i}@example.test`;
        try {
          const response = await new TestClient(first.url).fetch("/api/auth/signup", {
            method: "POST",
            json: { email, password },
          });
          if (response.status === 201) acknowledged.push({ email, password });
        } catch {
          return; // the server is gone
        }
        if (acknowledged.length === 30) killed ??= first.kill();
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, name) => sender(name)));
    await killed;
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);

    // The kernel released the dead process's lock: the next start is not blocked.
    const second = await startKiln({ env: suiteEnv, dataDir });
    try {
      expect(await databaseHealth(second.url)).toEqual({ status: 200, database: "healthy" });
      const statuses = await Promise.all(acknowledged.map((a) => logInStatus(second.url, a)));
      expect(statuses).toEqual(acknowledged.map(() => 200));
    } finally {
      await second.stop();
    }
  });
});

describe("backup and restore of an embedded install", slow, () => {
  test("a backup taken while Kiln runs and takes sign-ups restores into a new DATA_DIR where the accounts log in", async () => {
    const dataDir = tempDir();
    const file = path.join(tempDir("kiln-backup-"), "kiln-backup.tar.gz");
    const kiln = await startKiln({ env: suiteEnv, dataDir });
    let before: { email: string; password: string }[];
    try {
      before = await Promise.all(
        Array.from({ length: 5 }, () => new TestClient(kiln.url).signUp()),
      );
      let isBackingUp = true;
      const writes = (async () => {
        while (isBackingUp) await new TestClient(kiln.url).signUp();
      })();
      const backup = await runScript("backup", [file], { DATA_DIR: dataDir });
      isBackingUp = false;
      await writes;
      expect(backup).toEqual({ code: 0, output: `kiln: backed up ${dataDir} to ${file}\n` });
      // It holds the secret that decrypts stored provider keys.
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const refused = await runScript("restore", [file], { DATA_DIR: dataDir });
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(`in use by another Kiln process (pid ${kiln.pid})`);
    } finally {
      await kiln.stop();
    }

    const restoredDir = tempDir();
    const restore = await runScript("restore", [file], { DATA_DIR: restoredDir });
    expect(restore).toEqual({
      code: 0,
      output: `kiln: restored ${file} into ${restoredDir}\n`,
    });
    expect(readFileSync(path.join(restoredDir, "secret"), "utf8")).toBe(
      readFileSync(path.join(dataDir, "secret"), "utf8"),
    );
    expect(statSync(path.join(restoredDir, "secret")).mode & 0o777).toBe(0o600);
    const restored = await startKiln({ env: suiteEnv, dataDir: restoredDir });
    try {
      expect(await databaseHealth(restored.url)).toEqual({ status: 200, database: "healthy" });
      const statuses = await Promise.all(before.map((a) => logInStatus(restored.url, a)));
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await restored.stop();
    }
  });

  test("with no Kiln running, a backup restores over a later state, which is kept aside", async () => {
    const dataDir = tempDir();
    const file = path.join(tempDir("kiln-backup-"), "kiln-backup.tar.gz");
    const first = await startKiln({ env: suiteEnv, dataDir });
    const early = await new TestClient(first.url).signUp().finally(() => first.stop());
    expect((await runScript("backup", [file], { DATA_DIR: dataDir })).code).toBe(0);

    const second = await startKiln({ env: suiteEnv, dataDir });
    const late = await new TestClient(second.url).signUp().finally(() => second.stop());
    const restore = await runScript("restore", [file], { DATA_DIR: dataDir });
    expect(restore.code).toBe(0);
    const aside = readdirSync(dataDir).filter((name) => name.startsWith("before-restore-"));
    expect(aside).toHaveLength(1);
    expect(readdirSync(path.join(dataDir, aside[0]!)).sort()).toEqual(["pgdata", "secret"]);

    const third = await startKiln({ env: suiteEnv, dataDir });
    try {
      expect(await logInStatus(third.url, early)).toBe(200);
      expect(await logInStatus(third.url, late)).toBe(401);
    } finally {
      await third.stop();
    }
  });

  test("on Postgres (DATABASE_URL) the commands point to pg_dump and pg_restore", async () => {
    const env = { DATA_DIR: tempDir(), DATABASE_URL: "postgres://kiln@127.0.0.1:1/kiln" };
    const backup = await runScript("backup", [path.join(env.DATA_DIR, "b.tar.gz")], env);
    expect(backup.code).toBe(1);
    expect(backup.output).toContain("back it up with pg_dump");
    const restore = await runScript("restore", [path.join(env.DATA_DIR, "b.tar.gz")], env);
    expect(restore.code).toBe(1);
    expect(restore.output).toContain("restore it with pg_restore");
  });
});
