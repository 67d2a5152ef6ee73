import { writeFileBatchContract } from "@/lib/files/contracts";
import { batchBodyLimit } from "@/lib/files/file-rows";
import { writeFileBatch } from "@/lib/files/write-file-batch";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(writeFileBatchContract.path, {
  // POST /api/files/batch — write up to 1,000 files in one transaction, all or nothing
  POST: apiRoute(
    writeFileBatchContract,
    async ({ caller, body }) => ({
      success: true as const,
      files: await writeFileBatch({ userId: caller.user.id, files: body.files }),
    }),
    { bodyLimitBytes: batchBodyLimit },
  ),
});
