import { downloadExportContract } from "@/lib/exports/contracts";
import { openExportDownload } from "@/lib/exports/open-export-download";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(downloadExportContract.path, {
  // GET /api/v1/projects/:projectId/exports/:exportId/download — the zip, streamed from disk
  GET: apiRoute(downloadExportContract, async ({ caller, params }) => {
    const { stream, fileName } = await openExportDownload({
      userId: caller.user.id,
      ...params,
    });
    // No Content-Length: Next drops it from route responses; the export's sizeBytes has it.
    return new Response(stream, {
      headers: {
        "Content-Type": "application/zip",
        "Content-Disposition": `attachment; filename="${fileName}"`,
        "Cache-Control": "private, no-store",
      },
    });
  }),
});
