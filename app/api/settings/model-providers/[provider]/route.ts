import { deleteCredentialContract, saveCredentialContract } from "@/lib/ai/contracts";
import { deleteCredential } from "@/lib/ai/credentials";
import { saveProvider } from "@/lib/ai/models";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(saveCredentialContract.path, {
  // PUT /api/settings/model-providers/:provider — set the caller's key or server URL
  PUT: apiRoute(saveCredentialContract, ({ caller, params, body }) =>
    saveProvider({
      userId: caller.user.id,
      isAdmin: caller.user.isAdmin,
      provider: params.provider,
      ...body,
    }),
  ),
  // DELETE /api/settings/model-providers/:provider — forget it
  DELETE: apiRoute(deleteCredentialContract, async ({ caller, params }) => {
    await deleteCredential(caller.user.id, params.provider);
    return { provider: params.provider, deleted: true as const };
  }),
});
