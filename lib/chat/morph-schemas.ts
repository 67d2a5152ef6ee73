import { z } from "zod";
import { modelConfigSchema, modelSelectionSchema } from "@/lib/ai/schemas";
import { fragmentSchema } from "@/lib/fragments/schema";
import { chatIdSchema, chatRequestSchema } from "./schemas";

// Apart from schemas.ts, which browser code reads: checking a fragment needs the template
// registry, which is server-only.

/** The seed's POST /api/chat/morph-chat body: the conversation and the fragment to change. */
export const morphRequestSchema = z.object({
  messages: chatRequestSchema.shape.messages,
  model: modelSelectionSchema.optional(),
  config: modelConfigSchema.optional(),
  currentFragment: fragmentSchema,
  chatId: chatIdSchema.optional(),
});
export type MorphRequest = z.infer<typeof morphRequestSchema>;
