import { streamDeploymentLogsContract } from "@/lib/deployments/contracts";
import { openDeploymentLogStream } from "@/lib/deployments/deployment-logs";
import { logEventIdSchema } from "@/lib/deployments/deployment-logs-query";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { eventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(streamDeploymentLogsContract.path, {
  // GET /api/v1/deployments/:id/logs — replay, then follow, the deployment's output over SSE
  GET: apiRoute(
    streamDeploymentLogsContract,
    async ({ caller, params, query, request, requestId }) => {
      const header = request.headers.get("last-event-id");
      const lastEventId = header === null ? undefined : logEventIdSchema.safeParse(header.trim());
      if (lastEventId && !lastEventId.success) {
        throw new KilnError(
          "VALIDATION_ERROR",
          "Last-Event-ID is not the id of one of this deployment's log rows",
        );
      }
      const produce = await openDeploymentLogStream({
        userId: caller.user.id,
        deploymentId: params.id,
        // A reconnecting client's Last-Event-ID wins over the URL it first opened.
        after: lastEventId?.data ?? query.after,
      });
      return eventStream(request, produce, {
        surface: "v1",
        heartbeatMs: getEnv().KILN_SSE_HEARTBEAT_MS,
        onUnexpected: (error) => log.error("deployment log stream failed", { requestId, error }),
      });
    },
  ),
});
