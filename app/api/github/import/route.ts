import { githubImportContract } from "@/lib/github/contracts";
import { importToWorkspace } from "@/lib/github/import-to-workspace";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { jsonOrEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(githubImportContract.path, {
  // POST /api/github/import — a repository into the workspace (streams progress with SSE)
  POST: apiRoute(githubImportContract, ({ caller, body, request, requestId }) =>
    jsonOrEventStream(
      request,
      (events) =>
        importToWorkspace({
          userId: caller.user.id,
          body,
          signal: events?.signal ?? request.signal,
          onProgress: events && ((progress) => events.send("progress", progress)),
        }),
      {
        surface: "api",
        onUnexpected: (error) => log.error("github import failed", { requestId, error }),
      },
    ),
  ),
});
