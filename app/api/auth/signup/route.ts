import { signupContract } from "@/lib/auth/contracts";
import { sessionCookie } from "@/lib/auth/sessions";
import { signUp } from "@/lib/auth/sign-up";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/auth/signup — create a local account and start its session
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(signupContract.path, {
  POST: apiRoute(signupContract, async ({ body, request, responseHeaders }) => {
    const { user, session } = await signUp({
      ...body,
      userAgent: request.headers.get("user-agent"),
    });
    responseHeaders.append("Set-Cookie", sessionCookie(session.token, session.expiresAt));
    return { user };
  }),
});
