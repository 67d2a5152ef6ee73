import { KilnError } from "@/lib/errors";
import { appOrigin } from "@/lib/http/origin";
import { errorResponse } from "@/lib/http/responses";
import {
  checkPreviewToken,
  parsePreviewPath,
  previewOriginUrl,
} from "@/lib/sandbox/local/preview/preview-token";

// ANY /api/sandbox/:id/preview/:token/... — the older address of a local sandbox's app. Apps are
// served at the root of their own origin now (server.ts routes `<label>.<preview domain>`);
// this address only redirects there, keeping the path within the app, so that links made
// before still open. Kiln's own host serves no preview content.

async function preview(request: Request): Promise<Response> {
  const requestId = request.headers.get("x-request-id") ?? crypto.randomUUID();
  try {
    const url = new URL(request.url);
    const parsed = parsePreviewPath(url.pathname);
    if (!parsed || !checkPreviewToken(parsed.sbxId, parsed.token)) {
      throw new KilnError("NOT_FOUND", "Preview not found");
    }
    const origin = previewOriginUrl(parsed.sbxId, appOrigin(request));
    const target = new URL(parsed.rest.replace(/^\/+/, "/") || "/", origin);
    target.search = url.search;
    return new Response(null, {
      status: 308,
      headers: { Location: target.href, "Cache-Control": "no-store" },
    });
  } catch (error) {
    return errorResponse("api", error, { requestId });
  }
}

export {
  preview as DELETE,
  preview as GET,
  preview as HEAD,
  preview as OPTIONS,
  preview as PATCH,
  preview as POST,
  preview as PUT,
};
