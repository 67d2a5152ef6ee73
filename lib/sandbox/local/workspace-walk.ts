import "server-only";
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open } from "node:fs/promises";
import { KilnError } from "@/lib/errors";
import {
  badPath,
  componentsOf,
  sandboxPath,
  sandboxRoot,
  workspaceError,
} from "@/lib/sandbox/sandbox-paths";

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

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

/** Runs `use`, turning what the filesystem says about the client's path into a 4xx. */
export async function onClientPath<T>(requested: string, use: () => Promise<T>): Promise<T> {
  try {
    return await use();
  } catch (error) {
    throw workspaceError(error, requested);
  }
}

export const at = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

/**
 * Opens the directory `components` below the workspace, step by step, never through a link;
 * with `create`, missing directories are made on the way.
 */
export async function openDirectory(
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
export async function giveTo(
  handle: FileHandle,
  owner: { uid: number; gid: number },
  known?: { uid: number; gid: number },
) {
  const own = known ?? (await handle.stat());
  if (own.uid !== owner.uid || own.gid !== owner.gid) await handle.chown(owner.uid, owner.gid);
}

/** Why opening `name` in `dir` failed, as the client should hear it. */
export async function stepError(
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

export async function withParent<T>(
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
