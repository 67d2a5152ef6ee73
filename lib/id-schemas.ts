import { z } from "zod";

// The shapes of ids that more than one domain checks, below all of them (and safe for the
// browser: zod only). A sandbox run names the chat it belongs to; chats own the id's format.

export const chatIdSchema = z.string().regex(/^chat_[a-z0-9]+$/, { error: "is not a chat id" });
