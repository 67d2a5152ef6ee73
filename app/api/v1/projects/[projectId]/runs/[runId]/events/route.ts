import { apiRoute, routeMethods } from "@/lib/http/route";
import { listRunEventsContract } from "@/lib/runs/contracts";
import { listRunEvents } from "@/lib/runs/run-events";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listRunEventsContract.path, {
  // GET /api/v1/projects/:projectId/runs/:runId/events — the run's events, a page at a time
  GET: apiRoute(listRunEventsContract, ({ caller, params, query }) =>
    listRunEvents({ userId: caller.user.id, ...params, query }),
  ),
});
