import "server-only";
import path from "node:path";
import { KilnError } from "@/lib/errors";
import type { WorkspaceEntry } from "@/lib/sandbox/result-schemas";
import { sandboxPath, sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import { type E2bSandbox, missing } from "./e2b-sdk";

// Paths and files on E2B. Kiln speaks of /workspace everywhere (rows, routes, the IDE), while
// E2B's templates keep the project in the home directory of their user, /home/user, where the
// template's own server and the Jupyter kernel run. So a Kiln path /workspace/x is /home/user/x
// on E2B, translated by this module's toE2b and fromE2b only; a command that prints its
// directory shows the E2B form.

export const e2bRoot = "/home/user";

export async function writeFiles(sandbox: E2bSandbox, files: { path: string; content: string }[]) {
  const written = files.map((file) => sandboxPath(file.path));
  if (files.length === 0) return written;
  await sandbox.files.write(
    files.map((file, i) => ({ path: toE2b(written[i]!), data: file.content })),
  );
  return written;
}

export async function readFile(sandbox: E2bSandbox, file: string): Promise<string> {
  const at = sandboxPath(file);
  const info = await sandbox.files.getInfo(toE2b(at)).catch(missing);
  if (info?.type !== "file") throw new KilnError("NOT_FOUND", `No file at ${at}`);
  if (info.size > 1024 * 1024) {
    throw new KilnError("PAYLOAD_TOO_LARGE", `${at} is larger than 1 MiB`);
  }
  return sandbox.files.read(toE2b(at));
}

export async function listFiles(sandbox: E2bSandbox, directory: string): Promise<WorkspaceEntry[]> {
  const at = sandboxPath(directory);
  const entries = await sandbox.files.list(toE2b(at)).catch(missing);
  if (!entries) throw new KilnError("NOT_FOUND", `No directory at ${at}`);
  return entries
    .map((entry) => ({
      name: entry.name,
      path: path.posix.join(at, entry.name),
      type:
        entry.type === "symlink" || entry.symlinkTarget
          ? ("symlink" as const)
          : entry.type === "dir"
            ? ("directory" as const)
            : ("file" as const),
      size: entry.size,
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, 1000);
}

export function toE2b(inside: string): string {
  return `${e2bRoot}${inside.slice(sandboxRoot.length)}`;
}

/** The Kiln path for an E2B one, or undefined when it is outside the project directory. */
export function fromE2b(e2bPath: string): string | undefined {
  if (e2bPath === e2bRoot) return sandboxRoot;
  if (e2bPath.startsWith(`${e2bRoot}/`)) return `${sandboxRoot}${e2bPath.slice(e2bRoot.length)}`;
  return undefined;
}
