import { apiRoute, routeMethods } from "@/lib/http/route";
import { retryRunContract } from "@/lib/runs/contracts";
import { retryRun } from "@/lib/runs/retry-run";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(retryRunContract.path, {
  // POST /api/v1/projects/:projectId/runs/:runId/retry — a new run of the same spec
  POST: apiRoute(retryRunContract, async ({ caller, params }) => {
    const run = await retryRun({
      userId: caller.user.id,
      tier: caller.user.tier,
      projectId: params.projectId,
      runId: params.runId,
    });
    return { id: run.id, runNumber: run.runNumber, status: run.status, trigger: run.trigger };
  }),
});
