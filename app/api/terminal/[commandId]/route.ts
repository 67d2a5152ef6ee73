import { apiRoute, routeMethods } from "@/lib/http/route";
import { stopCommandContract } from "@/lib/sandbox/contracts";
import { stopTerminalCommand } from "@/lib/sandbox/terminal-commands";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(stopCommandContract.path, {
  // DELETE /api/terminal/:commandId — stop a streamed command that is still running
  DELETE: apiRoute(stopCommandContract, async ({ caller, params }) => {
    stopTerminalCommand({ userId: caller.user.id, commandId: params.commandId });
    return { commandId: params.commandId, stopped: true as const };
  }),
});
