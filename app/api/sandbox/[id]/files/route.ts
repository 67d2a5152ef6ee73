import { apiRoute, routeMethods } from "@/lib/http/route";
import { readFilesContract, writeFilesContract } from "@/lib/sandbox/contracts";
import { readSandboxPath, writeSandboxFiles } from "@/lib/sandbox/sandbox-files";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(readFilesContract.path, {
  // GET /api/sandbox/:id/files?path= — read a file or list a directory of the workspace
  GET: apiRoute(readFilesContract, async ({ caller, params, query }) =>
    readSandboxPath({ userId: caller.user.id, sbxId: params.id, path: query.path }),
  ),
  // POST /api/sandbox/:id/files — write files into the workspace
  POST: apiRoute(writeFilesContract, async ({ caller, params, body }) => ({
    files: await writeSandboxFiles({ userId: caller.user.id, sbxId: params.id, files: body.files }),
  })),
});
