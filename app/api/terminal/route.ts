import { apiRoute, routeMethods } from "@/lib/http/route";
import { eventStream, wantsEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { terminalContract } from "@/lib/sandbox/contracts";
import { runTerminalCommand } from "@/lib/sandbox/terminal-commands";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(terminalContract.path, {
  // POST /api/terminal — run a command in a sandbox (streams with Accept: text/event-stream)
  POST: apiRoute(terminalContract, async ({ caller, body, request, requestId }) => {
    const options = {
      userId: caller.user.id,
      sbxId: body.sbxId,
      command: body.command,
      workingDirectory: body.workingDirectory,
    };
    if (!wantsEventStream(request)) {
      const { commandId: _, ...outcome } = await runTerminalCommand({
        ...options,
        signal: request.signal,
      });
      return outcome;
    }
    return eventStream(
      request,
      async (events) => {
        const outcome = await runTerminalCommand({
          ...options,
          signal: events.signal,
          onStart: (id) => events.send("start", { commandId: id }),
          onStdout: (text) => events.send("stdout", { text }),
          onStderr: (text) => events.send("stderr", { text }),
        });
        // The output went out as it came; the end says only how the command ended.
        const { commandId, exitCode, workingDirectory, limit } = outcome;
        events.send("exit", { commandId, exitCode, workingDirectory, ...(limit ? { limit } : {}) });
      },
      { onUnexpected: (error) => log.error("terminal command failed", { requestId, error }) },
    );
  }),
});
