import { z } from "zod";

// One chat message as the API takes it; free of server-only imports, so the browser reads its
// limits (the prompt box counts characters against the same maximum).

export const messageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string().max(200_000, { error: "must be at most 200000 characters" }),
});
