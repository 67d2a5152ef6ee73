import "server-only";
import { getDb } from "@/lib/db/client";
import type { FileToPut } from "@/lib/files/check-writes";
import { normalizeWorkspacePath } from "@/lib/files/paths";
import { putFiles } from "@/lib/files/put-files";
import { githubTokenFor } from "./credentials";
import { importRepository } from "./import-repository";
import type { ImportBody, ImportResult } from "./schemas";

// POST /api/github/import: a repository (or one folder of it) into the user's workspace, under a
// folder of its own, in one transaction: the workspace's quota, path rules and versions hold as
// for any write, and an import that cannot be written whole writes nothing. Existing files are
// never replaced unless the caller says so.

const isText = (bytes: Buffer) => {
  const text = bytes.toString("utf8");
  return Buffer.byteLength(text) === bytes.length && !text.includes("\0");
};

export async function importToWorkspace(options: {
  userId: string;
  body: ImportBody;
  signal?: AbortSignal;
  onProgress?: (progress: { step: string; files: number; bytes: number }) => void;
}): Promise<ImportResult> {
  const { body } = options;
  const imported = await importRepository({
    token: await githubTokenFor(options.userId),
    owner: body.owner,
    repo: body.repo,
    ref: body.ref,
    folder: body.path,
    signal: options.signal,
    onProgress: (p) => options.onProgress?.({ step: "download", ...p }),
  });
  const into = body.into ?? body.repo;
  const skipped = [...imported.skipped];
  const files: FileToPut[] = [];
  let bytes = 0;
  for (const file of imported.files) {
    const target = normalizeWorkspacePath(into ? `${into}/${file.path}` : file.path);
    if ("error" in target) {
      skipped.push({
        path: file.path,
        reason: `the workspace refuses its path: it ${target.error}`,
      });
      continue;
    }
    const text = isText(file.content);
    files.push({
      path: target.path,
      isDirectory: false,
      content: text ? file.content.toString("utf8") : file.content.toString("base64"),
      encoding: text ? "utf-8" : "base64",
    });
    bytes += file.content.length;
  }
  if (files.length > 0) {
    options.onProgress?.({ step: "write", files: files.length, bytes });
    const db = await getDb();
    await db.transaction((tx) =>
      putFiles({ tx, userId: options.userId, files, mode: body.overwrite ? "upsert" : "create" }),
    );
  }
  return {
    owner: imported.owner,
    repo: imported.repo,
    ref: imported.ref,
    commitSha: imported.commitSha,
    into,
    filesImported: files.length,
    bytes,
    skipped,
  };
}
