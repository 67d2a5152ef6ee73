import { z } from "zod";
import { defineContract } from "@/lib/route-contract";
import { templateListItemSchema } from "./schemas";

export const listTemplatesContract = defineContract({
  method: "GET",
  path: "/api/templates",
  summary:
    "The templates a fragment can run on. They live on the server; a client only names one. `available` says whether this server can run one now; when it cannot, `reason` says why, for people.",
  tags: ["chat"],
  auth: "user",
  response: z.object({ templates: z.array(templateListItemSchema) }),
});
