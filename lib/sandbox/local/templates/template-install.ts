import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { runInSandbox } from "@/lib/sandbox/local/bwrap";
import type { NodeRuntime } from "@/lib/sandbox/local/node-runtime";
import { sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import type { Template, TemplateId } from "@/lib/templates/templates";
import { hasPythonModule } from "./python-modules";

// What installing a template's dependencies runs: npm install in a sandbox with network, Kiln's
// own trusted install; and, for a template served by a Python package Kiln cannot install, a
// check that the server has it. template-cache.ts decides when to install and where to.

type InstallTemplate = Pick<Template, "id" | "name">;

export interface NpmInstallOptions {
  /** Where npm installs: holds the scaffold's package.json and lockfile, if any. */
  staging: string;
  template: InstallTemplate;
  node: NodeRuntime;
  /** The bwrap binary: KILN_SANDBOX_BWRAP unless given. */
  bwrap: string | undefined;
  /** Each line of npm's output, as it comes. */
  onLine(line: string): void;
}

const MiB = 1024 * 1024;
export const installLimits = {
  wallMs: 10 * 60_000,
  memoryBytes: 2048 * MiB,
  processes: 256,
  // @next/swc's native binary alone is over 100 MiB.
  fileBytes: 1024 * MiB,
};
// Templates whose server is a Python package: without it they cannot run, and PyPI is not
// reachable from every server to install it.
export const pythonFrameworks: Partial<Record<TemplateId, string>> = {
  "streamlit-developer": "streamlit",
  "gradio-developer": "gradio",
};

/** npm install in the staging directory; resolves with its output lines, or throws its tail. */
export async function runNpmInstall(options: NpmInstallOptions): Promise<string[]> {
  const lines: string[] = [];
  const collect = () => {
    let partial = "";
    return (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n/);
      partial = parts.pop()!;
      for (const part of parts) {
        const line = part.trimEnd().slice(0, 500);
        if (!line) continue;
        lines.push(line);
        if (lines.length > 200) lines.shift();
        options.onLine(line);
      }
    };
  };
  const flags = ["--no-audit", "--no-fund", "--no-update-notifier", "--no-progress"];
  // Install scripts stay off: native parts (@next/swc, esbuild, rolldown) come as prebuilt
  // optional dependencies, and nothing the templates use needs a script.
  flags.push("--ignore-scripts", "--loglevel=http");
  const run = runInSandbox({
    workspace: options.staging,
    command: [options.node.node, options.node.npmCli!, "install", ...flags],
    network: true,
    env: {
      PATH: `${options.node.pathPrefix}:/usr/local/bin:/usr/bin:/bin`,
      npm_config_cache: `${sandboxRoot}/.npm-cache`,
      ...options.node.networkEnv,
    },
    readOnlyBinds: options.node.binds,
    limits: installLimits,
    streamOnly: true,
    onStdout: collect(),
    onStderr: collect(),
    bwrap: options.bwrap ?? getEnv().KILN_SANDBOX_BWRAP,
  });
  const result = await run.done;
  if (result.exitCode === 0 && !result.limit) return lines;
  const why = result.limit
    ? `stopped at the ${result.limit} limit`
    : `exit code ${result.exitCode}`;
  const errors = lines.filter((line) => /^npm (error|ERR!)/.test(line)).slice(0, 3);
  throw templateUnavailable(
    options.template,
    `npm install failed (${why}): ${errors.join(" ")}`.trim(),
    "template_failed",
    {
      output: lines.slice(-40),
    },
  );
}

export function templateUnavailable(
  template: InstallTemplate,
  why: string,
  reason: string,
  details: Record<string, unknown> = {},
) {
  return new KilnError(
    "SERVICE_UNAVAILABLE",
    `The dependencies of the ${template.name} template cannot be prepared: ${why}`,
    { reason, details: { template: template.id, ...details } },
  );
}

/** Why `template` cannot run here without its Python package, said for people. */
export function missingPythonModuleReason(template: InstallTemplate, module: string): string {
  return `The ${template.name} template cannot run on this server: its Python package "${module}" is not installed, and this server cannot install Python packages.`;
}

export async function requirePythonModule(template: InstallTemplate, module: string) {
  if (await hasPythonModule(module)) return;
  throw new KilnError("SERVICE_UNAVAILABLE", missingPythonModuleReason(template, module), {
    reason: "template_unavailable",
    details: { template: template.id },
  });
}
