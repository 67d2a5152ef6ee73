import "server-only";
import { KilnError } from "@/lib/errors";
import { getProjectRepoOrThrow, resolveRefOrThrow } from "./get-project-repo-or-throw";
import { describePath, readBlob } from "./git-objects";
import type { FileContent } from "./schemas";

// A file of a project's repository at a ref, as text when it is UTF-8 and else as base64. The
// whole file goes into one JSON body, so its size is capped; a run's zip export has every file
// whatever its size.

export const fileContentLimitBytes = 5 * 1024 * 1024;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function asText(bytes: Buffer): string | undefined {
  // NUL is valid UTF-8 but no text file has one; binary formats nearly always do.
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export async function readFile(options: {
  userId: string;
  projectId: string;
  ref: string;
  path: string;
}): Promise<FileContent> {
  const { ref, path } = options;
  const repo = await getProjectRepoOrThrow(options);
  const commit = await resolveRefOrThrow(repo, ref);
  const target = await describePath(repo.repoPath, commit, path);
  if (!target || target.kind === "commit") {
    throw new KilnError("NOT_FOUND", `No file "${path}" at ${ref}`, { details: { ref, path } });
  }
  if (target.kind !== "blob") {
    throw new KilnError(
      "VALIDATION_ERROR",
      `path: "${path}" is a directory; list it with /files?path=${encodeURIComponent(path)}`,
      { details: { in: "path", issues: [{ field: "path", message: "is a directory" }] } },
    );
  }
  if (target.size > fileContentLimitBytes) {
    throw new KilnError(
      "PAYLOAD_TOO_LARGE",
      `"${path}" is ${target.size} bytes; file content is served up to ${fileContentLimitBytes} bytes (export the run for the whole file)`,
      { details: { path, size: target.size, limit: fileContentLimitBytes } },
    );
  }
  const bytes = await readBlob(repo.repoPath, target.id, target.size);
  const text = asText(bytes);
  return {
    path,
    ref,
    commitSha: commit,
    content: text ?? bytes.toString("base64"),
    encoding: text === undefined ? "base64" : "utf-8",
    size: bytes.length,
  };
}
