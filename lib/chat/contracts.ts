import { z } from "zod";
import { fragmentSchema } from "@/lib/fragments/schema";
import { defineContract } from "@/lib/route-contract";
import { morphRequestSchema } from "./morph-schemas";
import {
  chatDetailSchema,
  chatListQuerySchema,
  chatListResponseSchema,
  chatMessageSchema,
  chatParamsSchema,
  chatRequestSchema,
  chatSummarySchema,
  deletedSchema,
  renameChatBodySchema,
} from "./schemas";
import { saveVersionBodySchema } from "./version-schemas";

export const chatContract = defineContract({
  method: "POST",
  path: "/api/chat",
  summary:
    "Have the model write a fragment for the conversation, answered by the Accept header. By default (no Accept, */*, text/plain): the fragment's JSON as plain text, growing, as the AI SDK's useObject reads it, ending as the validated fragment (fields Kiln normalised or repaired are written again at the end); when no valid fragment comes out the body breaks off unfinished. The chat id is in X-Chat-Id. Accept: text/event-stream: the AI SDK's UI message stream (data-chat, then data-fragment parts with status streaming, done or failed). Accept: application/json: one answer with the validated fragment (this schema). Counts against the LLM rate limit unless your own key goes to an endpoint of your own.",
  tags: ["chat"],
  auth: "user",
  body: chatRequestSchema,
  response: z.object({
    chatId: z.string(),
    messageId: z.string(),
    fragment: z.record(z.string(), z.unknown()),
  }),
});

export const listChatsContract = defineContract({
  method: "GET",
  path: "/api/chats",
  summary: "Your chats, most recently active first.",
  tags: ["chat"],
  auth: "user",
  query: chatListQuerySchema,
  response: chatListResponseSchema,
});

export const getChatContract = defineContract({
  method: "GET",
  path: "/api/chats/{id}",
  summary: "One chat with its messages (assistant messages carry their fragment).",
  tags: ["chat"],
  auth: "user",
  params: chatParamsSchema,
  response: chatDetailSchema,
});

export const renameChatContract = defineContract({
  method: "PATCH",
  path: "/api/chats/{id}",
  summary: "Rename a chat: whitespace is folded to single spaces, 1 to 200 characters.",
  tags: ["chat"],
  auth: "user",
  params: chatParamsSchema,
  body: renameChatBodySchema,
  response: chatSummarySchema,
});

export const deleteChatContract = defineContract({
  method: "DELETE",
  path: "/api/chats/{id}",
  summary: "Delete a chat and its messages, and stop the sandbox it keeps.",
  tags: ["chat"],
  auth: "user",
  params: chatParamsSchema,
  response: deletedSchema,
});

export const morphContract = defineContract({
  method: "POST",
  path: "/api/chat/morph-chat",
  summary:
    "Change currentFragment as the last message asks. The model's targeted edits are applied and checked (retried once with the errors); answers with the whole updated fragment, or 502 saying which edit did not apply.",
  tags: ["chat"],
  auth: "user",
  body: morphRequestSchema,
  response: fragmentSchema,
});

export const saveVersionContract = defineContract({
  method: "POST",
  path: "/api/chats/{id}/versions",
  summary:
    "Save your own change to the chat's app as its next version: the whole fragment, same template, at least one file changed. Stored as an assistant message whose commentary names the changed files; the next edit by chat starts from it.",
  tags: ["chat"],
  auth: "user",
  params: chatParamsSchema,
  body: saveVersionBodySchema,
  response: chatMessageSchema,
  status: 201,
});
