import { listProviderConnectionsContract } from "@/lib/deployments/providers/contracts";
import { listProviderConnections } from "@/lib/deployments/providers/credentials";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /api/settings/deploy-providers — the caller's Vercel and Netlify tokens, as hints
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(
  listProviderConnectionsContract.path,
  {
    GET: apiRoute(listProviderConnectionsContract, async ({ caller }) => ({
      providers: await listProviderConnections(caller.user.id),
    })),
  },
);
