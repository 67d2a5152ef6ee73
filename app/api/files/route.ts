import {
  createFileContract,
  deleteFileContract,
  listFilesContract,
  moveFileContract,
} from "@/lib/files/contracts";
import { createFile } from "@/lib/files/create-file";
import { deleteFile } from "@/lib/files/delete-file";
import { fileBodyLimit } from "@/lib/files/file-rows";
import { listFileTree } from "@/lib/files/list-file-tree";
import { moveFile } from "@/lib/files/move-file";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listFilesContract.path, {
  // GET /api/files — the workspace tree, or the part of it under ?path=
  GET: apiRoute(listFilesContract, ({ caller, query }) =>
    listFileTree({ userId: caller.user.id, path: query.path }),
  ),
  // POST /api/files — create a file or directory (and the directories above it)
  POST: apiRoute(
    createFileContract,
    async ({ caller, body }) => ({
      success: true as const,
      file: await createFile({ userId: caller.user.id, file: body }),
    }),
    { bodyLimitBytes: fileBodyLimit },
  ),
  // PATCH /api/files — rename or move a file or directory
  PATCH: apiRoute(moveFileContract, async ({ caller, body }) => ({
    success: true as const,
    ...(await moveFile({ userId: caller.user.id, move: body })),
  })),
  // DELETE /api/files — delete a file, or a directory with everything below it
  DELETE: apiRoute(deleteFileContract, async ({ caller, body }) => ({
    success: true as const,
    deleted: await deleteFile({ userId: caller.user.id, path: body.path }),
  })),
});
