import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runKilnToExit, startKiln } from "../support/kiln-server";

// Start-up configuration, through the real server process.

describe("configuration", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kiln-config-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ["KILN_TRUST_PROXY", "maybe"],
    ["KILN_RATE_LIMIT_GENERAL", "100"],
    ["DATABASE_URL", "not a url"],
    ["KILN_SECRET", "too-short"],
    ["KILN_BODY_LIMIT_BYTES", "12"],
  ])("a bad %s stops start-up with a message naming it", async (name, value) => {
    const { code, output } = await runKilnToExit({ DATA_DIR: tempDir(), [name]: value });
    expect(code).toBe(1);
    expect(output).toContain("Kiln cannot start. Invalid configuration:");
    expect(output).toContain(`${name}:`);
    expect(output).not.toContain("Kiln ready");
  });

  test("half of a pair is named with its missing partner", async () => {
    const { code, output } = await runKilnToExit({
      DATA_DIR: tempDir(),
      UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
    });
    expect(code).toBe(1);
    expect(output).toContain(
      "UPSTASH_REDIS_REST_TOKEN: required when UPSTASH_REDIS_REST_URL is set",
    );
  });

  test("KILN_SECRET is generated into DATA_DIR on first start (0600) and reused after", async () => {
    const dataDir = tempDir();
    const first = await startKiln({ dataDir });
    await first.stop();
    const file = path.join(dataDir, "secret");
    const secret = readFileSync(file, "utf8");
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await startKiln({ dataDir });
    await second.stop();
    expect(readFileSync(file, "utf8")).toBe(secret);
  });

  test("with KILN_SECRET set no secret file is written", async () => {
    const dataDir = tempDir();
    const kiln = await startKiln({ dataDir, env: { KILN_SECRET: "ab".repeat(32) } });
    expect((await fetch(`${kiln.url}/health`)).status).toBe(200);
    await kiln.stop();
    expect(() => statSync(path.join(dataDir, "secret"))).toThrow();
  });
});
