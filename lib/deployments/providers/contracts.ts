import { z } from "zod";
import { defineContract } from "@/lib/route-contract";
import {
  providerConnectionSchema,
  remoteProviderParamsSchema,
  saveProviderTokenBodySchema,
} from "./schemas";

export const listProviderConnectionsContract = defineContract({
  method: "GET",
  path: "/api/settings/deploy-providers",
  summary:
    "Whether your Vercel and Netlify tokens are saved, with a hint of each; a token is never shown.",
  tags: ["deployments"],
  auth: "user",
  response: z.object({ providers: z.array(providerConnectionSchema) }),
});

export const saveProviderTokenContract = defineContract({
  method: "PUT",
  path: "/api/settings/deploy-providers/{provider}",
  summary:
    "Save your token for vercel or netlify (and, for Vercel, an optional teamId), stored encrypted and sent only to that provider when you deploy to it. A token the provider refuses is reported when a deployment uses it.",
  tags: ["deployments"],
  auth: "session",
  params: remoteProviderParamsSchema,
  body: saveProviderTokenBodySchema,
  response: providerConnectionSchema,
});

export const deleteProviderTokenContract = defineContract({
  method: "DELETE",
  path: "/api/settings/deploy-providers/{provider}",
  summary: "Forget your token for vercel or netlify.",
  tags: ["deployments"],
  auth: "session",
  params: remoteProviderParamsSchema,
  response: z.object({ provider: z.string(), deleted: z.literal(true) }),
});
