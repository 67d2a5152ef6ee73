import { apiRoute, routeMethods } from "@/lib/http/route";
import { createProjectContract, listProjectsContract } from "@/lib/projects/contracts";
import { createProject, listProjects } from "@/lib/projects/projects";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listProjectsContract.path, {
  // GET /api/v1/projects — the caller's projects, paginated, with their latest runs
  GET: apiRoute(listProjectsContract, ({ caller, query }) => listProjects(caller.user.id, query)),
  // POST /api/v1/projects — a new project in draft, with its git repository
  POST: apiRoute(createProjectContract, ({ caller, body }) => createProject(caller.user.id, body)),
});
