import "server-only";
import { lstat, mkdir, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { KilnError } from "@/lib/errors";

// Paths here are data, not source: the turbopackIgnore comments keep Next's file tracing from
// taking them for the whole project.
//
// A sandbox's files live in one host directory, seen inside the sandbox as /workspace. Paths
// from clients are resolved against it and refused when they would leave it: "..", absolute
// paths elsewhere, NUL bytes, and symbolic links that point out.

export const sandboxRoot = "/workspace";

/** The path inside the sandbox for a client's path, or a 400 saying why not. */
export function sandboxPath(requested: string, cwd = sandboxRoot): string {
  if (requested.includes("\0")) throw badPath(requested, "contains a NUL byte");
  const resolved = path.posix.resolve(cwd, requested);
  if (resolved !== sandboxRoot && !resolved.startsWith(`${sandboxRoot}/`)) {
    throw badPath(requested, `is outside ${sandboxRoot}`);
  }
  return resolved;
}

function badPath(requested: string, why: string) {
  return new KilnError("VALIDATION_ERROR", `path: "${requested.slice(0, 200)}" ${why}`, {
    details: { field: "path" },
  });
}

/** The host path for a path inside the sandbox, checked not to leave the workspace by a link. */
export async function hostPath(workspace: string, inside: string): Promise<string> {
  const relative = path.posix.relative(sandboxRoot, sandboxPath(inside));
  const target = path.join(workspace, relative);
  // Resolve the deepest existing ancestor: a symlink made inside the sandbox must not lead out.
  let probe = target;
  for (;;) {
    try {
      const real = await realpath(probe);
      const root = await realpath(workspace);
      if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
        throw badPath(inside, `leads outside ${sandboxRoot} through a link`);
      }
      return target;
    } catch (error) {
      if (error instanceof KilnError) throw error;
      const parent = path.dirname(probe);
      if (parent === probe) return target;
      probe = parent;
    }
  }
}

export async function writeWorkspaceFile(workspace: string, inside: string, content: string) {
  const target = await hostPath(workspace, inside);
  await mkdir(path.dirname(target), { recursive: true });
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isSymbolicLink()) await rm(target);
  await writeFile(target, content);
  return sandboxPath(inside);
}

export async function readWorkspaceFile(workspace: string, inside: string): Promise<string> {
  const target = await hostPath(workspace, inside);
  const stat = await lstat(target).catch(() => undefined);
  if (!stat?.isFile()) {
    throw new KilnError("NOT_FOUND", `No file at ${sandboxPath(inside)}`);
  }
  if (stat.size > 1024 * 1024) {
    throw new KilnError("PAYLOAD_TOO_LARGE", `${sandboxPath(inside)} is larger than 1 MiB`);
  }
  return readFile(/* turbopackIgnore: true */ target, "utf8");
}

export interface WorkspaceEntry {
  name: string;
  path: string;
  type: "file" | "directory" | "symlink";
  size: number;
}

export async function listWorkspace(workspace: string, inside: string): Promise<WorkspaceEntry[]> {
  const target = await hostPath(workspace, inside);
  const at = sandboxPath(inside);
  const entries = await readdir(/* turbopackIgnore: true */ target, { withFileTypes: true }).catch(
    () => {
      throw new KilnError("NOT_FOUND", `No directory at ${at}`);
    },
  );
  const out: WorkspaceEntry[] = [];
  for (const entry of entries.slice(0, 1000)) {
    const full = path.join(/* turbopackIgnore: true */ target, entry.name);
    const stat = await lstat(/* turbopackIgnore: true */ full).catch(() => undefined);
    if (!stat) continue;
    out.push({
      name: entry.name,
      path: path.posix.join(at, entry.name),
      type: stat.isSymbolicLink() ? "symlink" : stat.isDirectory() ? "directory" : "file",
      size: stat.size,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
