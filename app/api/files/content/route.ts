import { readFileContentContract, writeFileContentContract } from "@/lib/files/contracts";
import { fileBodyLimit } from "@/lib/files/file-rows";
import { readFileContent } from "@/lib/files/read-file-content";
import { writeFileContent } from "@/lib/files/write-file-content";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(readFileContentContract.path, {
  // GET /api/files/content?path= — a file's content and version
  GET: apiRoute(readFileContentContract, ({ caller, query }) =>
    readFileContent({ userId: caller.user.id, path: query.path, encoding: query.encoding }),
  ),
  // POST /api/files/content — save a file's content (409 when expectedVersion is stale)
  POST: apiRoute(
    writeFileContentContract,
    async ({ caller, body }) => ({
      success: true as const,
      file: await writeFileContent({ userId: caller.user.id, write: body }),
    }),
    { bodyLimitBytes: fileBodyLimit },
  ),
});
