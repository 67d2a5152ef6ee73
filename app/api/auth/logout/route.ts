import { logoutContract } from "@/lib/auth/contracts";
import { logOut } from "@/lib/auth/log-out";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/auth/logout — end the current session
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(logoutContract.path, {
  POST: apiRoute(logoutContract, async ({ request, responseHeaders }) => {
    for (const cookie of await logOut(request)) responseHeaders.append("Set-Cookie", cookie);
    return { ok: true as const };
  }),
});
