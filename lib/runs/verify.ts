import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { git } from "@/lib/git/git";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import type { SandboxHandle } from "@/lib/sandbox/provider";
import { providerFor } from "@/lib/sandbox/providers";
import { sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import { outputBatcher } from "./verify-output";
import { mapAcceptance, planVerification, type VerifyStepName } from "./verify-plan";

// Verification of a build run: the merged app is copied into a fresh local sandbox on the Kiln
// template it builds on (whose dependencies come prepared, so it builds offline), its install,
// build and test scripts run there with their output streamed as events, and each acceptance
// criterion is mapped to the tasks and tests that cover it. Nothing of the app runs on the host.

export interface VerificationStep {
  name: VerifyStepName;
  command: string;
  exitCode: number | null;
  durationMs: number;
  /** Why it did not run. */
  skipped?: string;
  /** Why it could not run or did not finish (a limit, a missing package). */
  error?: string;
}

export interface VerificationResult {
  passed: boolean;
  template: string;
  steps: VerificationStep[];
  acceptance: ReturnType<typeof mapAcceptance>;
}

type VerifyEvent = {
  type: "VERIFY_STARTED" | "VERIFY_OUTPUT" | "VERIFY_COMPLETED";
  payload: Record<string, unknown>;
};

/** The app's tracked files as text (the model writes text; anything else is left out). */
async function readApp(dir: string): Promise<Map<string, string>> {
  const listed = (await git(["ls-files", "-z"], { cwd: dir })).split("\0").filter(Boolean);
  const files = new Map<string, string>();
  for (const file of listed) {
    const bytes = await readFile(path.join(dir, file));
    const text = bytes.toString("utf8");
    if (Buffer.byteLength(text) === bytes.length && !text.includes("\0")) files.set(file, text);
  }
  return files;
}

/** Which of the app's dependencies the sandbox cannot resolve (the template lacks them). */
async function missingDependencies(handle: SandboxHandle, dependencies: string[]) {
  if (dependencies.length === 0) return [];
  const probe = `for (const d of ${JSON.stringify(dependencies)}) { try { require.resolve(d + "/package.json", { paths: [process.cwd()] }) } catch { console.log(d) } }`;
  const outcome = await handle.runCommand({
    command: `node -e '${probe.replaceAll("'", "'\\''")}'`,
    workingDirectory: sandboxRoot,
    timeoutMs: 30_000,
  });
  return outcome.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

export async function verifyRun(options: {
  dir: string;
  acceptance: { id: string; text: string; requirement?: string | undefined }[];
  tasks: { slug: string; requirements: string[]; files: string[] }[];
  userId: string;
  emit: (event: VerifyEvent) => Promise<void>;
  signal?: AbortSignal;
}): Promise<VerificationResult> {
  const env = getEnv();
  const files = await readApp(options.dir);
  const plan = planVerification(files);
  await options.emit({
    type: "VERIFY_STARTED",
    payload: { template: plan.template, steps: plan.steps.map((s) => s.name) },
  });
  const output = outputBatcher({
    emit: (payload) => options.emit({ type: "VERIFY_OUTPUT", payload: { ...payload } }),
  });
  const steps: VerificationStep[] = [];
  const provider = await providerFor("local");
  const handle = await provider.create({
    sbxId: prefixedId("sbx"),
    template: plan.template,
    lifetimeMs: env.KILN_VERIFY_STEP_TIMEOUT_MS * 4,
    metadata: { purpose: "verify" },
  });
  try {
    await handle.writeFiles([...files].map(([file, content]) => ({ path: file, content })));
    await handle.prepare?.((progress) =>
      output.write("prepare", "stdout", `${progress.message}\n`),
    );
    for (const planned of plan.steps) {
      if (options.signal?.aborted) break;
      if (planned.skipped) {
        steps.push({
          name: planned.name,
          command: "",
          exitCode: null,
          durationMs: 0,
          skipped: planned.skipped,
        });
        continue;
      }
      if (planned.name === "install") {
        const missing = await missingDependencies(handle, plan.dependencies);
        if (missing.length === 0) {
          steps.push({
            name: "install",
            command: "",
            exitCode: null,
            durationMs: 0,
            skipped: `every dependency comes prepared with the ${plan.template} template`,
          });
          continue;
        }
        if (env.KILN_SANDBOX_INSTALL_NETWORK !== "on") {
          steps.push({
            name: "install",
            command: planned.command,
            exitCode: null,
            durationMs: 0,
            error: `needs ${missing.join(", ")}, which the ${plan.template} template does not provide, and this server installs nothing (KILN_SANDBOX_INSTALL_NETWORK=off)`,
          });
          break;
        }
      }
      const started = performance.now();
      const outcome = await handle.runCommand({
        command: planned.command,
        workingDirectory: sandboxRoot,
        timeoutMs: env.KILN_VERIFY_STEP_TIMEOUT_MS,
        network: planned.name === "install",
        signal: options.signal,
        onStdout: (chunk) => output.write(planned.name, "stdout", chunk),
        onStderr: (chunk) => output.write(planned.name, "stderr", chunk),
      });
      await output.flush();
      steps.push({
        name: planned.name,
        command: planned.command,
        exitCode: outcome.exitCode,
        durationMs: Math.round(performance.now() - started),
        ...(outcome.limit ? { error: `stopped at its ${outcome.limit} limit` } : {}),
      });
      // A failed step fails verification; the steps after it would only fail the same way.
      if (outcome.exitCode !== 0 || outcome.limit) break;
    }
  } finally {
    await output.close("verify");
    await handle.kill().catch((error) => log.warn("verification sandbox not stopped", { error }));
  }
  const ran = steps.filter((s) => !s.skipped);
  const passed =
    !options.signal?.aborted && ran.length > 0 && ran.every((s) => s.exitCode === 0 && !s.error);
  const result: VerificationResult = {
    passed,
    template: plan.template,
    steps,
    acceptance: mapAcceptance({ acceptance: options.acceptance, tasks: options.tasks, files }),
  };
  await options.emit({ type: "VERIFY_COMPLETED", payload: { passed, steps } });
  return result;
}
