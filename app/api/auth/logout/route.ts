import { logoutContract } from "@/lib/auth/contracts";
import { readCookie } from "@/lib/auth/resolve-caller";
import { clearedSessionCookie, deleteSession, sessionCookieName } from "@/lib/auth/sessions";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/auth/logout — end the current session
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(logoutContract.path, {
  POST: apiRoute(logoutContract, async ({ request, responseHeaders }) => {
    const token = readCookie(request.headers, sessionCookieName);
    if (token) await deleteSession(token);
    responseHeaders.append("Set-Cookie", clearedSessionCookie());
    return { ok: true as const };
  }),
});
