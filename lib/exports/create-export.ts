import "server-only";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { KilnError, notFound } from "@/lib/errors";
import { branchHead } from "@/lib/git/git";
import { prefixedId } from "@/lib/ids";
import { getProjectRepoOrThrow } from "@/lib/project-files/get-project-repo-or-throw";
import { objectIdPattern } from "@/lib/project-files/git-objects";
import { enqueue } from "@/lib/queue/queue";
import { runBranch } from "@/lib/runs/event-types";
import { type ExportRow, exportColumns, slugify, toExport } from "./export-rows";
import type { CreateExportBody, Export } from "./schemas";

export const exportJobKind = "export.zip";

/**
 * Asks for a zip of a run's result: the commit is pinned now (the run's result commit, else
 * its branch's head), and a job makes the file. A run with nothing committed yet is a 409.
 */
export async function createExport(options: {
  userId: string;
  projectId: string;
  body: CreateExportBody;
}): Promise<Export> {
  const { userId, projectId, body } = options;
  const repo = await getProjectRepoOrThrow({ userId, projectId });
  const db = await getDb();
  const [run] = await db.query<{ run_number: number; result_commit: string | null }>(
    "select run_number, result_commit from runs where id = $1 and project_id = $2 and user_id = $3",
    [body.runId, projectId, userId],
  );
  if (!run) throw notFound("Run");
  const commit =
    run.result_commit && objectIdPattern.test(run.result_commit)
      ? run.result_commit
      : await branchHead(repo.repoPath, runBranch(run.run_number));
  if (!commit) {
    throw new KilnError(
      "CONFLICT",
      `Run ${run.run_number} has no commit to export yet: export it once its tasks are merged`,
      { details: { runId: body.runId } },
    );
  }
  const id = prefixedId("exp");
  const fileName = `${slugify(repo.name)}-run-${run.run_number}.zip`;
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx.query<ExportRow>(
      `insert into exports (id, project_id, run_id, user_id, format, commit_sha, file_name,
                            expires_at)
       values ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
       returning ${exportColumns}`,
      [
        id,
        projectId,
        body.runId,
        userId,
        body.format,
        commit,
        fileName,
        getEnv().KILN_EXPORT_TTL_SECONDS,
      ],
    );
    await enqueue(tx, { kind: exportJobKind, payload: { exportId: id }, userId, dedupeKey: id });
    return inserted as ExportRow;
  });
  return toExport(row);
}
