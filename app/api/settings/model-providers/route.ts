import { listCredentialsContract } from "@/lib/ai/contracts";
import { listCredentials } from "@/lib/ai/credentials";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /api/settings/model-providers — the caller's own providers, keys as hints
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listCredentialsContract.path, {
  GET: apiRoute(listCredentialsContract, async ({ caller }) => ({
    providers: await listCredentials(caller.user.id),
  })),
});
