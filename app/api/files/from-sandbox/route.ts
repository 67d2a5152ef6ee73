import { apiRoute, routeMethods } from "@/lib/http/route";
import { saveSandboxToFolderContract } from "@/lib/workspace-apps/contracts";
import { saveSandboxToFolder } from "@/lib/workspace-apps/workspace-apps";

// POST /api/files/from-sandbox — save a sandbox's files into a workspace folder
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(saveSandboxToFolderContract.path, {
  POST: apiRoute(saveSandboxToFolderContract, ({ caller, body }) =>
    saveSandboxToFolder({ userId: caller.user.id, body }),
  ),
});
