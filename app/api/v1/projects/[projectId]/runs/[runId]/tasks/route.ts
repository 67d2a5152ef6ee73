import { apiRoute, routeMethods } from "@/lib/http/route";
import { listTasksContract } from "@/lib/runs/contracts";
import { listTasks } from "@/lib/runs/list-tasks";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listTasksContract.path, {
  // GET /api/v1/projects/:projectId/runs/:runId/tasks — the run's tasks in merge order
  GET: apiRoute(listTasksContract, ({ caller, params }) =>
    listTasks({ userId: caller.user.id, projectId: params.projectId, runId: params.runId }),
  ),
});
