import { KilnError } from "@/lib/errors";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { eventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { streamRunEventsContract } from "@/lib/runs/contracts";
import { lastEventIdSchema } from "@/lib/runs/event-schemas";
import { openRunEventStream } from "@/lib/runs/run-events";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(streamRunEventsContract.path, {
  // GET /api/v1/projects/:projectId/runs/:runId/events/stream — replay, then follow, over SSE
  GET: apiRoute(streamRunEventsContract, async ({ caller, params, query, request, requestId }) => {
    const header = request.headers.get("last-event-id");
    const lastEventId = header === null ? undefined : lastEventIdSchema.safeParse(header.trim());
    if (lastEventId && !lastEventId.success) {
      throw new KilnError(
        "VALIDATION_ERROR",
        "Last-Event-ID is not the id of one of this run's events",
      );
    }
    const produce = await openRunEventStream({
      userId: caller.user.id,
      ...params,
      // A reconnecting client's Last-Event-ID wins over the URL it first opened.
      after: lastEventId?.data ?? query.after,
    });
    return eventStream(request, produce, {
      surface: "v1",
      onUnexpected: (error) => log.error("run events stream failed", { requestId, error }),
    });
  }),
});
