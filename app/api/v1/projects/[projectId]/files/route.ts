import { apiRoute, routeMethods } from "@/lib/http/route";
import { listFilesContract } from "@/lib/project-files/contracts";
import { listFiles } from "@/lib/project-files/list-files";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listFilesContract.path, {
  // GET /api/v1/projects/:projectId/files?ref=&path= — a directory of the repository at a ref
  GET: apiRoute(listFilesContract, ({ caller, params, query }) =>
    listFiles({ userId: caller.user.id, projectId: params.projectId, ...query }),
  ),
});
