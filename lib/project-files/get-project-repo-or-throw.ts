import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError, notFound } from "@/lib/errors";
import { resolveCommit } from "./git-objects";

// A project's repository for reading, with the ref resolved: another user's project reads as
// one that does not exist.

export interface ProjectRepo {
  projectId: string;
  name: string;
  repoPath: string;
}

export async function getProjectRepoOrThrow(options: {
  userId: string;
  projectId: string;
}): Promise<ProjectRepo> {
  const db = await getDb();
  const [row] = await db.query<{ id: string; name: string; repo_path: string }>(
    "select id, name, repo_path from projects where id = $1 and user_id = $2",
    [options.projectId, options.userId],
  );
  if (!row) throw notFound("Project");
  return { projectId: row.id, name: row.name, repoPath: row.repo_path };
}

/** The commit `ref` names in the repository; a ref that names none is a 404. */
export async function resolveRefOrThrow(repo: ProjectRepo, ref: string): Promise<string> {
  const commit = await resolveCommit(repo.repoPath, ref);
  if (!commit) {
    throw new KilnError("NOT_FOUND", `No branch, tag or commit "${ref}" in this project`, {
      details: { ref },
    });
  }
  return commit;
}
