import { getExportContract } from "@/lib/exports/contracts";
import { getExportOrThrow } from "@/lib/exports/get-export-or-throw";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getExportContract.path, {
  // GET /api/v1/projects/:projectId/exports/:exportId — status, size, download URL, expiry
  GET: apiRoute(getExportContract, ({ caller, params }) =>
    getExportOrThrow({ userId: caller.user.id, ...params }),
  ),
});
