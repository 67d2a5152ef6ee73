import "server-only";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { onPreviewHost, onShutdown } from "@/lib/process-lifetime";
import { previewHostHandlers } from "@/lib/sandbox/local/preview/preview-host";
import { previewTargetByLabel } from "@/lib/sandbox/local/preview/preview-targets";
import { checkPreviewHostLabel } from "@/lib/sandbox/local/preview/preview-token";
import { takeSpareKernel } from "@/lib/sandbox/local/python/python-spare";
import type { CreateSandboxOptions, SandboxProvider } from "@/lib/sandbox/provider";
import { getTemplate } from "@/lib/templates/templates";
import {
  LocalSandbox,
  loadRecord,
  localSandboxes,
  longLivedWallMs,
  sandboxDir,
  saveRecord,
} from "./local-sandbox";
import { heldSpares, stopSpares, takeSpareApp } from "./next-spare";
import {
  createWorkspace,
  mountWorkspace,
  removeWorkspace,
  unmountWorkspaces,
} from "./workspace-volume";

// The local provider: sandboxes on this machine, in bubblewrap (local-sandbox.ts), made, found
// again after a restart, and destroyed.

/**
 * Registers what the local provider needs of the process, once at start-up (lib/startup.ts):
 * its previews' requests and websocket upgrades (on their own host names), and unmounting the workspace volumes on the way out. They
 * stay mounted while Kiln runs (its sandboxes' processes die with it), and the next use of a
 * sandbox mounts its volume again.
 */
export function registerLocalSandboxHooks(): void {
  // Deployments (lib/deployments) serve their apps on preview origins of their own too.
  const targetOf = (label: string) =>
    localSandboxByPreviewLabel(label)?.previewTarget() ?? previewTargetByLabel(label);
  onPreviewHost(previewHostHandlers(targetOf));
  // The warm Next.js spare stops before the volumes are unmounted.
  onShutdown("local-workspace-volumes", async () => {
    await stopSpares().catch((error) => log.warn("spare sandbox not stopped", { error }));
    await unmountWorkspaces(path.join(getEnv().dataDir, "sandboxes"));
  });
}

/** The live handle of a local sandbox in this process, for the preview proxy. */
export function localSandbox(sbxId: string): LocalSandbox | undefined {
  return localSandboxes.get(sbxId);
}

/** The live sandbox whose preview host name carries `label`. */
function localSandboxByPreviewLabel(label: string): LocalSandbox | undefined {
  for (const [sbxId, sandbox] of localSandboxes) {
    if (checkPreviewHostLabel(sbxId, label)) return sandbox;
  }
  return undefined;
}

export const localProvider: SandboxProvider = {
  name: "local",

  heldSpares,

  async create(options: CreateSandboxOptions) {
    const dir = sandboxDir(options.sbxId);
    await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
    const expiresAt = Date.now() + options.lifetimeMs;
    const warm = await takeSpareApp({ ...options, dir, expiresAt });
    if (warm) {
      await saveRecord(options.sbxId, { template: options.template, expiresAt });
      localSandboxes.set(options.sbxId, warm);
      return warm;
    }
    const diskBytes = getEnv().KILN_SANDBOX_DISK_MB * 1024 * 1024;
    const python =
      options.template === "code-interpreter-v1"
        ? await takeSpareKernel({ dir, lifetimeMs: longLivedWallMs, diskBytes })
        : undefined;
    if (!python) await createWorkspace({ dir, sizeBytes: diskBytes });
    await saveRecord(options.sbxId, { template: options.template, expiresAt });
    const sandbox = new LocalSandbox(options.sbxId, options.template, expiresAt, python);
    localSandboxes.set(options.sbxId, sandbox);
    return sandbox;
  },

  async connect(sbxId: string) {
    const live = localSandboxes.get(sbxId);
    if (live) return live;
    // After a restart the files are still there; processes start again on first use.
    const record = await loadRecord(sbxId);
    if (!record || !getTemplate(record.template)) return undefined;
    await mountWorkspace(sandboxDir(sbxId));
    const sandbox = new LocalSandbox(sbxId, record.template, record.expiresAt);
    localSandboxes.set(sbxId, sandbox);
    return sandbox;
  },

  async destroy(sbxId: string) {
    const live = localSandboxes.get(sbxId);
    if (live) return live.kill();
    await removeWorkspace(sandboxDir(sbxId)).catch((error) =>
      log.warn("sandbox directory not removed", { sbxId, error }),
    );
  },
};
