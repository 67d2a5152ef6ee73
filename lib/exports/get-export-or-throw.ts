import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError, notFound } from "@/lib/errors";
import { type ExportRow, exportColumns, toExport } from "./export-rows";
import type { Export } from "./schemas";

/** One of the caller's exports of a project; another user's, or one past its expiry, is a 404. */
export async function getExportOrThrow(options: {
  userId: string;
  projectId: string;
  exportId: string;
}): Promise<Export> {
  const db = await getDb();
  const [row] = await db.query<ExportRow & { is_expired: boolean }>(
    `select ${exportColumns}, expires_at <= now() as is_expired from exports
      where id = $1 and project_id = $2 and user_id = $3`,
    [options.exportId, options.projectId, options.userId],
  );
  if (!row) throw notFound("Export");
  // The sweep deletes it soon; until then it is gone all the same.
  if (row.is_expired) {
    throw new KilnError("NOT_FOUND", `Export ${row.id} has expired; export the run again`);
  }
  return toExport(row);
}
