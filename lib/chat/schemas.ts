import { z } from "zod";
import { modelConfigSchema, modelSelectionSchema } from "@/lib/ai/schemas";
import { chatIdSchema } from "@/lib/id-schemas";

// The chat API's shapes. Browser code reads this module too, so it imports nothing server-only;
// the morph request, which validates a whole fragment, is in morph-schemas.ts.

export { chatIdSchema };

/** One message as the API takes it; the prompt box counts characters against its maximum. */
export const messageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string().max(200_000, { error: "must be at most 200000 characters" }),
});

/**
 * The seed's POST /api/chat body. `userID` and `teamID` are accepted for compatibility and
 * ignored: the user is whoever is signed in. `chatId` (Kiln's) continues a stored chat.
 */
export const chatRequestSchema = z.object({
  messages: z
    .array(messageSchema)
    .min(1, { error: "must contain at least one message" })
    .max(200, { error: "must contain at most 200 messages" })
    .refine((messages) => messages.at(-1)?.role === "user", {
      error: "the last message must be the user's",
    })
    .refine((messages) => (messages.at(-1)?.content.trim().length ?? 0) > 0, {
      error: "the last message must not be empty",
    }),
  userID: z.string().max(200).optional(),
  teamID: z.string().max(200).optional(),
  template: z.string().max(100).optional(),
  model: modelSelectionSchema.optional(),
  config: modelConfigSchema.optional(),
  chatId: chatIdSchema.optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const chatSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  template: z.string().nullable(),
  model: z.string().nullable(),
  /** The sandbox the chat's fragments run in (it may since have stopped or expired). */
  sbxId: z.string().nullable(),
  /** The workspace folder the chat was opened on ("" for the whole workspace), else null. */
  workspacePath: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ChatSummary = z.infer<typeof chatSummarySchema>;

export const chatMessageSchema = z.object({
  id: z.string(),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  fragment: z.record(z.string(), z.unknown()).nullable(),
  status: z.enum(["complete", "failed"]),
  error: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const chatListResponseSchema = z.object({
  chats: z.array(chatSummarySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type ChatList = z.infer<typeof chatListResponseSchema>;

export const chatDetailSchema = z.object({
  chat: chatSummarySchema,
  messages: z.array(chatMessageSchema),
});

export const chatParamsSchema = z.object({ id: chatIdSchema });

/** PATCH /api/chats/:id — a new title, on one line. */
export const renameChatBodySchema = z.object({
  title: z
    .string()
    .transform((title) => title.replace(/\s+/g, " ").trim())
    .pipe(
      z
        .string()
        .min(1, { error: "must not be empty" })
        .max(200, { error: "must be at most 200 characters" }),
    ),
});
export const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });
