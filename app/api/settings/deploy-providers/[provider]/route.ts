import {
  deleteProviderTokenContract,
  saveProviderTokenContract,
} from "@/lib/deployments/providers/contracts";
import { deleteProviderToken, saveProviderToken } from "@/lib/deployments/providers/credentials";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(saveProviderTokenContract.path, {
  // PUT /api/settings/deploy-providers/:provider — save the caller's token for it
  PUT: apiRoute(saveProviderTokenContract, ({ caller, params, body }) =>
    saveProviderToken({
      userId: caller.user.id,
      provider: params.provider,
      token: body.token,
      teamId: body.teamId,
    }),
  ),
  // DELETE /api/settings/deploy-providers/:provider — forget it
  DELETE: apiRoute(deleteProviderTokenContract, async ({ caller, params }) => {
    await deleteProviderToken(caller.user.id, params.provider);
    return { provider: params.provider, deleted: true as const };
  }),
});
