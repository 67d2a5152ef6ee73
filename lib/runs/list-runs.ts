import "server-only";
import { getDb } from "@/lib/db/client";
import { notFound } from "@/lib/errors";
import type { Pagination } from "@/lib/http/route";
import { type RunRow, toRunListItem } from "./run-rows";
import type { ListRunsQuery, RunListItem } from "./schemas";

/** A project's runs, newest first, each with how many of its tasks succeeded and failed. */
export async function listRuns(options: {
  userId: string;
  projectId: string;
  query: ListRunsQuery;
}): Promise<{ items: RunListItem[]; pagination: Pagination }> {
  const { page, pageSize, status } = options.query;
  const db = await getDb();
  const [project] = await db.query("select 1 from projects where id = $1 and user_id = $2", [
    options.projectId,
    options.userId,
  ]);
  if (!project) throw notFound("Project");
  const params: unknown[] = [options.projectId, options.userId];
  let filter = "r.project_id = $1 and r.user_id = $2";
  if (status) {
    params.push(status);
    filter += ` and r.status = $${params.length}`;
  }
  const rows = await db.query<
    RunRow & { total_tasks: number; succeeded_tasks: number; failed_tasks: number; total: string }
  >(
    `select r.*, t.*, (select count(*) from runs r where ${filter}) as total
       from (select * from runs r where ${filter}
              order by r.run_number desc limit ${pageSize} offset ${(page - 1) * pageSize}) r
       left join lateral (
         select count(*)::int as total_tasks,
                count(*) filter (where status = 'succeeded')::int as succeeded_tasks,
                count(*) filter (where status = 'failed')::int as failed_tasks
           from run_tasks where run_id = r.id
       ) t on true
      order by r.run_number desc`,
    params,
  );
  let total = Number(rows[0]?.total ?? 0);
  if (rows.length === 0 && page > 1) {
    const [count] = await db.query<{ total: string }>(
      `select count(*) as total from runs r where ${filter}`,
      params,
    );
    total = Number(count?.total ?? 0);
  }
  return {
    items: rows.map(toRunListItem),
    pagination: { page, pageSize, total, totalPages: Math.ceil(total / pageSize) },
  };
}
