import "server-only";
import type { Server } from "node:net";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { onShutdown, processSlot } from "@/lib/process-lifetime";
import {
  servePreviewTarget,
  stopServingPreviewTarget,
} from "@/lib/sandbox/local/preview/preview-targets";
import { removeWorkspace, unmountWorkspaces } from "@/lib/sandbox/local/workspace-volume";
import { AppProcess, type AppProcessEvents } from "./app-process";
import { closeHostPort, listenOnHostPort } from "./host-port";
import { type BuiltApp, buildApp, deploymentDir, reopenApp } from "./local-build";

// The local provider's deployments in this process: each one's host port, its built app and its
// supervised process. Its origin through Kiln is served from here for as long as it exists.

interface LocalDeployment {
  port?: Server;
  app?: BuiltApp;
  process?: AppProcess;
}

const deployments = processSlot("local-deployments", () => new Map<string, LocalDeployment>());

function entry(id: string): LocalDeployment {
  let found = deployments.get(id);
  if (!found) {
    const created: LocalDeployment = {};
    deployments.set(id, created);
    servePreviewTarget(id, () => created.process?.target());
    found = created;
  }
  return found;
}

/**
 * Stops every app on the way out and unmounts their workspace volumes (lib/startup.ts registers
 * it); the built workspaces stay on disk for the next start.
 */
export function registerDeploymentHooks(): void {
  onShutdown("local-deployments", async () => {
    await Promise.allSettled([...deployments.keys()].map((id) => stopLocalDeployment(id)));
    await unmountWorkspaces(path.join(getEnv().dataDir, "deployments"));
  });
}

/** Binds the deployment's host port now, before any work: a port taken is PORT_IN_USE. */
export async function holdHostPort(id: string, port: number): Promise<void> {
  const local = entry(id);
  if (local.port) return;
  local.port = await listenOnHostPort({
    host: getEnv().KILN_DEPLOY_HOST,
    port,
    target: () => local.process?.target(),
  });
}

export interface RunOptions {
  id: string;
  environment: Record<string, string>;
  memoryBytes: number;
  cpus: number | undefined;
  healthPath: string;
  events: AppProcessEvents;
}

/** Builds `commit` of the repository and starts it; resolves once it serves. */
export async function buildAndStart(
  options: RunOptions & {
    repoPath: string;
    commit: string;
    onBuildOutput(stream: "stdout" | "stderr", text: string): void;
  },
): Promise<void> {
  const local = entry(options.id);
  local.app = await buildApp({
    id: options.id,
    repoPath: options.repoPath,
    commit: options.commit,
    onOutput: options.onBuildOutput,
  });
  await start(local, local.app, options);
}

/** Starts the built app again (after a stop, or a restart of Kiln); resolves once it serves. */
export async function startAgain(options: RunOptions): Promise<void> {
  const local = entry(options.id);
  await local.process?.stop();
  local.app ??= await reopenApp(options.id);
  if (!local.app) throw new Error("the deployment's built app is gone");
  await start(local, local.app, options);
}

async function start(local: LocalDeployment, app: BuiltApp, options: RunOptions) {
  local.process = new AppProcess({
    id: options.id,
    app,
    environment: options.environment,
    memoryBytes: options.memoryBytes,
    cpus: options.cpus,
    healthPath: options.healthPath,
    events: options.events,
  });
  await local.process.start();
}

/** Stops the app and frees its port; its built workspace stays for a restart. */
export async function stopLocalDeployment(id: string): Promise<void> {
  const local = deployments.get(id);
  if (!local) return;
  await local.process?.stop();
  local.process = undefined;
  const port = local.port;
  local.port = undefined;
  if (port) await closeHostPort(port);
}

/** Stops the app and removes everything of it. */
export async function removeLocalDeployment(id: string): Promise<void> {
  await stopLocalDeployment(id);
  deployments.delete(id);
  stopServingPreviewTarget(id);
  await removeWorkspace(deploymentDir(id)).catch((error) =>
    log.warn("deployment directory not removed", { deploymentId: id, error }),
  );
}
