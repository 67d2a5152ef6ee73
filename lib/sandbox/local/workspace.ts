import "server-only";
import { constants } from "node:fs";
import { lstat, mkdir, open, opendir, readdir, unlink } from "node:fs/promises";
import path from "node:path";
import { KilnError } from "@/lib/errors";
import type { WorkspaceEntry } from "@/lib/sandbox/result-schemas";
import { badPath, componentsOf, sandboxPath } from "@/lib/sandbox/sandbox-paths";
import { at, giveTo, onClientPath, openDirectory, stepError, withParent } from "./workspace-walk";

// Reading and writing a sandbox's workspace from the host, along the walk of workspace-walk.ts.

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;
const maxReadBytes = 1024 * 1024;
const maxEntries = 1000;

/**
 * Writes a file (making its directories); a link in its place is replaced, never followed.
 * With `ifMissing`, an existing file is left as it is. Answers the path inside the sandbox.
 */
export async function writeWorkspaceFile(
  workspace: string,
  inside: string,
  content: string,
  options: { ifMissing?: boolean } = {},
): Promise<string> {
  await onClientPath(inside, () => writeFileAt(workspace, inside, content, options));
  return sandboxPath(inside);
}

async function writeFileAt(
  workspace: string,
  inside: string,
  content: string,
  options: { ifMissing?: boolean },
): Promise<void> {
  await withParent(workspace, inside, true, async (dir, name) => {
    const existing = await lstat(/* turbopackIgnore: true */ at(dir, name)).catch(() => undefined);
    if (existing && options.ifMissing) return;
    if (existing && !existing.isFile()) {
      if (existing.isDirectory()) throw badPath(inside, "is a directory");
      await unlink(/* turbopackIgnore: true */ at(dir, name));
    }
    const flags =
      O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | (options.ifMissing ? O_EXCL : O_TRUNC);
    const file = await open(/* turbopackIgnore: true */ at(dir, name), flags, 0o644).catch(
      async (error) => {
        if (options.ifMissing && (error as NodeJS.ErrnoException).code === "EEXIST") return;
        throw await stepError(error, dir, name, inside);
      },
    );
    if (!file) return;
    try {
      const stat = await file.stat();
      if (!stat.isFile()) throw badPath(inside, "is not a regular file");
      await giveTo(file, await dir.stat(), stat);
      await file.writeFile(content);
    } finally {
      await file.close();
    }
  });
}

/** A regular file's text, up to 1 MiB; a link, FIFO or device is refused. */
export function readWorkspaceFile(workspace: string, inside: string): Promise<string> {
  return onClientPath(inside, () => readFileAt(workspace, inside));
}

function readFileAt(workspace: string, inside: string): Promise<string> {
  return withParent(workspace, inside, false, async (dir, name) => {
    const file = await open(
      /* turbopackIgnore: true */ at(dir, name),
      O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
    ).catch(async (error) => {
      throw await stepError(error, dir, name, inside, "file");
    });
    try {
      const stat = await file.stat();
      if (!stat.isFile()) throw new KilnError("NOT_FOUND", `No file at ${sandboxPath(inside)}`);
      if (stat.size > maxReadBytes) {
        throw new KilnError("PAYLOAD_TOO_LARGE", `${sandboxPath(inside)} is larger than 1 MiB`);
      }
      return await file.readFile("utf8");
    } finally {
      await file.close();
    }
  });
}

/** A directory's entries (the first 1000, by name); links are listed, not followed. */
export function listWorkspace(workspace: string, inside: string): Promise<WorkspaceEntry[]> {
  return onClientPath(inside, () => listAt(workspace, inside));
}

async function listAt(workspace: string, inside: string): Promise<WorkspaceEntry[]> {
  const where = sandboxPath(inside);
  const dir = await openDirectory(workspace, componentsOf(inside), { requested: inside }).catch(
    (error) => {
      if (error instanceof KilnError && error.code === "NOT_FOUND") {
        throw new KilnError("NOT_FOUND", `No directory at ${where}`);
      }
      throw error;
    },
  );
  try {
    const names = (await readdir(/* turbopackIgnore: true */ `/proc/self/fd/${dir.fd}`)).sort(
      (a, b) => a.localeCompare(b),
    );
    const out: WorkspaceEntry[] = [];
    for (const name of names.slice(0, maxEntries)) {
      const stat = await lstat(/* turbopackIgnore: true */ at(dir, name)).catch(() => undefined);
      if (!stat) continue;
      out.push({
        name,
        path: path.posix.join(where, name),
        type: stat.isSymbolicLink() ? "symlink" : stat.isDirectory() ? "directory" : "file",
        size: stat.size,
      });
    }
    return out;
  } finally {
    await dir.close();
  }
}

/**
 * Makes `inside` a plain, empty-or-not directory: anything else in its place (a file, a link)
 * is removed first. For mount points, which bubblewrap refuses to bind over a link.
 */
export function ensureWorkspaceDirectory(workspace: string, inside: string): Promise<void> {
  return onClientPath(inside, () =>
    withParent(workspace, inside, true, async (dir, name) => {
      const existing = await lstat(/* turbopackIgnore: true */ at(dir, name)).catch(
        () => undefined,
      );
      if (existing?.isDirectory()) return;
      if (existing) await unlink(/* turbopackIgnore: true */ at(dir, name));
      await mkdir(/* turbopackIgnore: true */ at(dir, name));
    }),
  );
}

/** Whether `inside` is a directory (not a link to one) holding at least one entry. */
export async function isNonEmptyDirectory(workspace: string, inside: string): Promise<boolean> {
  const dir = await openDirectory(workspace, componentsOf(inside), { requested: inside }).catch(
    () => undefined,
  );
  if (!dir) return false;
  try {
    const listing = await opendir(/* turbopackIgnore: true */ `/proc/self/fd/${dir.fd}`);
    const first = await listing.read();
    await listing.close();
    return first !== null;
  } finally {
    await dir.close();
  }
}
