import { usageContract } from "@/lib/ai/contracts";
import { usageSummary } from "@/lib/ai/llm-calls";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /api/usage — the caller's model usage over the last 30 days
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(usageContract.path, {
  GET: apiRoute(usageContract, async ({ caller }) => ({
    days: 30,
    rows: await usageSummary(caller.user.id, 30),
  })),
});
