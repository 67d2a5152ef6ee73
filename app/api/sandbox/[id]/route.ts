import { apiRoute, routeMethods } from "@/lib/http/route";
import { deleteSandboxContract, getSandboxContract } from "@/lib/sandbox/contracts";
import { deleteSandbox, describeSandbox } from "@/lib/sandbox/open-sandbox";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getSandboxContract.path, {
  // GET /api/sandbox/:id — one of your sandboxes
  GET: apiRoute(getSandboxContract, async ({ caller, params }) =>
    describeSandbox(caller.user.id, params.id),
  ),
  // DELETE /api/sandbox/:id — stop a sandbox and remove its files
  DELETE: apiRoute(deleteSandboxContract, async ({ caller, params }) => {
    await deleteSandbox(caller.user.id, params.id);
    return { id: params.id, deleted: true as const };
  }),
});
