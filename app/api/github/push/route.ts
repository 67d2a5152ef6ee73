import { githubPushContract } from "@/lib/github/contracts";
import { pushWorkspace } from "@/lib/github/push-workspace";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { jsonOrEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(githubPushContract.path, {
  // POST /api/github/push — workspace files to a branch as one commit (streams progress with SSE)
  POST: apiRoute(githubPushContract, ({ caller, body, request, requestId }) =>
    jsonOrEventStream(
      request,
      (events) =>
        pushWorkspace({
          userId: caller.user.id,
          body,
          onProgress: events && ((progress) => events.send("progress", progress)),
        }),
      {
        surface: "api",
        onUnexpected: (error) => log.error("github push failed", { requestId, error }),
      },
    ),
  ),
});
