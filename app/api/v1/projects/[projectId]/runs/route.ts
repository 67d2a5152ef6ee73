import { apiRoute, routeMethods } from "@/lib/http/route";
import { listRunsContract, startRunContract } from "@/lib/runs/contracts";
import { listRuns } from "@/lib/runs/list-runs";
import { startRun } from "@/lib/runs/start-run";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(startRunContract.path, {
  // POST /api/v1/projects/:projectId/runs — start a build of the approved spec
  POST: apiRoute(startRunContract, ({ caller, params, body }) =>
    startRun({
      userId: caller.user.id,
      tier: caller.user.tier,
      projectId: params.projectId,
      trigger: body.trigger,
    }),
  ),
  // GET /api/v1/projects/:projectId/runs — the project's runs, newest first
  GET: apiRoute(listRunsContract, ({ caller, params, query }) =>
    listRuns({ userId: caller.user.id, projectId: params.projectId, query }),
  ),
});
