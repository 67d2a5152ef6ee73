import "server-only";
import { lstatSync } from "node:fs";
import { chown } from "node:fs/promises";

// Who a sandboxed command is on the host. When Kiln runs as root, a sandbox's workspace belongs
// to this uid, and its commands run as this uid with no capabilities, no user namespace and no
// supplementary groups: a process that escaped would be neither root nor anyone's account. It
// lies above the subordinate id ranges useradd hands out (login.defs SUB_UID_MAX, 600100000)
// and below 2^31, where every tool prints it plainly; no account or file of the host has it.
export const sandboxHostUid = 700_000_000;

/** Whether Kiln can run commands as the sandbox user: only root can switch to it. */
export const canSwitchToSandboxUser = () => process.getuid?.() === 0;

/**
 * Hands a new workspace to the sandbox user, where Kiln can. A workspace it does not own (one
 * made before, or Kiln's own template cache) runs its commands as Kiln, as it always did.
 */
export async function giveToSandboxUser(dir: string) {
  if (canSwitchToSandboxUser()) await chown(dir, sandboxHostUid, sandboxHostUid);
}

export function ownedBySandboxUser(dir: string): boolean {
  return (
    canSwitchToSandboxUser() && lstatSync(dir, { throwIfNoEntry: false })?.uid === sandboxHostUid
  );
}
