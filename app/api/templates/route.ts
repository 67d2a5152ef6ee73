import { apiRoute, routeMethods } from "@/lib/http/route";
import { listTemplatesContract } from "@/lib/templates/contracts";
import { listPublicTemplates } from "@/lib/templates/templates";

// GET /api/templates — the templates fragments run on
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listTemplatesContract.path, {
  GET: apiRoute(listTemplatesContract, async () => ({ templates: listPublicTemplates() })),
});
