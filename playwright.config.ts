import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

const port = 3210;
// The fake model server the IDE tests talk to, in place of a real provider.
const modelPort = 3211;
// The fake GitHub the Settings and import tests talk to.
const githubPort = 3212;
const baseURL = `http://127.0.0.1:${port}`;
// A fresh database for every run, so the first sign-up is the admin and nothing leaks between runs.
const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-e2e-"));

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  timeout: 60_000,
  use: {
    baseURL,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium: browsers cannot be downloaded on these machines.
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: [
    {
      // Slow enough that a test can act while a fragment is still being written (Stop, the
      // Auto-run switch, the code growing), however fast the machine is.
      command: `node tests/support/fake-openai-server.ts --port ${modelPort} --chunk-delay 30`,
      url: `http://127.0.0.1:${modelPort}/v1/models`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    },
    {
      command: `node tests/support/fake-github-server.ts --port ${githubPort}`,
      url: `http://127.0.0.1:${githubPort}/user`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    },
    {
      command: `node --experimental-async-context-frame --max-semi-space-size=64 server.ts --port ${port} --hostname 127.0.0.1`,
      url: `${baseURL}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      // SIGTERM lets Kiln unmount its sandboxes' workspace volumes before it exits.
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
      env: {
        NODE_ENV: "production",
        DATA_DIR: dataDir,
        OPENAI_BASE_URL: `http://127.0.0.1:${modelPort}/v1`,
        GITHUB_API_URL: `http://127.0.0.1:${githubPort}`,
        // The specs share this one server and leave their sandboxes to expire: the machine-wide
        // cap (20 by default) is the limits specs' to test, not a budget for the whole suite.
        KILN_SANDBOX_MAX_TOTAL: "200",
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
      },
    },
  ],
});
