import { defineContract } from "@/lib/route-contract";
import { openApiDocumentSchema } from "./schemas";

export const openApiContract = defineContract({
  method: "GET",
  path: "/api/openapi.json",
  summary: "This document.",
  tags: ["system"],
  auth: "public",
  response: openApiDocumentSchema,
});
