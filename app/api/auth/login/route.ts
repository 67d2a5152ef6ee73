import { loginContract } from "@/lib/auth/contracts";
import { logIn } from "@/lib/auth/log-in";
import { sessionCookie } from "@/lib/auth/sessions";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/auth/login — check email and password, start a session
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(loginContract.path, {
  POST: apiRoute(loginContract, async ({ body, request, clientAddress, responseHeaders }) => {
    const { user, session } = await logIn({
      ...body,
      clientAddress,
      userAgent: request.headers.get("user-agent"),
    });
    responseHeaders.append("Set-Cookie", sessionCookie(session.token, session.expiresAt));
    return { user };
  }),
});
