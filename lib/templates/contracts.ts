import { z } from "zod";
import { defineContract } from "@/lib/route-contract";
import { publicTemplateSchema } from "./schemas";

export const listTemplatesContract = defineContract({
  method: "GET",
  path: "/api/templates",
  summary: "The templates a fragment can run on. They live on the server; a client only names one.",
  tags: ["chat"],
  auth: "user",
  response: z.object({ templates: z.array(publicTemplateSchema) }),
});
