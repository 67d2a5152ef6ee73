import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { importWithEnv } from "@/tests/support/env";
import { needsNpmRegistry, npmRegistryReachable } from "@/tests/support/npm-registry";
import type { VerifyEvent } from "./verify";

// Verification in real bubblewrap sandboxes: small apps written to a directory, verified, and
// judged by their steps, their events and what their own code saw.

type Verify = typeof import("./verify");

let dataDir: string;
let scratch: string;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "kiln-verify-data-"));
  scratch = mkdtempSync(path.join(tmpdir(), "kiln-verify-apps-"));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const load = (env: Record<string, string> = {}) =>
  importWithEnv<Verify>("@/lib/runs/verify", {
    DATA_DIR: dataDir,
    DATABASE_URL: undefined,
    E2B_API_KEY: undefined,
    KILN_SANDBOX_INSTALL_NETWORK: "off",
    ...env,
  });

/** Writes an app into a fresh directory (a git repository, as a run's worktree is). */
function app(files: Record<string, string>): string {
  const dir = path.join(scratch, `app-${randomBytes(4).toString("hex")}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  execFileSync("git", ["init", "-q", dir]);
  return dir;
}

const manifest = (fields: Record<string, unknown>) =>
  JSON.stringify({ name: "generated-app", version: "1.0.0", private: true, ...fields });

function recorder() {
  const events: VerifyEvent[] = [];
  const emit = async (event: VerifyEvent) => {
    events.push(event);
  };
  const output = (step?: string) =>
    events
      .filter((e) => e.type === "VERIFY_OUTPUT" && (!step || e.payload.step === step))
      .map((e) => String(e.payload.text))
      .join("");
  return { events, emit, output };
}

const base = { acceptance: [], tasks: [], userId: "usr_test" };

describe("an app with no dependencies", () => {
  test("whose test fails does not pass, and the failure is in the events", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const dir = app({
      "package.json": manifest({ scripts: { test: "node --test" } }),
      "test/list.test.js": [
        'const test = require("node:test");',
        'const assert = require("node:assert");',
        'test("AC-2 lists three items", () => {',
        '  assert.strictEqual([1, 2].length, 3, "AC-2 expected three items on the list");',
        "});",
      ].join("\n"),
    });
    const { events, emit, output } = recorder();
    const result = await verifyRun({ ...base, dir, emit });
    expect(result.passed).toBe(false);
    const testStep = result.steps.find((s) => s.name === "test")!;
    expect(testStep).toMatchObject({ command: "npm test" });
    expect(testStep).not.toHaveProperty("skipped");
    expect(testStep.exitCode).not.toBe(0);
    expect(testStep.exitCode).not.toBeNull();
    expect(output("test")).toContain("AC-2 expected three items on the list");
    expect(events.at(0)?.type).toBe("VERIFY_STARTED");
    expect(events.at(-1)).toMatchObject({ type: "VERIFY_COMPLETED", payload: { passed: false } });
  });

  test("runs in the sandbox, never on the host, from a copy without .git or links", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const dir = app({
      "package.json": manifest({ scripts: { test: "node --test" } }),
      "where.test.js": [
        'const test = require("node:test");',
        'const fs = require("node:fs");',
        'test("reports where it runs", () => {',
        "  console.log('cwd=' + process.cwd() + ' git=' + fs.existsSync('.git'));",
        "  console.log('link=' + fs.existsSync('passwd-link') + ' host=' + fs.existsSync('/work'));",
        "});",
      ].join("\n"),
    });
    symlinkSync("/etc/passwd", path.join(dir, "passwd-link"));
    const { emit, output } = recorder();
    const result = await verifyRun({ ...base, dir, emit });
    expect(result.passed).toBe(true);
    expect(output("test")).toContain("cwd=/workspace git=false");
    expect(output("test")).toContain("link=false host=false");
    // The sandbox's workspace is gone afterwards.
    expect(readdirSync(path.join(dataDir, "verify"))).toEqual([]);
  });

  test("with no scripts skips every step with its reason and does not pass", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const dir = app({ "package.json": manifest({}), "index.js": "console.log('hi')\n" });
    const { events, emit } = recorder();
    const result = await verifyRun({ ...base, dir, emit });
    expect(result.passed).toBe(false);
    expect(result.steps).toEqual([
      expect.objectContaining({
        name: "install",
        exitCode: null,
        skipped: "the app has no dependencies",
      }),
      expect.objectContaining({ name: "check", skipped: "the app's own build and tests check it" }),
      expect.objectContaining({
        name: "build",
        exitCode: null,
        skipped: "package.json has no build script",
      }),
      expect.objectContaining({
        name: "test",
        exitCode: null,
        skipped: "package.json has no test script",
      }),
    ]);
    expect(events.filter((e) => e.type === "VERIFY_OUTPUT")).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(["VERIFY_STARTED", "VERIFY_COMPLETED"]);
  });

  test("removes workspaces abandoned by a verification that died, and only those", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const abandoned = path.join(dataDir, "verify", "vfy_00000000000000aa");
    const live = path.join(dataDir, "verify", "vfy_00000000000000bb");
    for (const dir of [abandoned, live])
      mkdirSync(path.join(dir, "workspace"), { recursive: true });
    const dayAgo = new Date(Date.now() - 24 * 3600 * 1000);
    utimesSync(abandoned, dayAgo, dayAgo);
    const dir = app({ "package.json": manifest({}) });
    await verifyRun({ ...base, dir, emit: recorder().emit });
    expect(readdirSync(path.join(dataDir, "verify"))).toEqual(["vfy_00000000000000bb"]);
    rmSync(live, { recursive: true });
  });

  test("with a broken package.json fails its install, saying why", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const dir = app({ "package.json": '{ "scripts": { "test": "node --test" }, }' });
    const { emit, output } = recorder();
    const result = await verifyRun({ ...base, dir, emit });
    expect(result.passed).toBe(false);
    expect(result.steps[0]).toMatchObject({ name: "install", exitCode: null });
    expect(result.steps[0]).not.toHaveProperty("skipped");
    expect(output("install")).toContain("package.json is not valid JSON");
    expect(result.steps[3]).toMatchObject({ skipped: "not run: package.json could not be read" });
  });

  test("with no package.json has each source file's syntax checked", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const good = app({ "src/a.js": "export const a = 1;\n", "tool.py": "print(1)\n" });
    const passing = await verifyRun({ ...base, dir: good, emit: recorder().emit });
    expect(passing).toMatchObject({ passed: true, template: "static-html" });
    expect(passing.steps.map((step) => [step.name, step.skipped ?? step.exitCode])).toEqual([
      ["install", "the app has no package.json"],
      ["check", 0],
      ["build", "the app has no package.json"],
      ["test", "the app has no package.json"],
    ]);
    expect(passing.steps[1]!.command).toBe(
      "node --check 'src/a.js' && python3 -m py_compile 'tool.py'",
    );
    const bad = app({ "src/a.js": "const a = ;\n" });
    const { emit, output } = recorder();
    const failing = await verifyRun({ ...base, dir: bad, emit });
    expect(failing.passed).toBe(false);
    expect(failing.steps[1]!.exitCode).not.toBe(0);
    expect(output("check")).toContain("SyntaxError");
  });

  test("whose build fails does not pass, and its tests are not run", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const dir = app({
      "package.json": manifest({ scripts: { build: "node build.js", test: "node --test" } }),
      "build.js": 'throw new Error("Build broke: missing config");\n',
      "app.test.js": 'require("node:test")("passes", () => {});\n',
    });
    const { emit, output } = recorder();
    const result = await verifyRun({ ...base, dir, emit });
    expect(result.passed).toBe(false);
    const [, , build, tests] = result.steps;
    expect(build).toMatchObject({ name: "build", command: "npm run build" });
    expect(build!.exitCode).not.toBe(0);
    expect(build!.skipped).toBeUndefined();
    expect(tests).toMatchObject({
      name: "test",
      exitCode: null,
      skipped: "not run: the build step failed",
    });
    expect(output("build")).toContain("Build broke: missing config");
  });

  test("a step past its time limit is killed and fails", { timeout: 60_000 }, async () => {
    const { verifyRun } = await load({ KILN_VERIFY_STEP_TIMEOUT_MS: "2000" });
    const dir = app({
      "package.json": manifest({ scripts: { test: 'node -e "setInterval(() => {}, 1000)"' } }),
    });
    const { emit, output } = recorder();
    const result = await verifyRun({ ...base, dir, emit });
    expect(result.passed).toBe(false);
    expect(result.steps[3]).toMatchObject({ name: "test", exitCode: null });
    expect(output("test")).toContain("ran past its limit of 2 s");
  });

  test("an abort mid-step kills the sandbox and rejects", { timeout: 60_000 }, async () => {
    const { verifyRun } = await load();
    const token = `kiln-verify-abort-${randomBytes(6).toString("hex")}`;
    const dir = app({
      "package.json": manifest({
        scripts: { test: `node -e "console.log('started'); setInterval(() => {}, 1000)" ${token}` },
      }),
    });
    const abort = new AbortController();
    const { emit, output } = recorder();
    let onStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      onStarted = resolve;
    });
    const verifying = verifyRun({
      ...base,
      dir,
      signal: abort.signal,
      emit: async (event) => {
        await emit(event);
        if (/^started$/m.test(output("test"))) onStarted();
      },
    });
    verifying.catch(() => {});
    await started;
    const running = () => execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes(token);
    expect(running()).toBe(true);
    abort.abort();
    await expect(verifying).rejects.toThrow(/abort/i);
    expect(running()).toBe(false);
    expect(readdirSync(path.join(dataDir, "verify"))).toEqual([]);
  });

  test("output beyond the cap is cut, batched, and said in a note", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load({ KILN_VERIFY_OUTPUT_MAX_KB: "4" });
    const dir = app({
      "package.json": manifest({
        scripts: { test: "node -e \"for (let i = 0; i < 20000; i++) console.log('line ' + i)\"" },
      }),
    });
    const { events, emit } = recorder();
    const result = await verifyRun({ ...base, dir, emit });
    expect(result.steps[3]).toMatchObject({ name: "test", exitCode: 0 });
    expect(result.passed).toBe(true);
    const outputs = events.filter((e) => e.type === "VERIFY_OUTPUT");
    const kept = outputs.filter((e) => !e.payload.truncated);
    expect(kept.map((e) => String(e.payload.text)).join("").length).toBeLessThanOrEqual(4096);
    // 20,000 lines, yet a handful of events.
    expect(outputs.length).toBeLessThan(20);
    expect(outputs.at(-1)!.payload).toMatchObject({
      step: "test",
      stream: "stderr",
      truncated: true,
    });
    expect(String(outputs.at(-1)!.payload.text)).toMatch(/output truncated: \d+ more characters/);
  });
});

const hasPytest = (() => {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import pytest"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasPytest)("a Python app", () => {
  test("runs pytest on the system's packages, offline, and maps its acceptance", {
    timeout: 60_000,
  }, async () => {
    const { verifyRun } = await load();
    const dir = app({
      "requirements.txt": "pytest\n",
      "totals.py": "def total(items):\n    return sum(items)\n",
      "tests/test_totals.py": [
        "from totals import total",
        "",
        "def test_sum_of_items():  # AC-1",
        "    assert total([1, 2, 3]) == 6",
        "",
        "def test_empty():",
        "    assert total([]) == 1, 'AC-2 an empty list totals one'",
      ].join("\n"),
      "conftest.py": "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n",
    });
    const { emit, output } = recorder();
    const result = await verifyRun({
      ...base,
      dir,
      emit,
      acceptance: [{ id: "AC-1", text: "Given items, when totalled, then the sum shows." }],
      tasks: [{ slug: "totals", requirements: ["FR-1"], files: ["totals.py"] }],
    });
    expect(result.steps).toEqual([
      expect.objectContaining({ name: "install", skipped: expect.stringMatching(/offline/) }),
      expect.objectContaining({
        name: "check",
        command: "python3 -m py_compile 'conftest.py' 'tests/test_totals.py' 'totals.py'",
        exitCode: 0,
      }),
      expect.objectContaining({ name: "build", skipped: "a Python app has no build step" }),
      expect.objectContaining({ name: "test", command: "pytest", exitCode: 1 }),
    ]);
    expect(result.passed).toBe(false);
    expect(output("test")).toContain("1 failed, 1 passed");
    expect(result.acceptance).toEqual([
      {
        id: "AC-1",
        text: "Given items, when totalled, then the sum shows.",
        tasks: ["totals"],
        tests: ["tests/test_totals.py: test_sum_of_items"],
        covered: true,
      },
    ]);
  });
});

const registryReachable = await npmRegistryReachable();

// The node-server template's prepared node_modules (express) is installed from the registry
// once, on first use, as every sandbox run does.
describe.skipIf(!registryReachable)(
  needsNpmRegistry("an app on the node-server template", registryReachable),
  () => {
    test("passes with the template's dependencies offline, and maps its acceptance", {
      timeout: 300_000,
    }, async () => {
      const { verifyRun } = await load();
      const dir = app({
        "package.json": manifest({
          scripts: { test: "node --test" },
          dependencies: { express: "^4.21.0" },
        }),
        "app.js": [
          'const express = require("express");',
          "const app = express();",
          'app.get("/hello", (req, res) => res.json({ hello: "world" }));',
          "module.exports = app;",
        ].join("\n"),
        "test/app.test.js": [
          'const test = require("node:test");',
          'const assert = require("node:assert");',
          'const app = require("../app");',
          'test("AC-1 answers hello", async () => {',
          "  const server = app.listen(0);",
          "  const { port } = server.address();",
          "  const body = await (await fetch('http://127.0.0.1:' + port + '/hello')).json();",
          "  server.close();",
          '  assert.deepStrictEqual(body, { hello: "world" });',
          "});",
        ].join("\n"),
      });
      const { events, emit } = recorder();
      const result = await verifyRun({
        ...base,
        dir,
        emit,
        acceptance: [
          { id: "AC-1", text: "Given the app, when GET /hello, then it answers world." },
          { id: "AC-10", text: "Given nothing, when anything, then nothing." },
        ],
        tasks: [
          { slug: "api", requirements: ["FR-1"], files: ["app.js"] },
          { slug: "docs", requirements: ["FR-2"], files: ["README.md"] },
        ],
      });
      expect(result.steps).toEqual([
        expect.objectContaining({
          name: "install",
          exitCode: null,
          skipped: expect.stringContaining("provided by the prepared Node.js"),
        }),
        expect.objectContaining({
          name: "check",
          skipped: "the app's own build and tests check it",
        }),
        expect.objectContaining({ name: "build", skipped: "package.json has no build script" }),
        expect.objectContaining({ name: "test", exitCode: 0 }),
      ]);
      expect(result.steps[3]).not.toHaveProperty("skipped");
      expect(result.passed).toBe(true);
      expect(result.acceptance).toEqual([
        {
          id: "AC-1",
          text: "Given the app, when GET /hello, then it answers world.",
          tasks: ["api"],
          tests: ["test/app.test.js: AC-1 answers hello"],
          covered: true,
        },
        {
          id: "AC-10",
          text: "Given nothing, when anything, then nothing.",
          tasks: [],
          tests: [],
          covered: false,
        },
      ]);
      expect(events.at(0)).toMatchObject({
        type: "VERIFY_STARTED",
        payload: { kind: "node", template: "node-server" },
      });
      expect(events.at(-1)).toMatchObject({ type: "VERIFY_COMPLETED", payload: { passed: true } });
    });

    test("a dependency the template lacks is installed offline, and fails without network", {
      timeout: 300_000,
    }, async () => {
      const { verifyRun } = await load();
      const dir = app({
        "package.json": manifest({
          scripts: { test: "node --test" },
          dependencies: { express: "4.22.3", "left-pad": "1.3.0" },
        }),
        "a.test.js": 'require("node:test")("uses left-pad", () => require("left-pad"));\n',
      });
      const { emit, output } = recorder();
      const result = await verifyRun({ ...base, dir, emit });
      expect(result.passed).toBe(false);
      expect(result.steps[0]).toMatchObject({ name: "install", command: "npm install --offline" });
      expect(result.steps[0]!.exitCode).not.toBe(0);
      expect(output("install")).toMatch(/ENOTCACHED|offline/i);
      expect(result.steps[3]).toMatchObject({ skipped: "not run: the install step failed" });
    });

    test("with network allowed by the operator, a missing dependency is installed and used", {
      timeout: 300_000,
    }, async () => {
      const { verifyRun } = await load({ KILN_SANDBOX_INSTALL_NETWORK: "on" });
      const dir = app({
        "package.json": manifest({
          scripts: { test: "node --test" },
          dependencies: { express: "4.22.3", "left-pad": "1.3.0" },
        }),
        "a.test.js": [
          'const test = require("node:test");',
          'const assert = require("node:assert");',
          'test("pads with both packages", () => {',
          '  assert.strictEqual(require("left-pad")("7", 3, "0"), "007");',
          '  assert.strictEqual(typeof require("express"), "function");',
          "});",
        ].join("\n"),
      });
      const { emit } = recorder();
      const result = await verifyRun({ ...base, dir, emit });
      expect(result.steps[0]).toMatchObject({
        name: "install",
        command: "npm install",
        exitCode: 0,
      });
      expect(result.steps[3]).toMatchObject({ name: "test", exitCode: 0 });
      expect(result.passed).toBe(true);
    });
  },
);
