import "server-only";
import { getEnv } from "@/lib/env";
import { type Fragment, fragmentFiles } from "@/lib/fragments/schema";
import { sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import { getTemplate, type Template } from "@/lib/templates/templates";
import { createSandbox, endSandbox, getSandboxOrThrow, type OpenSandbox } from "./open-sandbox";
import type { RunFragmentResult } from "./result-schemas";

// POST /api/sandbox: put a fragment in a sandbox (a new one, or the caller's existing one) and
// run it. Code-interpreter fragments answer with their output; web fragments with the URL of
// their running app. Progress goes to `onProgress` for the streamed form.

export interface RunProgress {
  stage: "sandbox" | "files" | "dependencies" | "install" | "run" | "server";
  message: string;
}

const installTimeoutMs = 5 * 60_000;

export async function runFragment(options: {
  userId: string;
  fragment: Fragment;
  sbxId?: string;
  /** Kiln's public origin (appOrigin): a local preview's URL is absolute, as the seed shows it. */
  origin: string;
  onProgress?(progress: RunProgress): void;
  onOutput?(stream: "stdout" | "stderr", text: string): void;
  /** Told the sandbox the run uses as soon as it is open, before anything runs in it. */
  onSandbox?(sbxId: string): Promise<void>;
  signal?: AbortSignal;
}): Promise<RunFragmentResult> {
  const { fragment } = options;
  const progress = (stage: RunProgress["stage"], message: string) =>
    options.onProgress?.({ stage, message });
  const template = getTemplate(fragment.template)!;

  progress("sandbox", options.sbxId ? `Reusing sandbox ${options.sbxId}` : "Creating a sandbox");
  const sandbox = await openFor(options.userId, fragment, options.sbxId);
  const { handle, row } = sandbox;
  await options.onSandbox?.(row.id);
  if (handle.prepare) {
    try {
      await handle.prepare((p) => progress("dependencies", p.message));
    } catch (error) {
      // A sandbox made for this run whose template cannot run here is of no use to anyone:
      // ended now, it does not hold one of its owner's slots until it expires.
      if (row.id !== options.sbxId) await endSandbox(row, "stopped");
      throw error;
    }
  }

  progress("files", "Writing files");
  const files = await handle.writeFiles(
    fragmentFiles(fragment).map((file) => ({ path: file.file_path, content: file.code })),
  );

  const warnings: string[] = [];
  if (fragment.install_dependencies_command) {
    if (getEnv().KILN_SANDBOX_INSTALL_NETWORK !== "on" && handle.provider === "local") {
      warnings.push(
        `Not installed: ${fragment.additional_dependencies.join(", ")}. This server keeps sandboxes offline (KILN_SANDBOX_INSTALL_NETWORK=off).`,
      );
    } else {
      progress("install", `Installing ${fragment.additional_dependencies.join(", ")}`);
      const installed = await handle.runCommand({
        command: fragment.install_dependencies_command,
        workingDirectory: sandboxRoot,
        network: true,
        timeoutMs: installTimeoutMs,
        signal: options.signal,
        onStdout: (text) => progress("install", text),
        onStderr: (text) => progress("install", text),
      });
      if (installed.exitCode !== 0) {
        warnings.push(
          `Installing dependencies failed (exit code ${installed.exitCode}): ${installed.stderr.slice(-2000)}`,
        );
      }
    }
  }

  if (template.port === null) {
    progress("run", "Running the code");
    const execution = await handle.runCode(fragment.code, {
      signal: options.signal,
      onStdout: (text) => options.onOutput?.("stdout", text),
      onStderr: (text) => options.onOutput?.("stderr", text),
    });
    return {
      sbxId: row.id,
      template: template.id,
      stdout: execution.stdout,
      stderr: execution.stderr,
      runtimeError: execution.runtimeError,
      cellResults: execution.cellResults,
      files,
      warnings,
    };
  }

  progress("server", `Starting the app on port ${template.port}`);
  await handle.startServer({
    command: template.runCommand,
    port: template.port,
    signal: options.signal,
    onOutput: (text) => options.onOutput?.("stdout", text),
    keepRunning: canHotReload(template, fragment),
  });
  return {
    sbxId: row.id,
    template: template.id,
    url: new URL(handle.previewUrl(template.port, options.origin), options.origin).href,
    files,
    warnings,
  };
}

/**
 * Whether an app server already running in the sandbox may serve this fragment: its dev server
 * reloads changed files, but not its packages, which it has loaded (and after an install sees
 * through the mount it started with).
 */
function canHotReload(template: Template, fragment: Fragment): boolean {
  if (!template.hasHotReload || fragment.install_dependencies_command) return false;
  return !fragmentFiles(fragment).some((file) =>
    /(^|\/)package(-lock)?\.json$/.test(file.file_path),
  );
}

async function openFor(userId: string, fragment: Fragment, sbxId?: string): Promise<OpenSandbox> {
  if (sbxId) {
    const open = await getSandboxOrThrow(userId, sbxId);
    // Another template needs another image: the old sandbox cannot run this fragment.
    if (open.row.template === fragment.template) return open;
  }
  return createSandbox({ userId, template: fragment.template });
}
