import { revokeApiKey } from "@/lib/api-keys/api-keys";
import { revokeApiKeyContract } from "@/lib/api-keys/contracts";
import { apiRoute, routeMethods } from "@/lib/http/route";

// DELETE /api/v1/api-keys/:id — revoke one of the caller's keys
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(revokeApiKeyContract.path, {
  DELETE: apiRoute(revokeApiKeyContract, ({ caller, params }) =>
    revokeApiKey({ userId: caller.user.id, id: params.id }),
  ),
});
