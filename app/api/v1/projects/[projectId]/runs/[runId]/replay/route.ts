import { apiRoute, routeMethods } from "@/lib/http/route";
import { replayRunContract } from "@/lib/runs/contracts";
import { replayRun } from "@/lib/runs/replay-run";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(replayRunContract.path, {
  // POST /api/v1/projects/:projectId/runs/:runId/replay — a new run answered from the run's records
  POST: apiRoute(replayRunContract, ({ caller, params, body }) =>
    replayRun({
      userId: caller.user.id,
      tier: caller.user.tier,
      projectId: params.projectId,
      runId: params.runId,
      body,
    }),
  ),
});
