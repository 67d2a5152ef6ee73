import { zipFilesContract } from "@/lib/files/contracts";
import { zipWorkspace } from "@/lib/files/zip-workspace";
import { attachment } from "@/lib/http/content-disposition";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(zipFilesContract.path, {
  // GET /api/files/zip?path= — the workspace or a folder of it as a zip, streamed
  GET: apiRoute(zipFilesContract, async ({ caller, query }) => {
    const { stream, fileName } = await zipWorkspace({ userId: caller.user.id, path: query.path });
    return new Response(stream, {
      headers: {
        "Content-Type": "application/zip",
        "Content-Disposition": attachment(fileName),
        "Cache-Control": "private, no-store",
      },
    });
  }),
});
