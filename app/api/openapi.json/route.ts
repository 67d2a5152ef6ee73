import { apiRoute, routeMethods } from "@/lib/http/route";
import { buildOpenApiDocument } from "@/lib/openapi/build-document";
import { openApiContract } from "@/lib/openapi/openapi-contract";

// GET /api/openapi.json — the OpenAPI 3.1 document of every endpoint
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(openApiContract.path, {
  GET: apiRoute(openApiContract, async () => buildOpenApiDocument()),
});
