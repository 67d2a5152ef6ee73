import "server-only";
import { rm } from "node:fs/promises";
import path from "node:path";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { notFound } from "@/lib/errors";
import { createBareRepository } from "@/lib/git/git";
import type { Pagination } from "@/lib/http/route";
import { prefixedId } from "@/lib/ids";
import type {
  CreateProjectBody,
  ListProjectsQuery,
  Project,
  ProjectDetail,
  ProjectListItem,
  UpdateProjectBody,
} from "./schemas";
import { searchQuery } from "./search";
import {
  invalidTransition,
  type ProjectAction,
  type ProjectStatus,
  projectActions,
} from "./states";

// Projects belong to one user: every query is filtered by the owner, so another user's project
// id reads as one that does not exist. Status changes go through `transition`, one conditional
// update per action, so the state machine (states.ts) holds under concurrent requests.

interface ProjectRow {
  id: string;
  name: string;
  description: string;
  status: ProjectStatus;
  project_type: string | null;
  tech_stack: string[];
  repo_path: string;
  created_at: Date;
  updated_at: Date;
}

interface ListRow extends ProjectRow {
  run_id: string | null;
  run_number: number | null;
  run_status: string | null;
}

const columns = `p.id, p.name, p.description, p.status, p.project_type, p.tech_stack, p.repo_path,
  p.created_at, p.updated_at`;
// The newest run of each project, found through its (project_id, run_number) index.
const latestRunJoin = `left join lateral (
    select r.id as run_id, r.run_number, r.status as run_status from runs r
     where r.project_id = p.id order by r.run_number desc limit 1
  ) latest on true`;

const iso = (d: Date) => new Date(d).toISOString();

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    repoPath: row.repo_path,
    project_type: row.project_type,
    tech_stack: row.tech_stack,
    is_active: row.status !== "archived",
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function toListItem(row: ListRow): ProjectListItem {
  return {
    ...toProject(row),
    latestRun:
      row.run_id === null
        ? null
        : { id: row.run_id, runNumber: Number(row.run_number), status: String(row.run_status) },
  };
}

function readme(name: string, description: string): string {
  return `# ${name}\n\n${description ? `${description}\n\n` : ""}Built with Kiln.\n`;
}

export async function createProject(userId: string, body: CreateProjectBody): Promise<Project> {
  const id = prefixedId("proj");
  const repoPath = path.join(getEnv().dataDir, "repos", `${id}.git`);
  await createBareRepository(
    repoPath,
    { "README.md": readme(body.name, body.description) },
    `Start ${body.name}`,
  );
  try {
    const db = await getDb();
    const [row] = await db.query<ProjectRow>(
      `insert into projects (id, user_id, name, description, project_type, tech_stack, repo_path)
       values ($1, $2, $3, $4, $5, $6, $7)
       returning id, name, description, status, project_type, tech_stack, repo_path, created_at,
                 updated_at`,
      [
        id,
        userId,
        body.name,
        body.description,
        body.project_type ?? null,
        body.tech_stack ?? [],
        repoPath,
      ],
    );
    return toProject(row as ProjectRow);
  } catch (error) {
    // No row, no repository: a failed create leaves nothing behind.
    await rm(repoPath, { recursive: true, force: true });
    throw error;
  }
}

export async function listProjects(
  userId: string,
  query: ListProjectsQuery,
): Promise<{ items: ProjectListItem[]; pagination: Pagination }> {
  const pageSize = query.limit ?? query.pageSize ?? 20;
  const offset = query.offset ?? ((query.page ?? 1) - 1) * pageSize;
  const where = ["p.user_id = $1"];
  const params: unknown[] = [userId];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (query.status) add((n) => `p.status = ${n}`, query.status);
  else if (query.active === false) where.push("p.status = 'archived'");
  else if (query.active === undefined || query.active) where.push("p.status <> 'archived'");
  if (query.tech_stack) add((n) => `${n} = any(p.tech_stack)`, query.tech_stack);
  if (query.search) {
    const tsquery = searchQuery(query.search);
    // A search with no words in it matches nothing, rather than everything.
    if (tsquery === undefined) where.push("false");
    else add((n) => `p.search @@ to_tsquery('simple', ${n})`, tsquery);
  }
  const filter = where.join(" and ");
  const db = await getDb();
  const [count] = await db.query<{ total: string }>(
    `select count(*) as total from projects p where ${filter}`,
    params,
  );
  const total = Number(count?.total ?? 0);
  const rows = await db.query<ListRow>(
    `select ${columns}, latest.* from projects p ${latestRunJoin}
      where ${filter}
      order by p.updated_at desc, p.id desc
      limit ${pageSize} offset ${offset}`,
    params,
  );
  return {
    items: rows.map(toListItem),
    pagination: {
      page: Math.floor(offset / pageSize) + 1,
      pageSize,
      total,
      totalPages: Math.ceil(total / pageSize),
    },
  };
}

export async function getProject(userId: string, projectId: string): Promise<ProjectDetail> {
  const db = await getDb();
  const [row] = await db.query<
    ListRow & {
      version: number | null;
      documents: Record<string, string> | null;
      approved_at: Date | null;
    }
  >(
    `select ${columns}, latest.*, spec.version, spec.documents, spec.approved_at
       from projects p ${latestRunJoin}
       left join lateral (
         select s.version, s.documents, s.approved_at from spec_versions s
          where s.project_id = p.id order by s.version desc limit 1
       ) spec on true
      where p.id = $1 and p.user_id = $2`,
    [projectId, userId],
  );
  if (!row) throw notFound("Project");
  return {
    ...toListItem(row),
    spec:
      row.version === null
        ? null
        : {
            version: row.version,
            documents: row.documents ?? {},
            approvedAt: row.approved_at ? iso(row.approved_at) : null,
          },
  };
}

/**
 * Applies an action of the state machine to a project in one statement: the row changes only
 * if its status allows the action. Otherwise 404 for a project the user does not have, 409
 * naming the status for one whose status does not allow it.
 */
export async function transition(
  userId: string,
  projectId: string,
  action: ProjectAction,
  set: Record<string, unknown> = {},
): Promise<ProjectRow> {
  const { from, to } = projectActions[action];
  const assignments = ["updated_at = now()"];
  const params: unknown[] = [projectId, userId, [...from]];
  for (const [column, value] of Object.entries(set)) {
    params.push(value);
    assignments.push(`${column} = $${params.length}`);
  }
  if (to !== undefined) {
    params.push(to);
    assignments.push(`status = $${params.length}`);
    if (to === "archived") assignments.push("archived_from = status");
  }
  const db = await getDb();
  const [row] = await db.query<ProjectRow>(
    `update projects set ${assignments.join(", ")}
      where id = $1 and user_id = $2 and status = any($3::text[])
      returning id, name, description, status, project_type, tech_stack, repo_path, created_at,
                updated_at`,
    params,
  );
  if (row) return row;
  return refusal(userId, projectId, action);
}

/**
 * Why a conditional change to a project did not happen: 404 when the user has no such project,
 * else 409 naming its status. Throws either way.
 */
export async function refusal(
  userId: string,
  projectId: string,
  action: ProjectAction,
): Promise<never> {
  const db = await getDb();
  const [current] = await db.query<{ status: ProjectStatus }>(
    "select status from projects where id = $1 and user_id = $2",
    [projectId, userId],
  );
  if (!current) throw notFound("Project");
  throw invalidTransition(action, current.status);
}

// The columns a PATCH may set, by body field.
const editable = {
  name: "name",
  description: "description",
  project_type: "project_type",
  tech_stack: "tech_stack",
} as const;

export async function updateProject(
  userId: string,
  projectId: string,
  body: UpdateProjectBody,
): Promise<ProjectDetail> {
  const set: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(editable)) {
    const value = body[field as keyof UpdateProjectBody];
    if (value !== undefined) set[column] = value;
  }
  await transition(userId, projectId, "edit", set);
  return getProject(userId, projectId);
}

export async function archiveProject(
  userId: string,
  projectId: string,
): Promise<{ id: string; status: "archived" }> {
  const row = await transition(userId, projectId, "archive");
  return { id: row.id, status: "archived" };
}
