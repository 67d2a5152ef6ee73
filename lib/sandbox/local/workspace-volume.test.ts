import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { runInSandbox } from "./bwrap";
import {
  canMountVolumes,
  createWorkspace,
  mountWorkspace,
  removeWorkspace,
} from "./workspace-volume";

// Filling the disk: a sandbox that writes without end fills its own volume, never the host's.

const root = mkdtempSync(path.join(tmpdir(), "kiln-volume-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const MiB = 1024 * 1024;

const mounted = (dir: string) =>
  readFileSync("/proc/self/mountinfo", "utf8").includes(` ${path.join(dir, "workspace")} `);

test("this machine gives workspaces their own file systems", async () => {
  expect(await canMountVolumes()).toBe(true);
});

test("many files, each under the file size limit, fill only the sandbox's volume", async () => {
  const dir = path.join(root, "fill");
  const workspace = await createWorkspace({ dir, sizeBytes: 64 * MiB });
  expect(mounted(dir)).toBe(true);
  const hostFreeBefore = statfsSync(tmpdir()).bavail;
  const result = await runInSandbox({
    workspace,
    command: [
      "/bin/sh",
      "-c",
      "i=0; while [ $i -lt 200 ]; do head -c 1048576 /dev/zero > f$i || exit 1; i=$((i+1)); done",
    ],
    limits: { wallMs: 20_000, fileBytes: 2 * MiB },
  }).done;
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toMatch(/No space left on device/);
  expect(result.limit).toBe("disk");
  // The host lost at most the volume's size, not the 200 MiB the loop asked for.
  const hostUsed = (hostFreeBefore - statfsSync(tmpdir()).bavail) * statfsSync(tmpdir()).bsize;
  expect(hostUsed).toBeLessThan(80 * MiB);
  // Deleting gives the space back to the sandbox.
  const again = await runInSandbox({
    workspace,
    command: ["/bin/sh", "-c", "rm f*; head -c 1048576 /dev/zero > ok && echo written"],
  }).done;
  expect(again.stdout).toBe("written\n");

  await removeWorkspace(dir);
  expect(mounted(dir)).toBe(false);
  expect(existsSync(dir)).toBe(false);
});

test("a volume survives unmounting (a restart of the machine) and is mounted again", async () => {
  const dir = path.join(root, "remount");
  const workspace = await createWorkspace({ dir, sizeBytes: 64 * MiB });
  await runInSandbox({ workspace, command: ["/bin/sh", "-c", "echo kept > note"] }).done;
  expect(statSync(path.join(workspace, "note")).size).toBe(5);
  // As after a reboot: the image is there, the mount is not.
  const { execFileSync } = await import("node:child_process");
  execFileSync("umount", [workspace]);
  expect(existsSync(path.join(workspace, "note"))).toBe(false);
  await mountWorkspace(dir);
  expect(readFileSync(path.join(workspace, "note"), "utf8")).toBe("kept\n");
  expect(existsSync(path.join(workspace, "lost+found"))).toBe(false);
  await removeWorkspace(dir);
  expect(existsSync(dir)).toBe(false);
});
