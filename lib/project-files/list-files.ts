import "server-only";
import { KilnError } from "@/lib/errors";
import { getProjectRepoOrThrow, resolveRefOrThrow } from "./get-project-repo-or-throw";
import { describePath, readTree } from "./git-objects";
import type { DirectoryListing } from "./schemas";

/** A directory of a project's repository at a ref: its subdirectories first, then its files. */
export async function listFiles(options: {
  userId: string;
  projectId: string;
  ref: string;
  path: string;
}): Promise<DirectoryListing> {
  const { ref, path } = options;
  const repo = await getProjectRepoOrThrow(options);
  const commit = await resolveRefOrThrow(repo, ref);
  const target = await describePath(repo.repoPath, commit, path);
  if (!target || target.kind === "commit") {
    throw new KilnError("NOT_FOUND", `No directory "${path || "/"}" at ${ref}`, {
      details: { ref, path },
    });
  }
  if (target.kind !== "tree") {
    throw new KilnError(
      "VALIDATION_ERROR",
      `path: "${path}" is a file; read it at /files/${path}`,
      { details: { in: "query", issues: [{ field: "path", message: "is a file" }] } },
    );
  }
  const entries = (await readTree(repo.repoPath, target.id))
    // Submodules name a commit of another repository, which this one does not hold.
    .filter((entry) => entry.kind === "tree" || entry.kind === "blob")
    .map((entry) =>
      entry.kind === "tree"
        ? { name: entry.name, type: "directory" as const }
        : { name: entry.name, type: "file" as const, size: entry.size ?? 0 },
    )
    .sort((a, b) =>
      a.type === b.type
        ? a.name < b.name
          ? -1
          : a.name > b.name
            ? 1
            : 0
        : a.type === "directory"
          ? -1
          : 1,
    );
  return { ref, commitSha: commit, path: path || "/", entries };
}
