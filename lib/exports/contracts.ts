import { projectParamsSchema } from "@/lib/projects/schemas";
import { defineContract } from "@/lib/route-contract";
import {
  createExportBodySchema,
  exportDownloadSchema,
  exportParamsSchema,
  exportSchema,
} from "./schemas";

export const createExportContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/export",
  summary:
    "Export a run's result as a zip, made in the background (status processing, then completed or failed). 409 when the run has no commit yet.",
  tags: ["exports"],
  auth: "user",
  params: projectParamsSchema,
  body: createExportBodySchema,
  response: exportSchema,
  status: 202,
});

export const getExportContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/exports/{exportId}",
  summary: "An export's status, size, download URL and expiry.",
  tags: ["exports"],
  auth: "user",
  params: exportParamsSchema,
  response: exportSchema,
});

export const downloadExportContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/exports/{exportId}/download",
  summary:
    "The completed export's zip (application/zip, Content-Disposition attachment; filename=<project>-run-<n>.zip). 409 while it is being made.",
  tags: ["exports"],
  auth: "user",
  params: exportParamsSchema,
  response: exportDownloadSchema,
  mediaType: "application/zip",
});
