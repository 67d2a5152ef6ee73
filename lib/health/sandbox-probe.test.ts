import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

// The health probe must isolate its command exactly as a sandbox's own commands are isolated:
// a probe run with weaker options could report healthy while every real run fails.

const built = vi.hoisted(() => [] as { workspace: string; args: string[] }[]);
vi.mock("@/lib/sandbox/local/bwrap-args", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/sandbox/local/bwrap-args")>();
  return {
    ...actual,
    bwrapArgs: (...call: Parameters<typeof actual.bwrapArgs>) => {
      const args = actual.bwrapArgs(...call);
      built.push({ workspace: call[0].workspace, args });
      return args;
    },
  };
});

const dataDir = await mkdtemp(path.join(tmpdir(), "kiln-probe-test-"));
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * The arguments that isolate the command, without those that say what this run is given: its
 * workspace and read-only mounts (and the directories made for them), working directory and
 * environment.
 */
function isolation(args: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--setenv" || arg === "--ro-bind" || arg === "--bind") i += 2;
    else if (arg === "--chdir") i += 1;
    else if (arg === "--perms" && args[i + 2] === "--dir") i += 3;
    else kept.push(arg as string);
  }
  return kept;
}

test("the bubblewrap probe runs with the isolation of a sandbox's own commands", {
  timeout: 60_000,
}, async () => {
  const { probeSandbox } = await importWithEnv<typeof import("./sandbox-probe")>(
    "@/lib/health/sandbox-probe",
    { DATA_DIR: dataDir, DATABASE_URL: undefined, E2B_API_KEY: undefined },
  );
  const { localProvider } = await import("@/lib/sandbox/local/local-provider");

  expect(await probeSandbox()).toMatchObject({ status: "healthy" });
  const sandbox = await localProvider.create({
    sbxId: "sbx_probetest",
    template: "static-html",
    lifetimeMs: 60_000,
    metadata: {},
  });
  cleanups.push(() => localProvider.destroy("sbx_probetest", "sbx_probetest"));
  expect(
    await sandbox.runCommand({ command: "true", workingDirectory: "/workspace" }),
  ).toMatchObject({ exitCode: 0 });

  const probe = built.find((run) => path.basename(run.workspace).startsWith("kiln-probe-"));
  const real = built.find(
    (run) => run.workspace === path.join(dataDir, "sandboxes", "sbx_probetest", "workspace"),
  );
  expect(probe).toBeDefined();
  expect(real).toBeDefined();
  expect(isolation(probe!.args)).toEqual(isolation(real!.args));
  // What the comparison leaves out is where runs differ, not how they are held.
  expect(isolation(real!.args)).toContain("--seccomp");
  expect(isolation(real!.args)).toContain("--remount-ro");
});
