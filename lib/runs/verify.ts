import "server-only";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { runInSandbox, type SandboxResult } from "@/lib/sandbox/local/bwrap";
import { findTestFiles, mapAcceptance } from "./verify-acceptance";
import { prepareContext, type StepName } from "./verify-context";
import { OutputBatcher } from "./verify-output";
import { detectProject } from "./verify-project";
import { copyIntoWorkspace } from "./verify-workspace";

// Verification of a run's merged app: its install, build and test commands, each in a fresh
// local bubblewrap sandbox workspace holding a copy of the app, never on the host. A Node.js app
// on one of Kiln's templates gets that template's prepared node_modules, read-only, exactly as a
// sandbox run does; anything more is installed only as the server's install policy allows
// (KILN_SANDBOX_INSTALL_NETWORK), and offline otherwise. The app passes when no step that ran
// failed and its tests ran: a step with nothing to run is skipped with the reason, never passed.

export interface VerificationResult {
  passed: boolean;
  /** The Kiln template whose sandbox (and prepared packages) the app was verified on. */
  template: string;
  steps: {
    name: StepName;
    command: string;
    exitCode: number | null;
    durationMs: number;
    skipped?: string /* why */;
  }[];
  acceptance: { id: string; text: string; tasks: string[]; tests: string[]; covered: boolean }[];
}

type Step = VerificationResult["steps"][number];

export interface VerifyEvent {
  type: "VERIFY_STARTED" | "VERIFY_OUTPUT" | "VERIFY_COMPLETED";
  payload: Record<string, unknown>;
}

const MiB = 1024 * 1024;

export async function verifyRun(options: {
  dir: string;
  /** `requirement` is the FR the criterion proves, when the spec says (it names its tasks). */
  acceptance: { id: string; text: string; requirement?: string | undefined }[];
  tasks: { slug: string; requirements: string[]; files: string[] }[];
  userId: string;
  emit: (e: {
    type: "VERIFY_STARTED" | "VERIFY_OUTPUT" | "VERIFY_COMPLETED";
    payload: Record<string, unknown>;
  }) => Promise<void>;
  signal?: AbortSignal;
}): Promise<VerificationResult> {
  const { dir, emit, signal } = options;
  signal?.throwIfAborted();
  const env = getEnv();
  const project = await detectProject(dir);
  const acceptance = mapAcceptance({
    acceptance: options.acceptance,
    tasks: options.tasks,
    testFiles: await findTestFiles(dir),
  });
  // A plain sandbox (Node.js and Python, nothing prepared) for an app on none of the templates.
  const template = (project.kind === "node" && project.template) || "static-html";
  await emit({ type: "VERIFY_STARTED", payload: { kind: project.kind, template } });

  const budget = { remaining: env.KILN_VERIFY_OUTPUT_MAX_KB * 1024 };
  const steps: Step[] = [];
  const copy = await copyIntoWorkspace(dir);
  try {
    const context = await prepareContext(project, copy.workspace, env.KILN_SANDBOX_INSTALL_NETWORK);
    let failed: StepName | undefined;
    for (const planned of context.plan) {
      if (planned.skipped || failed) {
        const skipped = planned.skipped ?? `not run: the ${failed} step failed`;
        steps.push({
          name: planned.name,
          command: planned.command,
          exitCode: null,
          durationMs: 0,
          skipped,
        });
        continue;
      }
      const output = new OutputBatcher(
        planned.name,
        (payload) => emit({ type: "VERIFY_OUTPUT", payload }),
        budget,
      );
      output.write("stdout", `$ ${planned.command}\n`);
      const before = performance.now();
      let result: Pick<SandboxResult, "exitCode" | "limit">;
      try {
        if (planned.error) throw new Error(planned.error);
        if (planned.name === "install" && context.beforeInstall) await context.beforeInstall();
        result = await runInSandbox({
          workspace: copy.workspace,
          command: ["/bin/sh", "-c", planned.script ?? planned.command],
          network: planned.network,
          readOnlyBinds: await context.binds(),
          env: context.env(planned.network),
          limits: {
            wallMs: env.KILN_VERIFY_STEP_TIMEOUT_MS,
            memoryBytes: 2048 * MiB,
            processes: 256,
            fileBytes: 1024 * MiB,
          },
          streamOnly: true,
          onStdout: (text) => output.write("stdout", text),
          onStderr: (text) => output.write("stderr", text),
          signal,
          bwrap: env.KILN_SANDBOX_BWRAP,
        }).done;
      } catch (error) {
        output.write("stderr", `${error instanceof Error ? error.message : String(error)}\n`);
        result = { exitCode: null };
      }
      const durationMs = Math.round(performance.now() - before);
      if (result.limit === "wall") {
        output.write(
          "stderr",
          `[killed: the ${planned.name} step ran past its limit of ${env.KILN_VERIFY_STEP_TIMEOUT_MS / 1000} s]\n`,
        );
      } else if (result.limit) {
        output.write(
          "stderr",
          `[killed: the ${planned.name} step hit its ${result.limit} limit]\n`,
        );
      }
      await output.close();
      signal?.throwIfAborted();
      const exitCode = result.limit ? null : result.exitCode;
      steps.push({ name: planned.name, command: planned.command, exitCode, durationMs });
      if (exitCode !== 0) failed = planned.name;
    }
  } finally {
    await copy.remove();
  }

  // Something must have run: a run whose steps were all skipped is not verified.
  const ran = steps.filter((step) => step.skipped === undefined);
  const passed = ran.length > 0 && ran.every((step) => step.exitCode === 0);
  const result: VerificationResult = { passed, template, steps, acceptance };
  log.info("run verified", {
    userId: options.userId,
    outcome: passed ? "passed" : "failed",
    steps: steps
      .map((step) => `${step.name}:${step.skipped ? "skipped" : step.exitCode}`)
      .join(" "),
  });
  await emit({
    type: "VERIFY_COMPLETED",
    payload: {
      passed,
      steps,
      acceptance: acceptance.map(({ id, covered, tests, tasks }) => ({
        id,
        covered,
        tests,
        tasks,
      })),
    },
  });
  return result;
}
