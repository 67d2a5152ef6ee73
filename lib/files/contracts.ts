import { defineContract } from "@/lib/route-contract";
import {
  batchBodySchema,
  batchResultSchema,
  createFileBodySchema,
  deleteFileBodySchema,
  deleteResultSchema,
  fileContentSchema,
  fileResultSchema,
  fileTreeSchema,
  listFilesQuerySchema,
  moveFileBodySchema,
  moveResultSchema,
  readContentQuerySchema,
  writeContentBodySchema,
  zipDownloadSchema,
  zipQuerySchema,
} from "./schemas";

const paths =
  'Paths are relative to the workspace, with "/" between parts; "..", absolute paths, backslashes, NUL and other control characters, and parts over 255 bytes are refused.';
const versions =
  "Every change of a file raises its `version`; with `expectedVersion` a write happens only while the file is still at that version (0: only while it does not exist), else 409.";

export const listFilesContract = defineContract({
  method: "GET",
  path: "/api/files",
  summary: `Your workspace as a tree: directories first, each with its children. With \`path\`, what lies in that directory (404 when there is nothing there). ${paths}`,
  tags: ["files"],
  auth: "user",
  query: listFilesQuerySchema,
  response: fileTreeSchema,
});

export const createFileContract = defineContract({
  method: "POST",
  path: "/api/files",
  summary: `Create a file (text, or bytes as base64 with \`encoding: "base64"\`) or a directory; missing directories above it are made. 409 when the path exists; 413 past the per-file or per-user size limit. ${paths}`,
  tags: ["files"],
  auth: "user",
  body: createFileBodySchema,
  response: fileResultSchema,
  status: 201,
});

export const moveFileContract = defineContract({
  method: "PATCH",
  path: "/api/files",
  summary: `Rename or move a file or a directory (with everything below it) to a free path. ${versions}`,
  tags: ["files"],
  auth: "user",
  body: moveFileBodySchema,
  response: moveResultSchema,
});

export const deleteFileContract = defineContract({
  method: "DELETE",
  path: "/api/files",
  summary: "Delete a file, or a directory and everything below it.",
  tags: ["files"],
  auth: "user",
  body: deleteFileBodySchema,
  response: deleteResultSchema,
});

export const readFileContentContract = defineContract({
  method: "GET",
  path: "/api/files/content",
  summary:
    "A file's content with its version: text as it is, bytes in base64 (`encoding` says which; ask for `encoding=base64` to get any file's bytes).",
  tags: ["files"],
  auth: "user",
  query: readContentQuerySchema,
  response: fileContentSchema,
});

export const writeFileContentContract = defineContract({
  method: "POST",
  path: "/api/files/content",
  summary: `Replace the content of an existing file (404 when there is none). ${versions}`,
  tags: ["files"],
  auth: "user",
  body: writeContentBodySchema,
  response: fileResultSchema,
});

export const writeFileBatchContract = defineContract({
  method: "POST",
  path: "/api/files/batch",
  summary: `Write up to 1,000 files and directories at once, each created or replaced, all or nothing: when one is refused (a bad path, a stale version, a size limit), none is written. Answers each file without its content. ${versions}`,
  tags: ["files"],
  auth: "user",
  body: batchBodySchema,
  response: batchResultSchema,
});

export const zipFilesContract = defineContract({
  method: "GET",
  path: "/api/files/zip",
  summary: `Your workspace, or with \`path\` a folder (or file) of it, as a zip download (application/zip, Content-Disposition attachment; filename=<folder>.zip), streamed as it is made: binary files byte for byte, empty folders kept. 404 when there is nothing at \`path\`. ${paths}`,
  tags: ["files"],
  auth: "user",
  query: zipQuerySchema,
  response: zipDownloadSchema,
  mediaType: "application/zip",
});
