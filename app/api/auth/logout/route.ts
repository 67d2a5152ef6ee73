import { logoutContract } from "@/lib/auth/contracts";
import { logOut } from "@/lib/auth/log-out";
import { assertSameOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/auth/logout — end the current session
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(logoutContract.path, {
  POST: apiRoute(logoutContract, async ({ request, responseHeaders }) => {
    // It acts on the session cookie, so it is held to the rule of every cookie mutation.
    assertSameOrigin(request);
    for (const cookie of await logOut(request)) responseHeaders.append("Set-Cookie", cookie);
    return { ok: true as const };
  }),
});
