import { createApiKey, listApiKeys } from "@/lib/api-keys/api-keys";
import { createApiKeyContract, listApiKeysContract } from "@/lib/api-keys/contracts";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listApiKeysContract.path, {
  // GET /api/v1/api-keys — list the caller's keys
  GET: apiRoute(listApiKeysContract, ({ caller }) => listApiKeys({ userId: caller.user.id })),
  // POST /api/v1/api-keys — create a key, shown once
  POST: apiRoute(createApiKeyContract, ({ caller, body }) =>
    createApiKey({ userId: caller.user.id, name: body.name }),
  ),
});
