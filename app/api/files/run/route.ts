import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { runFolderContract } from "@/lib/workspace-apps/contracts";
import { runFolder } from "@/lib/workspace-apps/workspace-apps";

// POST /api/files/run — run a workspace folder in a new sandbox
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(runFolderContract.path, {
  POST: apiRoute(runFolderContract, ({ caller, body, request }) =>
    runFolder({ userId: caller.user.id, body, origin: appOrigin(request), signal: request.signal }),
  ),
});
