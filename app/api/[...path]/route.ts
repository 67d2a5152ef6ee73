import { KilnError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/responses";
import { surfaceOf } from "@/lib/route-contract";

// Any /api path no route claims: a JSON 404 in the surface's shape instead of an HTML page.
async function notFound(request: Request) {
  const { pathname } = new URL(request.url);
  return errorResponse(
    surfaceOf(pathname),
    new KilnError("NOT_FOUND", `No API route at ${request.method} ${pathname}`),
    {
      requestId: request.headers.get("x-request-id") ?? crypto.randomUUID(),
    },
  );
}

export {
  notFound as GET,
  notFound as POST,
  notFound as PUT,
  notFound as PATCH,
  notFound as DELETE,
};
