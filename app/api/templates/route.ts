import { apiRoute, routeMethods } from "@/lib/http/route";
import { listTemplatesWithAvailability } from "@/lib/sandbox/template-availability";
import { listTemplatesContract } from "@/lib/templates/contracts";

// GET /api/templates — the templates fragments run on, and which this server can run
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listTemplatesContract.path, {
  GET: apiRoute(listTemplatesContract, async () => ({
    templates: await listTemplatesWithAvailability(),
  })),
});
