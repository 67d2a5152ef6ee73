import { signupContract } from "@/lib/auth/contracts";
import { signUp } from "@/lib/auth/sign-up";
import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/auth/signup — create an account and start its session
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(signupContract.path, {
  POST: apiRoute(signupContract, async ({ body, request, clientAddress, responseHeaders }) => {
    const { setCookies, ...result } = await signUp({
      request,
      body,
      origin: appOrigin(request),
      clientAddress,
    });
    for (const cookie of setCookies) responseHeaders.append("Set-Cookie", cookie);
    return result;
  }),
});
