import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { freePort, runKilnToExit, startKiln } from "../support/kiln-server";

const answers = (url: string) =>
  fetch(url).then(
    (response) => response.status,
    () => "refused",
  );

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

  test("PORT and HOSTNAME from the environment are where Kiln listens, as with next start", async () => {
    const port = await freePort();
    const kiln = await startKiln({
      args: [],
      dataDir: tempDir(),
      env: { PORT: String(port), HOSTNAME: "127.0.0.2" },
    });
    try {
      expect(kiln.output()).toContain(`Kiln ready on http://localhost:${port} `);
      expect(await answers(`http://127.0.0.2:${port}/health`)).toBe(200);
      // Bound to 127.0.0.2 only: the same port on another loopback address has nobody behind it.
      expect(await answers(`http://127.0.0.1:${port}/health`)).toBe("refused");
    } finally {
      await kiln.stop();
    }
  }, 90_000);

  test("--port and --hostname win over PORT and HOSTNAME", async () => {
    const [flagPort, envPort] = [await freePort(), await freePort()];
    const kiln = await startKiln({
      args: ["--port", String(flagPort), "--hostname", "127.0.0.1"],
      dataDir: tempDir(),
      env: { PORT: String(envPort), HOSTNAME: "127.0.0.2" },
    });
    try {
      expect(await answers(`http://127.0.0.1:${flagPort}/health`)).toBe(200);
      expect(await answers(`http://127.0.0.2:${envPort}/health`)).toBe("refused");
    } finally {
      await kiln.stop();
    }
  }, 90_000);

  test("a KILN_SECRET from openssl rand -base64 32 starts Kiln; a 31-byte one does not", async () => {
    const dataDir = tempDir();
    const kiln = await startKiln({
      dataDir,
      env: { KILN_SECRET: randomBytes(32).toString("base64") },
    });
    // Storing a provider key encrypts it under the secret.
    const client = new TestClient(kiln.url);
    await client.signUp();
    const saved = await client.fetch("/api/settings/model-providers/openai", {
      method: "PUT",
      json: { apiKey: "sk-test-base64-secret-1234" },
    });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ provider: "openai" });
    await kiln.stop();
    expect(() => statSync(path.join(dataDir, "secret"))).toThrow();
    const short = await runKilnToExit({
      DATA_DIR: tempDir(),
      KILN_SECRET: randomBytes(31).toString("base64"),
    });
    expect(short.code).toBe(1);
    expect(short.output).toContain(
      "KILN_SECRET: expected 32 bytes as 64 hex characters or in base64",
    );
  }, 90_000);
});
