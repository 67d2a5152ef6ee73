import { defineContract } from "@/lib/route-contract";
import {
  directoryListingSchema,
  fileContentQuerySchema,
  fileContentSchema,
  fileParamsSchema,
  filesParamsSchema,
  listFilesQuerySchema,
} from "./schemas";

export const listFilesContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/files",
  summary:
    "A directory of the project's repository at a branch, tag or commit (ref, default main): directories first, then files with their sizes.",
  tags: ["files"],
  auth: "user",
  params: filesParamsSchema,
  query: listFilesQuerySchema,
  response: directoryListingSchema,
});

export const readFileContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/files/{path}",
  summary:
    "A file of the project's repository at a branch, tag or commit (ref, default main): UTF-8 text, or base64 for binary files. The path may contain slashes.",
  tags: ["files"],
  auth: "user",
  params: fileParamsSchema,
  query: fileContentQuerySchema,
  response: fileContentSchema,
});
