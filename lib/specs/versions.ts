import "server-only";
import { getDb } from "@/lib/db/client";
import { notFound } from "@/lib/errors";
import { lineDiff } from "./diff";
import { type Clarification, type SpecDocuments, specDocumentNames } from "./schemas";

// A project's spec history: every version (they are never changed once written), one version's
// documents, and what changed between two.

async function assertOwned(userId: string, projectId: string) {
  const db = await getDb();
  const [row] = await db.query("select 1 from projects where id = $1 and user_id = $2", [
    projectId,
    userId,
  ]);
  if (!row) throw notFound("Project");
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export async function listVersions(userId: string, projectId: string) {
  await assertOwned(userId, projectId);
  const db = await getDb();
  const rows = await db.query<{
    version: number;
    feedback: string | null;
    approved_at: Date | null;
    created_at: Date;
  }>(
    `select version, feedback, approved_at, created_at from spec_versions
      where project_id = $1 order by version desc`,
    [projectId],
  );
  return rows.map((r) => ({
    version: r.version,
    feedback: r.feedback,
    approvedAt: iso(r.approved_at),
    createdAt: iso(r.created_at) as string,
  }));
}

async function readVersion(projectId: string, version: number) {
  const db = await getDb();
  const [row] = await db.query<{
    version: number;
    documents: SpecDocuments;
    clarifications: Clarification[] | null;
    feedback: string | null;
    approved_at: Date | null;
    created_at: Date;
  }>(
    `select version, documents, clarifications, feedback, approved_at, created_at
       from spec_versions where project_id = $1 and version = $2`,
    [projectId, version],
  );
  if (!row) throw notFound(`Spec version ${version}`);
  return row;
}

export async function getVersion(userId: string, projectId: string, version: number) {
  await assertOwned(userId, projectId);
  const row = await readVersion(projectId, version);
  return {
    version: row.version,
    documents: row.documents,
    clarifications: row.clarifications,
    feedback: row.feedback,
    approvedAt: iso(row.approved_at),
    createdAt: iso(row.created_at) as string,
  };
}

export async function diffVersions(userId: string, projectId: string, from: number, to: number) {
  await assertOwned(userId, projectId);
  const [a, b] = [await readVersion(projectId, from), await readVersion(projectId, to)];
  return {
    from,
    to,
    documents: specDocumentNames.map((name) => {
      const diff = lineDiff(a.documents[name] ?? "", b.documents[name] ?? "");
      return { name, changed: diff !== "", diff };
    }),
  };
}
