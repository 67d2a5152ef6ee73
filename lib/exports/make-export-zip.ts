import "server-only";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { getDb } from "@/lib/db/client";
import { archiveZip } from "@/lib/project-files/git-objects";
import type { Job } from "@/lib/queue/queue";
import type { JobContext } from "@/lib/queue/workers";
import { exportFile, exportsDir } from "./export-rows";

// The `export.zip` job: git writes the zip of the pinned commit to a temporary file, which is
// renamed into place only when whole, so a download never sees half a file. Running it twice
// makes the same file again; an export deleted or expired meanwhile leaves nothing behind.

export async function makeExportZip(job: Job, context: JobContext): Promise<void> {
  const exportId = String(job.payload.exportId ?? "");
  const db = await getDb();
  const [row] = await db.query<{
    status: string;
    commit_sha: string;
    file_name: string;
    repo_path: string;
  }>(
    `select e.status, e.commit_sha, e.file_name, p.repo_path
       from exports e join projects p on p.id = e.project_id
      where e.id = $1`,
    [exportId],
  );
  if (row?.status !== "processing") return;
  await mkdir(exportsDir(), { recursive: true });
  const final = exportFile(exportId);
  const partial = `${final}.partial`;
  try {
    await rm(partial, { force: true });
    await archiveZip({
      gitDir: row.repo_path,
      commit: row.commit_sha,
      // One folder in the zip, named like the file, as unzipping a download usually expects.
      prefix: `${row.file_name.replace(/\.zip$/, "")}/`,
      outputPath: partial,
      signal: context.signal,
    });
    const { size } = await stat(partial);
    await rename(partial, final);
    const updated = await db.query(
      `update exports set status = 'completed', size_bytes = $2, completed_at = now()
        where id = $1 and status = 'processing' returning id`,
      [exportId, size],
    );
    if (updated.length === 0) await rm(final, { force: true });
  } catch (error) {
    await rm(partial, { force: true });
    if (!context.signal.aborted && job.attempts >= job.maxAttempts) {
      await db.query(
        `update exports set status = 'failed', error = $2, completed_at = now()
          where id = $1 and status = 'processing'`,
        [exportId, "the zip could not be made from the run's commit"],
      );
    }
    throw error;
  }
}
