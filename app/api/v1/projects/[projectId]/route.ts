import { apiRoute, routeMethods } from "@/lib/http/route";
import {
  archiveProjectContract,
  getProjectContract,
  updateProjectContract,
} from "@/lib/projects/contracts";
import { archiveProject, getProject, updateProject } from "@/lib/projects/projects";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getProjectContract.path, {
  // GET /api/v1/projects/:projectId — the project, its latest spec and run
  GET: apiRoute(getProjectContract, ({ caller, params }) =>
    getProject(caller.user.id, params.projectId),
  ),
  // PATCH /api/v1/projects/:projectId — name, description, type, stack
  PATCH: apiRoute(updateProjectContract, ({ caller, params, body }) =>
    updateProject(caller.user.id, params.projectId, body),
  ),
  // DELETE /api/v1/projects/:projectId — archive; the repository is kept
  DELETE: apiRoute(archiveProjectContract, ({ caller, params }) =>
    archiveProject(caller.user.id, params.projectId),
  ),
});
