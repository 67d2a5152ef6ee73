import "server-only";
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, readFile, rm, rmdir, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { log } from "@/lib/log";
import { processSlot } from "@/lib/process-lifetime";
import { giveToSandboxUser } from "./sandbox-user";

// A sandbox's workspace is a file system of its own: a sparse ext4 image, loop-mounted at
// <dir>/workspace. Filling it fills only the image (ENOSPC inside the sandbox), never the host's
// disk; deleting files gives the space back (discard). Mounting needs root; elsewhere the
// workspace is a plain directory and only the per-file size limit holds, which Kiln says once.

const run = promisify(execFile);
const tools = Object.assign({} as NodeJS.ProcessEnv, {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
});
const imageName = "workspace.img";
let usable: Promise<boolean> | undefined;

/** Whether this server can give workspaces their own file systems. */
export function canMountVolumes(): Promise<boolean> {
  usable ??= (async () => {
    const ok =
      process.getuid?.() === 0 &&
      (await access("/dev/loop-control", constants.W_OK).then(
        () => true,
        () => false,
      )) &&
      (await run("mkfs.ext4", ["-V"], { env: tools }).then(
        () => true,
        () => false,
      ));
    if (!ok) log.warn("sandbox workspaces are plain directories: their total size is not limited");
    return ok;
  })();
  return usable;
}

/** Creates `<dir>/workspace`, as a mounted volume of `sizeBytes` where this server can. */
export async function createWorkspace(options: { dir: string; sizeBytes: number }) {
  const workspace = path.join(options.dir, "workspace");
  await mkdir(workspace, { recursive: true, mode: 0o700 });
  if (!(await canMountVolumes())) {
    await giveToSandboxUser(workspace);
    return workspace;
  }
  const image = path.join(options.dir, imageName);
  await writeFile(image, "", { mode: 0o600 });
  await truncate(image, options.sizeBytes); // sparse: the host's disk holds only what is written
  // No journal: the image lives as long as the sandbox and is never recovered after a crash.
  await run("mkfs.ext4", ["-q", "-F", "-m", "0", "-O", "^has_journal", image], { env: tools });
  await mountWorkspace(options.dir);
  await giveToSandboxUser(workspace); // the volume's root, once: it keeps its owner
  return workspace;
}

// Once Kiln stops, no volume is mounted any more (a spare kernel's may be on its way), and those
// being mounted are waited for, so that unmountWorkspaces leaves none behind. One per process, as
// every bundle that includes this module must see the same state.
const mounts = processSlot("workspace-mounts", () => ({
  stopping: false,
  mounting: new Set<Promise<unknown>>(),
}));

/** Mounts the volume again if it is not mounted (after a restart of the machine). */
export async function mountWorkspace(dir: string) {
  const workspace = path.join(dir, "workspace");
  const image = path.join(dir, imageName);
  if (!(await exists(image)) || (await isMounted(workspace))) return;
  if (mounts.stopping) throw new Error("Kiln is stopping: no workspace is mounted");
  const mounted = run("mount", ["-o", "loop,nosuid,nodev,discard", image, workspace], {
    env: tools,
  });
  mounts.mounting.add(mounted);
  try {
    await mounted;
  } finally {
    mounts.mounting.delete(mounted);
  }
  // mkfs's lost+found would show in every listing of the workspace.
  await rmdir(path.join(workspace, "lost+found")).catch(() => {});
}

/** Unmounts the volume (if any) and removes the sandbox's directory. */
export async function removeWorkspace(dir: string) {
  const workspace = path.join(dir, "workspace");
  if (await isMounted(workspace)) {
    // Lazily: a process still dying in the sandbox must not keep the files from going.
    await run("umount", ["-l", workspace], { env: tools }).catch((error) =>
      log.warn("sandbox workspace not unmounted", { workspace, error }),
    );
  }
  if (await isMounted(workspace)) return; // never remove files through a live mount
  await rm(dir, { recursive: true, force: true });
}

/** Unmounts every volume mounted under `root` (all of Kiln's, when it stops). */
export async function unmountWorkspaces(root: string) {
  mounts.stopping = true;
  await Promise.allSettled([...mounts.mounting]);
  const prefix = `${escapeMountPath(path.resolve(root))}/`;
  for (const point of await mountPoints()) {
    if (!point.startsWith(prefix)) continue;
    await run("umount", ["-l", unescapeMountPath(point)], { env: tools }).catch((error) =>
      log.warn("sandbox workspace not unmounted", { point, error }),
    );
  }
}

async function isMounted(target: string): Promise<boolean> {
  return (await mountPoints()).includes(escapeMountPath(target));
}

// Field 5 of mountinfo is the mount point, with spaces and the like escaped as octal.
async function mountPoints(): Promise<string[]> {
  const mounts = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  return mounts.split("\n").flatMap((line) => line.split(" ")[4] ?? []);
}

function escapeMountPath(target: string) {
  return target.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

function unescapeMountPath(point: string) {
  return point.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

async function exists(file: string) {
  return access(file).then(
    () => true,
    () => false,
  );
}
