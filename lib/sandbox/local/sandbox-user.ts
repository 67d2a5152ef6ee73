import "server-only";
import { randomInt } from "node:crypto";
import { lstatSync } from "node:fs";
import { chown, lchown, readdir } from "node:fs/promises";
import path from "node:path";

// Who a sandboxed command is on the host. When Kiln runs as root, each sandbox's workspace
// belongs to a uid of its own, and its commands run as that uid with no capabilities, no user
// namespace and no supplementary groups: a process that escaped would be neither root, nor
// anyone's account, nor the owner of another sandbox's files. Kiln's own dependency installs
// (the template cache) run as a uid of their own too. The uids lie above the subordinate id
// ranges useradd hands out (login.defs SUB_UID_MAX, 600100000) and below 2^31, where every tool
// prints them plainly; no account or file of the host has them.
export const sandboxUids = { first: 700_000_000, count: 2 ** 24 };
/** The installs of the template cache: trusted npm, untrusted packages' files. */
export const installerUid = sandboxUids.first;

const isSandboxUid = (uid: number) =>
  uid >= sandboxUids.first && uid < sandboxUids.first + sandboxUids.count;

/** Whether Kiln can run commands as sandbox users: only root can switch to them. */
export const canSwitchToSandboxUser = () => process.getuid?.() === 0;

/**
 * Hands a new workspace to a sandbox user of its own, where Kiln can. A workspace it does not
 * own (one made before, or Kiln's own template cache) runs its commands as Kiln, in a user
 * namespace.
 */
export async function giveToSandboxUser(dir: string) {
  if (!canSwitchToSandboxUser()) return;
  const uid = sandboxUids.first + 1 + randomInt(sandboxUids.count - 1);
  await chown(dir, uid, uid);
}

/** The sandbox uid that owns `dir`, when Kiln can run commands as it. */
export function sandboxUserOf(dir: string): number | undefined {
  if (!canSwitchToSandboxUser()) return undefined;
  const uid = lstatSync(dir, { throwIfNoEntry: false })?.uid;
  return uid !== undefined && isSandboxUid(uid) ? uid : undefined;
}

export const ownedBySandboxUser = (dir: string) => sandboxUserOf(dir) !== undefined;

/** Gives a whole tree to `uid` (links themselves, not what they point at). */
export async function chownTree(dir: string, uid: number): Promise<void> {
  await lchown(dir, uid, uid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid);
    else await lchown(child, uid, uid);
  }
}

/**
 * Runs an install in `dir` as the installer uid, where Kiln can: the tree is the installer's
 * while it runs and Kiln's again afterwards, so nothing that ran in it can change it later.
 */
export async function asInstaller<T>(dir: string, install: () => Promise<T>): Promise<T> {
  if (!canSwitchToSandboxUser()) return install();
  await chownTree(dir, installerUid);
  try {
    return await install();
  } finally {
    await chownTree(dir, process.getuid?.() ?? 0);
  }
}
