import { z } from "zod";

export const createApiKeyBodySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { error: "is required" })
    .max(100, { error: "must be at most 100 characters" }),
});

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe("The first characters of the key, to recognise it by"),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = apiKeySchema.extend({
  key: z.string().describe("The whole key. It is shown only in this response."),
});

export const apiKeyListSchema = z.array(apiKeySchema);

export const apiKeyIdParamsSchema = z.object({
  id: z.string().regex(/^key_[a-z0-9]+$/, { error: "is not an API key id" }),
});

export const revokedApiKeySchema = z.object({ id: z.string(), revoked: z.literal(true) });
