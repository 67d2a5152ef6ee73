import "server-only";
import { lstat } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { runInSandbox } from "@/lib/sandbox/local/bwrap";
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
import type { NodeProject, VerifiedProject } from "./verify-project";
// What verifying an app runs, decided from the app (verify-project.ts): each step's command,
// or why it is skipped or cannot start, and the sandbox's binds and environment for them.

export type StepName = "install" | "check" | "build" | "test";

export interface Planned {
  name: StepName;
  command: string;
  /** What runs in the sandbox's shell; `command` is what people read. */
  script?: string;
  skipped?: string;
  /** Why the step could not start: it fails with this as its output. */
  error?: string;
  network?: boolean;
}

export interface Context {
  plan: Planned[];
  binds(): Promise<{ host: string; sandbox: string }[]>;
  env(network?: boolean): Record<string, string>;
  /** Work the install needs first (a writable copy of the template's packages). */
  beforeInstall?: () => Promise<void>;
}

export async function prepareContext(
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
