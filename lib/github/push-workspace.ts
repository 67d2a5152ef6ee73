import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { isWithin } from "@/lib/files/paths";
import { githubTokenFor } from "./credentials";
import { type PushedCommit, pushFiles } from "./push-files";
import type { PushBody } from "./schemas";

// POST /api/github/push: workspace files to a branch of a GitHub repository as one commit. The
// files are those under `root` (the folder that stands for the repository's root; the whole
// workspace unless given), or only `paths` among them; their repository paths are relative to
// `root`.

interface Row {
  path: string;
  content: string | null;
  content_binary: Buffer | Uint8Array | null;
  encoding: "utf-8" | "base64";
}

export async function pushWorkspace(options: {
  userId: string;
  body: PushBody;
  onProgress?: (progress: { step: string; done: number; total: number }) => void;
}): Promise<PushedCommit> {
  const { body } = options;
  const root = body.root ?? "";
  // Not connected says so first, before anything about the files.
  const token = await githubTokenFor(options.userId);
  const db = await getDb();
  const rows = await db.query<Row>(
    `select path, content, content_binary, encoding from workspace_files
      where user_id = $1 and not is_directory order by path`,
    [options.userId],
  );
  const chosen = rows.filter(
    (row) =>
      (root === "" || isWithin(row.path, root)) &&
      (!body.paths || body.paths.some((p) => row.path === p || isWithin(row.path, p))),
  );
  if (chosen.length === 0) {
    throw new KilnError(
      "VALIDATION_ERROR",
      body.paths
        ? `None of the paths names a file in your workspace${root ? ` under ${root}` : ""}`
        : `There are no files in your workspace${root ? ` under ${root}` : ""} to push`,
    );
  }
  const files = chosen.map((row) => ({
    path: root ? row.path.slice(root.length + 1) : row.path,
    content:
      row.encoding === "base64" && row.content_binary
        ? Buffer.from(row.content_binary)
        : Buffer.from(row.content ?? "", "utf8"),
  }));
  return pushFiles({
    token,
    owner: body.owner,
    repo: body.repo,
    branch: body.branch,
    message: body.message,
    files,
    createPullRequest: body.createPullRequest,
    onProgress: options.onProgress,
  });
}
