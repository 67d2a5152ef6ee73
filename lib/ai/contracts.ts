import { z } from "zod";
import { defineContract } from "@/lib/route-contract";
import {
  credentialSchema,
  modelsResponseSchema,
  providerParamsSchema,
  saveCredentialBodySchema,
  usageSchema,
} from "./schemas";

export const listModelsContract = defineContract({
  method: "GET",
  path: "/api/models",
  summary:
    "The models you can use: from your own provider keys (Settings) and the server's, as each provider lists them.",
  tags: ["models"],
  auth: "user",
  response: modelsResponseSchema,
});

export const listCredentialsContract = defineContract({
  method: "GET",
  path: "/api/settings/model-providers",
  summary: "Your own model providers. Keys are shown only as a hint, such as sk-…a1b2.",
  tags: ["models"],
  auth: "user",
  response: z.object({ providers: z.array(credentialSchema) }),
});

export const saveCredentialContract = defineContract({
  method: "PUT",
  path: "/api/settings/model-providers/{provider}",
  summary:
    "Set your key (and, for openai-compatible, the server's base URL) for a provider. Stored encrypted.",
  tags: ["models"],
  auth: "session",
  params: providerParamsSchema,
  body: saveCredentialBodySchema,
  response: credentialSchema,
});

export const deleteCredentialContract = defineContract({
  method: "DELETE",
  path: "/api/settings/model-providers/{provider}",
  summary: "Forget your key for a provider.",
  tags: ["models"],
  auth: "session",
  params: providerParamsSchema,
  response: z.object({ provider: z.string(), deleted: z.literal(true) }),
});

export const usageContract = defineContract({
  method: "GET",
  path: "/api/usage",
  summary: "Your model usage over the last 30 days, by provider, model and purpose.",
  tags: ["models"],
  auth: "user",
  response: usageSchema,
});
