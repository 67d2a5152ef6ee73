import { runChatFragment } from "@/lib/chat/chat-sandbox";
import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { eventStream, wantsEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { listSandboxesContract, runFragmentContract } from "@/lib/sandbox/contracts";
import { listSandboxes } from "@/lib/sandbox/open-sandbox";
import { runFragment } from "@/lib/sandbox/run-fragment";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(runFragmentContract.path, {
  // GET /api/sandbox — your running sandboxes, oldest first, with the chats that keep them
  GET: apiRoute(listSandboxesContract, ({ caller }) => listSandboxes(caller.user.id)),
  // POST /api/sandbox — run a fragment in a sandbox (streams progress with Accept: text/event-stream)
  POST: apiRoute(runFragmentContract, async ({ caller, body, request, requestId }) => {
    const options = {
      userId: caller.user.id,
      fragment: body.fragment,
      sbxId: body.sbxId,
      origin: appOrigin(request),
    };
    const { chatId } = body;
    const runIt = (more: Partial<Parameters<typeof runFragment>[0]>) =>
      chatId
        ? runChatFragment({ ...options, ...more, chatId })
        : runFragment({ ...options, ...more });
    if (!wantsEventStream(request)) return runIt({ signal: request.signal });
    return eventStream(
      request,
      async (events) => {
        const result = await runIt({
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
