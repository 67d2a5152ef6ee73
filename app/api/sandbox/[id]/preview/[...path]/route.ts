import { KilnError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/responses";
import { localSandbox } from "@/lib/sandbox/local/local-provider";
import { proxyPreview } from "@/lib/sandbox/local/preview/preview-proxy";
import { checkPreviewToken, parsePreviewPath } from "@/lib/sandbox/local/preview/preview-token";

// ANY /api/sandbox/:id/preview/:token/... — the running app of a local sandbox, proxied as it
// is. The token in the path is the only credential: the preview runs with an opaque origin, so
// its requests carry no Kiln session (see lib/sandbox/local/preview/preview-headers.ts).

async function preview(request: Request): Promise<Response> {
  const requestId = request.headers.get("x-request-id") ?? crypto.randomUUID();
  try {
    const parsed = parsePreviewPath(new URL(request.url).pathname);
    if (!parsed || !checkPreviewToken(parsed.sbxId, parsed.token)) {
      throw new KilnError("NOT_FOUND", "Preview not found");
    }
    const target = localSandbox(parsed.sbxId)?.previewTarget();
    if (!target) {
      throw new KilnError(
        "NOT_FOUND",
        "This app is not running; press Run in the IDE to start it again",
        { reason: "preview_not_running" },
      );
    }
    return await proxyPreview({ request, prefix: parsed.prefix, ...target });
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
