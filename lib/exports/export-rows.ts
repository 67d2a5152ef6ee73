import "server-only";
import path from "node:path";
import { getEnv } from "@/lib/env";
import type { Export } from "./schemas";

// How an exports row reads on the API, and where its file lives.

export interface ExportRow {
  id: string;
  project_id: string;
  run_id: string;
  status: Export["status"];
  format: "zip";
  commit_sha: string;
  file_name: string;
  size_bytes: string | number | null;
  error: string | null;
  created_at: Date;
  completed_at: Date | null;
  expires_at: Date;
}

export const exportColumns = `id, project_id, run_id, status, format, commit_sha, file_name,
  size_bytes, error, created_at, completed_at, expires_at`;

const iso = (d: Date) => new Date(d).toISOString();

export function toExport(row: ExportRow): Export {
  return {
    id: row.id,
    projectId: row.project_id,
    runId: row.run_id,
    status: row.status,
    format: row.format,
    commitSha: row.commit_sha,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    downloadUrl:
      row.status === "completed"
        ? `/api/v1/projects/${row.project_id}/exports/${row.id}/download`
        : null,
    fileName: row.file_name,
    error: row.error,
    createdAt: iso(row.created_at),
    completedAt: row.completed_at ? iso(row.completed_at) : null,
    expiresAt: iso(row.expires_at),
  };
}

export const exportsDir = () => path.join(getEnv().dataDir, "exports");
export const exportFile = (id: string) => path.join(exportsDir(), `${id}.zip`);

/** A name fit for a file: lower case letters, digits and dashes. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug || "project";
}
