import { createExportContract } from "@/lib/exports/contracts";
import { createExport } from "@/lib/exports/create-export";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(createExportContract.path, {
  // POST /api/v1/projects/:projectId/export — zip a run's result in the background
  POST: apiRoute(createExportContract, ({ caller, params, body }) =>
    createExport({ userId: caller.user.id, projectId: params.projectId, body }),
  ),
});
