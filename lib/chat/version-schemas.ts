import { z } from "zod";
import { fragmentSchema } from "@/lib/fragments/schema";

// Apart from schemas.ts, which browser code reads: checking a fragment needs the template
// registry, which is server-only.

/** POST /api/chats/:id/versions — the user's own change to the chat's fragment, whole. */
export const saveVersionBodySchema = z.object({ fragment: fragmentSchema });
export type SaveVersionBody = z.infer<typeof saveVersionBodySchema>;
