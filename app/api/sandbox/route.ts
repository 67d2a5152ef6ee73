import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { eventStream, wantsEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { runFragmentContract } from "@/lib/sandbox/contracts";
import { runFragment } from "@/lib/sandbox/run-fragment";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(runFragmentContract.path, {
  // POST /api/sandbox — run a fragment in a sandbox (streams progress with Accept: text/event-stream)
  POST: apiRoute(runFragmentContract, async ({ caller, body, request, requestId }) => {
    const options = {
      userId: caller.user.id,
      fragment: body.fragment,
      sbxId: body.sbxId,
      origin: appOrigin(request),
    };
    if (!wantsEventStream(request)) return runFragment({ ...options, signal: request.signal });
    return eventStream(
      request,
      async (events) => {
        const result = await runFragment({
          ...options,
          signal: events.signal,
          onProgress: (progress) => events.send("progress", progress),
          onOutput: (stream, text) => events.send(stream, { text }),
        });
        events.send("result", result);
      },
      { onUnexpected: (error) => log.error("sandbox run failed", { requestId, error }) },
    );
  }),
});
