import { listModelsContract } from "@/lib/ai/contracts";
import { availableModels } from "@/lib/ai/models";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /api/models — the models the caller can use
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listModelsContract.path, {
  GET: apiRoute(listModelsContract, ({ caller }) => availableModels(caller.user)),
});
