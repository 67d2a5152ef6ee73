import { apiRoute, routeMethods } from "@/lib/http/route";
import { getTaskContract } from "@/lib/runs/contracts";
import { getTask } from "@/lib/runs/get-task";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getTaskContract.path, {
  // GET /api/v1/projects/:projectId/runs/:runId/tasks/:taskId — one task and what it produced
  GET: apiRoute(getTaskContract, ({ caller, params }) =>
    getTask({ userId: caller.user.id, ...params }),
  ),
});
