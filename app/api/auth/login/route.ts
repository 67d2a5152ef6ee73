import { loginContract } from "@/lib/auth/contracts";
import { logIn } from "@/lib/auth/log-in";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/auth/login — check email and password, start a session
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(loginContract.path, {
  POST: apiRoute(loginContract, async ({ body, request, clientAddress, responseHeaders }) => {
    const { setCookies, ...result } = await logIn(request, body, clientAddress);
    for (const cookie of setCookies) responseHeaders.append("Set-Cookie", cookie);
    return result;
  }),
});
