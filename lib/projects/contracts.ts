import { z } from "zod";
import { defineContract } from "@/lib/route-contract";
import {
  archivedProjectSchema,
  createProjectBodySchema,
  listProjectsQuerySchema,
  projectDetailSchema,
  projectListItemSchema,
  projectParamsSchema,
  projectSchema,
  updateProjectBodySchema,
} from "./schemas";

export const createProjectContract = defineContract({
  method: "POST",
  path: "/api/v1/projects",
  summary: "Create a project (status draft) with its own git repository.",
  tags: ["projects"],
  auth: "user",
  body: createProjectBodySchema,
  response: projectSchema,
  status: 201,
});

export const listProjectsContract = defineContract({
  method: "GET",
  path: "/api/v1/projects",
  summary:
    "List your projects, newest first, with each one's latest run. Archived projects only when asked for (status=archived or active=false).",
  tags: ["projects"],
  auth: "user",
  query: listProjectsQuerySchema,
  response: z.array(projectListItemSchema),
  paginated: true,
});

export const getProjectContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}",
  summary: "A project with its latest spec version and latest run.",
  tags: ["projects"],
  auth: "user",
  params: projectParamsSchema,
  response: projectDetailSchema,
});

export const updateProjectContract = defineContract({
  method: "PATCH",
  path: "/api/v1/projects/{projectId}",
  summary: "Rename a project or change its description (not once archived).",
  tags: ["projects"],
  auth: "user",
  params: projectParamsSchema,
  body: updateProjectBodySchema,
  response: projectDetailSchema,
});

export const archiveProjectContract = defineContract({
  method: "DELETE",
  path: "/api/v1/projects/{projectId}",
  summary: "Archive a project. Its repository and history are kept.",
  tags: ["projects"],
  auth: "user",
  params: projectParamsSchema,
  response: archivedProjectSchema,
});
