import { apiRoute, routeMethods } from "@/lib/http/route";
import { readFileContract } from "@/lib/project-files/contracts";
import { readFile } from "@/lib/project-files/read-file";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(readFileContract.path, {
  // GET /api/v1/projects/:projectId/files/:path*?ref= — a file of the repository at a ref
  GET: apiRoute(readFileContract, ({ caller, params, query }) =>
    readFile({ userId: caller.user.id, ...params, ref: query.ref }),
  ),
});
