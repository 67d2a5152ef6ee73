import { defineContract } from "@/lib/route-contract";
import {
  apiKeyIdParamsSchema,
  apiKeyListSchema,
  createApiKeyBodySchema,
  createdApiKeySchema,
  revokedApiKeySchema,
} from "./schemas";

export const createApiKeyContract = defineContract({
  method: "POST",
  path: "/api/v1/api-keys",
  summary: "Create an API key. The key is in this response only; Kiln keeps just its hash.",
  tags: ["api-keys"],
  auth: "session",
  body: createApiKeyBodySchema,
  response: createdApiKeySchema,
  status: 201,
});

export const listApiKeysContract = defineContract({
  method: "GET",
  path: "/api/v1/api-keys",
  summary: "List your active API keys (prefix, name, created and last-used times).",
  tags: ["api-keys"],
  auth: "user",
  response: apiKeyListSchema,
});

export const revokeApiKeyContract = defineContract({
  method: "DELETE",
  path: "/api/v1/api-keys/{id}",
  summary: "Revoke an API key; it stops working at once.",
  tags: ["api-keys"],
  auth: "session",
  params: apiKeyIdParamsSchema,
  response: revokedApiKeySchema,
});
