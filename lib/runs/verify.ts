import "server-only";
import { lstat } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import { runInSandbox, type SandboxResult } from "@/lib/sandbox/local/bwrap";
import { sandboxNodeRuntime } from "@/lib/sandbox/local/node-runtime";
import { hasPythonModule } from "@/lib/sandbox/local/templates/python-modules";
import {
  type PreparedTemplate,
  prepareTemplate,
} from "@/lib/sandbox/local/templates/template-cache";
import {
  copyTemplateDependencies,
  templateBinds,
} from "@/lib/sandbox/local/templates/template-workspace";
import { ensureWorkspaceDirectory } from "@/lib/sandbox/local/workspace";
import { sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import { getTemplate } from "@/lib/templates/templates";
import { findTestFiles, mapAcceptance } from "./verify-acceptance";
import { OutputBatcher } from "./verify-output";
import { detectProject, type NodeProject, type VerifiedProject } from "./verify-project";
import { copyIntoWorkspace } from "./verify-workspace";

// Verification of a run's merged app: its install, build and test commands, each in a fresh
// local bubblewrap sandbox workspace holding a copy of the app, never on the host. A Node.js app
// on one of Kiln's templates gets that template's prepared node_modules, read-only, exactly as a
// sandbox run does; anything more is installed only as the server's install policy allows
// (KILN_SANDBOX_INSTALL_NETWORK), and offline otherwise. The app passes when no step that ran
// failed and its tests ran: a step with nothing to run is skipped with the reason, never passed.

export type StepName = "install" | "check" | "build" | "test";

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

interface Planned {
  name: StepName;
  command: string;
  /** What runs in the sandbox's shell; `command` is what people read. */
  script?: string;
  skipped?: string;
  /** Why the step could not start: it fails with this as its output. */
  error?: string;
  network?: boolean;
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

interface Context {
  plan: Planned[];
  binds(): Promise<{ host: string; sandbox: string }[]>;
  env(network?: boolean): Record<string, string>;
  /** Work the install needs first (a writable copy of the template's packages). */
  beforeInstall?: () => Promise<void>;
}

async function prepareContext(
  project: VerifiedProject,
  workspace: string,
  installNetwork: "on" | "off",
): Promise<Context> {
  const node = sandboxNodeRuntime();
  const baseEnv = (network?: boolean): Record<string, string> => ({
    PATH: `${node.pathPrefix}:/usr/local/bin:/usr/bin:/bin`,
    CI: "1",
    NEXT_TELEMETRY_DISABLED: "1",
    NUXT_TELEMETRY_DISABLED: "1",
    npm_config_cache: `${sandboxRoot}/.npm-cache`,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    PIP_USER: "1",
    PIP_BREAK_SYSTEM_PACKAGES: "1",
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    ...(network ? node.networkEnv : {}),
  });
  if (project.kind === "node") return nodeContext(project, workspace, installNetwork, baseEnv);
  const binds = async () => node.binds;
  if (project.kind === "python") {
    const hasPytest = await hasPythonModule("pytest");
    const install: Planned = !project.hasRequirements
      ? {
          name: "install",
          command: "pip install -r requirements.txt",
          skipped: "the app has no requirements.txt",
        }
      : installNetwork === "on"
        ? {
            name: "install",
            command: "pip install -r requirements.txt",
            script: "/usr/bin/python3 -m pip install --user -r requirements.txt",
            network: true,
          }
        : {
            name: "install",
            command: "pip install -r requirements.txt",
            skipped:
              "sandboxes are offline on this server (KILN_SANDBOX_INSTALL_NETWORK=off): the app runs on the system's Python packages",
          };
    return {
      binds,
      env: baseEnv,
      plan: [
        install,
        checkStep(project.sources, "the app has no Python files"),
        { name: "build", command: "", skipped: "a Python app has no build step" },
        !project.hasTests
          ? { name: "test", command: "pytest", skipped: "the app has no test_*.py files" }
          : !hasPytest
            ? { name: "test", command: "pytest", skipped: "pytest is not installed on this server" }
            : { name: "test", command: "pytest", script: "/usr/bin/python3 -m pytest -q" },
      ],
    };
  }
  // No project file: nothing to install, build or test, but every source file's syntax is
  // checked, so that a run is never called verified when nothing ran.
  const why = "the app has no package.json";
  return {
    binds,
    env: baseEnv,
    plan: [
      { name: "install", command: "", skipped: why },
      checkStep(project.sources, "the app has no JavaScript or Python files"),
      { name: "build", command: "", skipped: why },
      { name: "test", command: "", skipped: why },
    ],
  };
}

const quote = (file: string) => `'${file.replaceAll("'", "'\\''")}'`;

/** Each JavaScript file through `node --check` and the Python files through py_compile. */
function checkStep(sources: string[], none: string): Planned {
  const scripts = sources.filter((file) => /\.(c|m)?js$/.test(file));
  const python = sources.filter((file) => file.endsWith(".py"));
  const checks = [
    ...scripts.map((file) => `node --check ${quote(file)}`),
    ...(python.length > 0 ? [`python3 -m py_compile ${python.map(quote).join(" ")}`] : []),
  ];
  if (checks.length === 0) return { name: "check", command: "", skipped: none };
  return { name: "check", command: checks.join(" && ") };
}

async function nodeContext(
  project: NodeProject,
  workspace: string,
  installNetwork: "on" | "off",
  baseEnv: Context["env"],
): Promise<Context> {
  const node = sandboxNodeRuntime();
  const npm = (args: string) =>
    node.npmCli ? `"${node.node}" "${node.npmCli}" ${args}` : `npm ${args}`;
  const template = project.template ? getTemplate(project.template) : undefined;
  // Kiln's own trusted install of the template, if this server has not prepared it yet. A
  // template that cannot be prepared here fails the install step, with npm's reason.
  let prepared: PreparedTemplate | undefined;
  let unprepared: string | undefined;
  if (template) {
    prepared = await prepareTemplate({ template }).catch((error) => {
      if (!(error instanceof KilnError)) throw error;
      unprepared = error.message;
      return undefined;
    });
  }
  let writable = false;
  // Taken before anything has run in the workspace, so that what is there is the app's copy.
  const scaffold = [...(prepared?.files.map((file) => file.path) ?? []), "package-lock.json"];
  const absent: string[] = [];
  for (const file of scaffold) {
    const there = await lstat(path.join(workspace, file)).catch(() => undefined);
    if (!there) absent.push(file);
  }
  if (prepared?.nodeModules) await ensureWorkspaceDirectory(workspace, "node_modules");

  const dependencies = Object.keys(project.dependencies).length;
  const installFlags = "--no-audit --no-fund --ignore-scripts --no-update-notifier";
  let install: Planned;
  if (project.invalid) {
    install = { name: "install", command: "npm install", error: project.invalid };
  } else if (unprepared) {
    install = { name: "install", command: "npm install", error: unprepared };
  } else if (dependencies === 0) {
    install = { name: "install", command: "npm install", skipped: "the app has no dependencies" };
  } else if (project.missing.length === 0 && template) {
    install = {
      name: "install",
      command: "npm install",
      skipped: `every dependency is provided by the prepared ${template.name} template (its node_modules, read-only)`,
    };
  } else if (installNetwork === "on") {
    install = {
      name: "install",
      command: "npm install",
      script: npm(`install ${installFlags}`),
      network: true,
    };
  } else {
    install = {
      name: "install",
      command: "npm install --offline",
      script: npm(`install --offline ${installFlags}`),
    };
  }
  const script = (name: "build" | "test"): Planned => {
    const body = project.scripts[name];
    if (body === undefined) {
      return { name, command: `npm run ${name}`, skipped: `package.json has no ${name} script` };
    }
    if (name === "test" && /no test specified/.test(body)) {
      return {
        name,
        command: "npm test",
        skipped: "package.json's test script is npm's placeholder",
      };
    }
    return {
      name,
      command: name === "test" ? "npm test" : "npm run build",
      script: npm(name === "test" ? "test" : "run build"),
    };
  };
  return {
    plan: project.invalid
      ? [
          install,
          { name: "check", command: "", skipped: "the app's own build and tests check it" },
          ...(["build", "test"] as const).map((name) => ({
            ...script(name),
            skipped: "not run: package.json could not be read",
          })),
        ]
      : [
          install,
          { name: "check", command: "", skipped: "the app's own build and tests check it" },
          script("build"),
          script("test"),
        ],
    // An install needs its own writable node_modules (npm cannot add to the read-only mount).
    beforeInstall:
      prepared?.nodeModules && !install.skipped
        ? async () => {
            await copyTemplateDependencies({
              workspace,
              prepared,
              bwrap: getEnv().KILN_SANDBOX_BWRAP,
            });
            writable = true;
            // The copy also writes the template's scaffold where the app has none of its own;
            // the app is verified as it was generated, so those go again.
            if (absent.length > 0) {
              await runInSandbox({
                workspace,
                command: ["/bin/rm", "-f", "--", ...absent],
                bwrap: getEnv().KILN_SANDBOX_BWRAP,
              }).done;
            }
          }
        : undefined,
    binds: async () => [
      ...node.binds,
      ...(prepared && !writable ? await templateBinds(prepared, { workspace }) : []),
    ],
    env: baseEnv,
  };
}
