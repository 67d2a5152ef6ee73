import { z } from "zod";
import { providerIds } from "./providers-list";

/** The seed's `model` field: which model the client picked from GET /api/models. */
export const modelSelectionSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  name: z.string().max(200).optional(),
  provider: z.string().max(100).optional(),
  providerId: z.string().max(100).optional(),
});
export type ModelSelection = z.infer<typeof modelSelectionSchema>;

// A key goes into an HTTP header: a space or control character in it could only fail there,
// and the failure would quote the key.
const apiKeyCharacters = /^[\x21-\x7e]*$/;
const apiKeyCharactersError = "must be printable ASCII without spaces, as provider keys are";

/** The seed's `config` field. An apiKey here is the client's own and goes nowhere else. */
export const modelConfigSchema = z.object({
  model: z.string().min(1).max(200).optional(),
  apiKey: z.string().max(500).regex(apiKeyCharacters, apiKeyCharactersError).optional(),
  baseURL: z.string().max(2000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().min(1).max(1000).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  maxTokens: z.number().int().min(1).max(200_000).optional(),
});
export type ModelConfig = z.infer<typeof modelConfigSchema>;

export const providerIdSchema = z.enum(providerIds);

/** Where a key came from. Only "server" keys count against the LLM rate-limit group. */
export const keySourceSchema = z.enum(["server", "user", "request", "none"]);
export type KeySource = z.infer<typeof keySourceSchema>;

export const modelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: providerIdSchema,
  providerName: z.string(),
  structuredOutput: z.boolean(),
  keySource: keySourceSchema,
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const providerStatusSchema = z.object({
  provider: providerIdSchema,
  keySource: keySourceSchema,
  status: z.enum(["ok", "error"]),
  message: z.string().optional(),
});
export type ProviderStatus = z.infer<typeof providerStatusSchema>;

export const modelsResponseSchema = z.object({
  models: z.array(modelInfoSchema),
  providers: z.array(providerStatusSchema),
});
export type ModelsResponse = z.infer<typeof modelsResponseSchema>;

/** What the server keeps for one of a user's providers; the key itself never comes back. */
export const credentialSchema = z.object({
  id: z.string(),
  provider: providerIdSchema,
  baseURL: z.string().nullable(),
  keyHint: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});
export type ModelCredential = z.infer<typeof credentialSchema>;

export const saveCredentialBodySchema = z
  .object({
    apiKey: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .regex(apiKeyCharacters, apiKeyCharactersError)
      .optional(),
    baseURL: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
  })
  .refine((b) => b.apiKey !== undefined || b.baseURL !== undefined, {
    error: "give an apiKey, a baseURL, or both",
  });
export type SaveCredentialBody = z.infer<typeof saveCredentialBodySchema>;

export const providerParamsSchema = z.object({ provider: providerIdSchema });

export const usageRowSchema = z.object({
  provider: z.string(),
  model: z.string(),
  purpose: z.string(),
  calls: z.number().int(),
  failures: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  averageLatencyMs: z.number().int(),
});
export type UsageRow = z.infer<typeof usageRowSchema>;

export const usageSchema = z.object({
  days: z.number().int(),
  rows: z.array(usageRowSchema),
});
export type Usage = z.infer<typeof usageSchema>;
