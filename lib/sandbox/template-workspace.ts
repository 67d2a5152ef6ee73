import "server-only";
import { execFile } from "node:child_process";
import { lstatSync, readdirSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { PreparedTemplate } from "./template-cache";
import { hostPath, sandboxRoot } from "./workspace";

// A prepared template (template-cache.ts) put to use in one sandbox's workspace: its scaffold
// written in, and the cache's node_modules mounted read-only or, for a fragment that installs
// more, copied in. Apart from the cache because it changes a workspace, never the cache entry.

const execFileAsync = promisify(execFile);

/**
 * Writes the scaffold files the workspace lacks (never over the fragment's own) and makes
 * node_modules a plain directory: the mount point of the cache's node_modules.
 */
export async function seedWorkspace(options: { workspace: string; prepared: PreparedTemplate }) {
  const { workspace, prepared } = options;
  const files = [...prepared.files];
  if (prepared.dir && !files.some((file) => file.path === "package-lock.json")) {
    const lockfile = await readFile(path.join(prepared.dir, "package-lock.json"), "utf8").catch(
      () => undefined,
    );
    if (lockfile) files.push({ path: "package-lock.json", content: lockfile });
  }
  for (const file of files) {
    const target = await hostPath(workspace, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    // wx: an existing file, or a link the sandbox made, is left as it is.
    await writeFile(target, file.content, { flag: "wx" }).catch((error) => {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    });
  }
  if (!prepared.nodeModules) return;
  const mountPoint = path.join(workspace, "node_modules");
  const existing = await lstat(mountPoint).catch(() => undefined);
  if (existing?.isDirectory()) return;
  // bwrap refuses to mount on a link or a file, and the sandbox would not start.
  if (existing) await rm(mountPoint, { force: true });
  await mkdir(mountPoint);
}

/**
 * The read-only bind of the cache's node_modules over /workspace/node_modules; none when the
 * workspace has its own node_modules (see copyTemplateDependencies) or nothing was prepared.
 */
export function templateBinds(
  prepared: Pick<PreparedTemplate, "nodeModules">,
  options: { workspace?: string } = {},
): { host: string; sandbox: string }[] {
  if (!prepared.nodeModules) return [];
  if (options.workspace && hasOwnNodeModules(options.workspace)) return [];
  return [{ host: prepared.nodeModules, sandbox: `${sandboxRoot}/node_modules` }];
}

function hasOwnNodeModules(workspace: string) {
  const dir = path.join(workspace, "node_modules");
  try {
    return lstatSync(dir).isDirectory() && readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * Gives the workspace its own, writable copy of the template's node_modules, for a fragment that
 * installs more packages: npm cannot add to the read-only mount, and bundlers (webpack, Turbopack,
 * Vite) ignore NODE_PATH, so a second node_modules beside it would not be found. Afterwards
 * templateBinds mounts nothing over the copy. The copy appears whole or not at all.
 */
export async function copyTemplateDependencies(options: {
  workspace: string;
  prepared: PreparedTemplate;
}) {
  const { workspace, prepared } = options;
  if (!prepared.nodeModules || hasOwnNodeModules(workspace)) return;
  await seedWorkspace({ workspace, prepared });
  const target = path.join(workspace, "node_modules");
  const partial = await mkdtemp(path.join(workspace, ".kiln-node-modules-"));
  try {
    // cp -a copies Next.js's 17,000 files in a sixth of the time fs.cp takes.
    await execFileAsync("cp", ["-a", "--reflink=auto", `${prepared.nodeModules}/.`, partial]);
    await rm(target, { recursive: true, force: true });
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}
