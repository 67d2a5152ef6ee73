import "server-only";
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, opendir, readdir, unlink } from "node:fs/promises";
import path from "node:path";
import { KilnError } from "@/lib/errors";

// A sandbox's files live in one host directory, seen inside the sandbox as /workspace. Paths
// from clients are resolved against it and refused when they would leave it: "..", absolute
// paths elsewhere, NUL bytes.
//
// Kiln touches those files as root while the sandbox's own processes may be changing them, so a
// path is never looked up from the host's root: each step opens the next directory relative to
// the one before (through /proc/self/fd/N, the kernel's name for an open directory) and with
// O_NOFOLLOW. A link the sandbox made is refused wherever it stands, and swapping a directory
// for a link between a check and a use changes nothing, because there is no check apart from
// the use. Files are opened non-blocking, so a FIFO cannot hold Kiln up, and must be regular.
// The paths are data, not source: the turbopackIgnore comments keep Next's file tracing off them.

export const sandboxRoot = "/workspace";

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } =
  constants;
const maxReadBytes = 1024 * 1024;
const maxEntries = 1000;

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

/**
 * A filesystem error met on a client's path, as the client should hear it: what the path names
 * (too long, missing, a directory, a full disk) is the client's to fix, so it is a 4xx; anything
 * else is Kiln's own fault and stays as it is.
 */
export function workspaceError(error: unknown, requested: string): unknown {
  if (error instanceof KilnError) return error;
  switch ((error as NodeJS.ErrnoException)?.code) {
    case "ENAMETOOLONG":
      return badPath(requested, "has a part longer than 255 bytes");
    case "ENOENT":
    case "ENOTDIR":
      return new KilnError("NOT_FOUND", `No file or directory at ${sandboxPath(requested)}`);
    case "EISDIR":
      return badPath(requested, "is a directory");
    case "ELOOP":
      return badPath(requested, "passes through a link, which Kiln does not follow");
    case "EEXIST":
      return new KilnError("CONFLICT", `${sandboxPath(requested)} already exists`);
    case "EINVAL":
    case "EILSEQ":
      return badPath(requested, "is not a valid file name here");
    case "ENOSPC":
    case "EDQUOT":
    case "EFBIG":
      return new KilnError("PAYLOAD_TOO_LARGE", "The sandbox's workspace is full");
    case "ETXTBSY":
      return new KilnError(
        "CONFLICT",
        `${sandboxPath(requested)} is running and cannot be changed`,
      );
    default:
      return error;
  }
}

/** Runs `use`, turning what the filesystem says about the client's path into a 4xx. */
async function onClientPath<T>(requested: string, use: () => Promise<T>): Promise<T> {
  try {
    return await use();
  } catch (error) {
    throw workspaceError(error, requested);
  }
}

/** The components of a path inside the sandbox, below /workspace. */
function componentsOf(inside: string): string[] {
  return path.posix.relative(sandboxRoot, sandboxPath(inside)).split("/").filter(Boolean);
}

const at = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

/**
 * Opens the directory `components` below the workspace, step by step, never through a link;
 * with `create`, missing directories are made on the way.
 */
async function openDirectory(
  workspace: string,
  components: string[],
  options: { create?: boolean; requested: string },
): Promise<FileHandle> {
  let dir = await open(/* turbopackIgnore: true */ workspace, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    const owner = options.create ? await dir.stat() : undefined;
    for (const name of components) {
      let made = false;
      if (options.create) {
        made = await mkdir(/* turbopackIgnore: true */ at(dir, name)).then(
          () => true,
          (error) => {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            return false;
          },
        );
      }
      const next = await open(
        /* turbopackIgnore: true */ at(dir, name),
        O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
      ).catch(async (error) => {
        throw await stepError(error, dir, name, options.requested);
      });
      if (made && owner) await giveTo(next, owner);
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (error) {
    await dir.close();
    throw error;
  }
}

/**
 * What Kiln writes into a workspace belongs to the owner of the directory it is in (in a
 * sandbox's workspace, the sandbox user: sandbox-user.ts), or the sandbox could not change it.
 * By descriptor: a path could be swapped.
 */
async function giveTo(
  handle: FileHandle,
  owner: { uid: number; gid: number },
  known?: { uid: number; gid: number },
) {
  const own = known ?? (await handle.stat());
  if (own.uid !== owner.uid || own.gid !== owner.gid) await handle.chown(owner.uid, owner.gid);
}

/** Why opening `name` in `dir` failed, as the client should hear it. */
async function stepError(
  error: unknown,
  dir: FileHandle,
  name: string,
  requested: string,
  what = "file or directory",
): Promise<Error> {
  const code = (error as NodeJS.ErrnoException).code;
  // O_NOFOLLOW says ELOOP for a link, or ENOTDIR when a directory was asked for.
  const isLink =
    code === "ELOOP" ||
    (code === "ENOTDIR" &&
      (await lstat(/* turbopackIgnore: true */ at(dir, name)).then(
        (stat) => stat.isSymbolicLink(),
        () => false,
      )));
  if (isLink) return badPath(requested, "passes through a link, which Kiln does not follow");
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new KilnError("NOT_FOUND", `No ${what} at ${sandboxPath(requested)}`);
  }
  return error as Error;
}

async function withParent<T>(
  workspace: string,
  inside: string,
  create: boolean,
  use: (dir: FileHandle, name: string) => Promise<T>,
): Promise<T> {
  const components = componentsOf(inside);
  const name = components.pop();
  if (!name) throw badPath(inside, `is ${sandboxRoot} itself, not a file in it`);
  const dir = await openDirectory(workspace, components, { create, requested: inside });
  try {
    return await use(dir, name);
  } finally {
    await dir.close();
  }
}

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

export interface WorkspaceEntry {
  name: string;
  path: string;
  type: "file" | "directory" | "symlink";
  size: number;
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
