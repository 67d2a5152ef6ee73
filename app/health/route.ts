import { checkHealth, healthHttpStatus } from "@/lib/health/check-health";
import { healthContract } from "@/lib/health/contracts";
import { json } from "@/lib/http/responses";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /health — status of Kiln and its components
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(healthContract.path, {
  GET: apiRoute(healthContract, async () => {
    const report = await checkHealth();
    return json(report, { status: healthHttpStatus(report) });
  }),
});
