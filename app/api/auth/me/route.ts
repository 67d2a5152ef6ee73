import { meContract } from "@/lib/auth/contracts";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /api/auth/me — who the caller is
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(meContract.path, {
  GET: apiRoute(meContract, async ({ caller }) => ({
    user: caller.user,
    authenticatedVia: caller.kind,
  })),
});
