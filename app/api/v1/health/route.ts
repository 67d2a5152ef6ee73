import { checkHealth, healthHttpStatus } from "@/lib/health/check-health";
import { v1HealthContract } from "@/lib/health/contracts";
import { json } from "@/lib/http/responses";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /api/v1/health — status of Kiln and its components (same body as /health)
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(v1HealthContract.path, {
  GET: apiRoute(v1HealthContract, async () => {
    const report = await checkHealth();
    return json(report, { status: healthHttpStatus(report) });
  }),
});
