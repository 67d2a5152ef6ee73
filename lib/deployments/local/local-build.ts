import "server-only";
import { lstat, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { git } from "@/lib/git/git";
import { type Context, prepareContext } from "@/lib/runs/verify-context";
import { detectProject, type VerifiedProject } from "@/lib/runs/verify-project";
import { copyTree } from "@/lib/runs/verify-workspace";
import { runInSandbox } from "@/lib/sandbox/local/bwrap";
import { sandboxNodeRuntime } from "@/lib/sandbox/local/node-runtime";
import { chownTree, sandboxUserOf } from "@/lib/sandbox/local/sandbox-user";
import { createWorkspace, mountWorkspace } from "@/lib/sandbox/local/workspace-volume";

// A deployment's app on this machine: a copy of the commit in a sandbox workspace of its own
// (DATA_DIR/deployments/<id>), installed and built there as verification does (never on the
// host), and the command that serves it. The workspace outlives restarts of the app.

const MiB = 1024 * 1024;
/** The port the app listens on inside its sandbox; the sandbox has a network of its own. */
export const appPort = 3000;

export function deploymentDir(id: string): string {
  if (!/^dep_[a-z0-9]+$/.test(id)) throw new Error("not a deployment id");
  return path.join(getEnv().dataDir, "deployments", id);
}

export interface BuiltApp {
  workspace: string;
  /** Shell command that serves the app on $PORT, run from the workspace root. */
  command: string;
  binds: { host: string; sandbox: string }[];
  env: Record<string, string>;
}

/** Checks out `commit` of the repository into the deployment's workspace and builds it there. */
export async function buildApp(options: {
  id: string;
  repoPath: string;
  commit: string;
  onOutput(stream: "stdout" | "stderr", text: string): void;
}): Promise<BuiltApp> {
  const dir = deploymentDir(options.id);
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
  const workspace = await createWorkspace({
    dir,
    sizeBytes: getEnv().KILN_SANDBOX_DISK_MB * MiB,
  });
  const checkout = await mkdtemp(path.join(path.dirname(dir), `${options.id}-checkout-`));
  try {
    await git(["worktree", "add", "--quiet", "--detach", checkout, options.commit], {
      gitDir: options.repoPath,
    });
    await copyTree(checkout, workspace);
  } finally {
    await git(["worktree", "remove", "--force", checkout], { gitDir: options.repoPath }).catch(() =>
      rm(checkout, { recursive: true, force: true }),
    );
  }
  const uid = sandboxUserOf(workspace);
  if (uid !== undefined) await chownTree(workspace, uid);
  const project = await detectProject(workspace);
  const context = await prepareContext(project, workspace, getEnv().KILN_SANDBOX_INSTALL_NETWORK);
  for (const step of context.plan) {
    if (step.name !== "install" && step.name !== "build") continue;
    if (step.skipped) continue;
    if (step.error) throw buildFailed(step.name, step.error);
    if (step.name === "install" && context.beforeInstall) await context.beforeInstall();
    options.onOutput("stdout", `$ ${step.command}\n`);
    let tail = "";
    const collect = (stream: "stdout" | "stderr") => (text: string) => {
      tail = (tail + text).slice(-4000);
      options.onOutput(stream, text);
    };
    const result = await runInSandbox({
      workspace,
      command: ["/bin/sh", "-c", step.script ?? step.command],
      network: step.network,
      readOnlyBinds: await context.binds(),
      env: context.env(step.network),
      limits: {
        wallMs: getEnv().KILN_VERIFY_STEP_TIMEOUT_MS,
        memoryBytes: 2048 * MiB,
        processes: 256,
        fileBytes: 1024 * MiB,
      },
      streamOnly: true,
      onStdout: collect("stdout"),
      onStderr: collect("stderr"),
      bwrap: getEnv().KILN_SANDBOX_BWRAP,
    }).done;
    if (result.limit || result.exitCode !== 0) {
      const why = result.limit ? `hit its ${result.limit} limit` : `exited with ${result.exitCode}`;
      throw buildFailed(step.name, `${step.command} ${why}\n${lastLines(tail)}`);
    }
  }
  return {
    workspace,
    command: await startCommand(project, workspace),
    binds: await context.binds(),
    env: runtimeEnv(context),
  };
}

/** The built app's workspace again, after Kiln restarted (its volume may need mounting). */
export async function reopenApp(id: string): Promise<BuiltApp | undefined> {
  const dir = deploymentDir(id);
  await mountWorkspace(dir).catch(() => {});
  const workspace = path.join(dir, "workspace");
  if (!(await isDirectory(workspace))) return undefined;
  const project = await detectProject(workspace);
  const context = await prepareContext(project, workspace, "off");
  return {
    workspace,
    command: await startCommand(project, workspace),
    binds: await context.binds(),
    env: runtimeEnv(context),
  };
}

function runtimeEnv(context: Context): Record<string, string> {
  return { ...context.env(false), NODE_ENV: "production", PORT: String(appPort) };
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * How the app is served: its start script; else a server file it has; else its static pages
 * (a build's output directory, or the root) through Python's file server.
 */
async function startCommand(project: VerifiedProject, workspace: string): Promise<string> {
  const has = (file: string) =>
    lstat(path.join(workspace, file)).then(
      (stat) => stat.isFile(),
      () => false,
    );
  if (project.kind === "node" && project.scripts.start) {
    const node = sandboxNodeRuntime();
    return node.npmCli ? `"${node.node}" "${node.npmCli}" start` : "npm start";
  }
  for (const file of ["server.js", "index.js", "app.js", "server.mjs", "index.mjs"]) {
    if (await has(file)) return `node ${quote(file)}`;
  }
  for (const file of ["app.py", "main.py", "server.py"]) {
    if (await has(file)) return `/usr/bin/python3 ${quote(file)}`;
  }
  for (const dir of ["dist", "out", "build", "public", "."]) {
    if (await has(path.join(dir, "index.html"))) {
      return `/usr/bin/python3 -m http.server "$PORT" --bind 0.0.0.0 --directory ${quote(dir)}`;
    }
  }
  throw new KilnError(
    "VALIDATION_ERROR",
    "Kiln cannot tell how to start this app: give package.json a start script, or add a server.js, app.py or index.html",
    { reason: "no_start_command" },
  );
}

function isDirectory(dir: string) {
  return lstat(dir).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
}

function lastLines(text: string) {
  return text.trim().split("\n").slice(-20).join("\n");
}

function buildFailed(step: string, detail: string) {
  return new KilnError("VALIDATION_ERROR", `The ${step} step failed: ${detail}`.trim(), {
    reason: "build_failed",
  });
}
