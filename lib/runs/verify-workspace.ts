import "server-only";
import { randomBytes } from "node:crypto";
import { copyFile, lstat, mkdir, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { chownTree, sandboxUserOf } from "@/lib/sandbox/local/sandbox-user";
import { createWorkspace, removeWorkspace } from "@/lib/sandbox/local/workspace-volume";

// A fresh sandbox workspace holding a copy of the run's app, made the way local sandboxes make
// theirs (its own volume and sandbox user where the server can). The copy is taken on the host
// before anything of the app has run, of regular files and directories only: a link in the
// generated tree could point anywhere on the host, and the sandbox has no use for .git or a
// node_modules the app may have committed.

const skipped = new Set([".git", "node_modules"]);

export interface VerifyWorkspace {
  workspace: string;
  remove(): Promise<void>;
}

export async function copyIntoWorkspace(dir: string): Promise<VerifyWorkspace> {
  const parent = path.join(getEnv().dataDir, "verify");
  const root = path.join(parent, `vfy_${randomBytes(8).toString("hex")}`);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  await removeAbandoned(parent);
  const workspace = await createWorkspace({
    dir: root,
    sizeBytes: getEnv().KILN_SANDBOX_DISK_MB * 1024 * 1024,
  });
  const remove = () => removeWorkspace(root);
  try {
    await copyTree(dir, workspace);
    const uid = sandboxUserOf(workspace);
    if (uid !== undefined) await chownTree(workspace, uid);
  } catch (error) {
    await remove();
    throw error;
  }
  return { workspace, remove };
}

/** Regular files and directories of `from` into `to`, skipping .git and node_modules. */
export async function copyTree(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    // lstat, not the dirent: the type must be what is there now, and a link is never followed.
    const stat = await lstat(source);
    if (stat.isDirectory()) {
      await mkdir(target, { mode: 0o755 });
      await copyTree(source, target);
    } else if (stat.isFile()) {
      await copyFile(source, target);
    }
  }
}

/**
 * Removes workspaces left by a verification whose process died (a crash, SIGKILL) before its
 * own cleanup: any older than four step limits and an hour, which no live verification is.
 */
async function removeAbandoned(parent: string) {
  const maxAgeMs = 4 * getEnv().KILN_VERIFY_STEP_TIMEOUT_MS + 3_600_000;
  for (const name of await readdir(parent).catch(() => [])) {
    if (!/^vfy_[0-9a-f]{16}$/.test(name)) continue;
    const root = path.join(parent, name);
    const since = (await stat(root).catch(() => undefined))?.mtimeMs;
    if (since !== undefined && Date.now() - since > maxAgeMs) {
      await removeWorkspace(root).catch(() => {});
    }
  }
}
