import { defineContract } from "@/lib/route-contract";
import { healthReportSchema } from "./schemas";

const health = {
  method: "GET",
  summary: "Health of Kiln and each component it depends on; 503 when the database is down.",
  tags: ["system"],
  auth: "public",
  rateLimit: false,
  response: healthReportSchema,
  bare: true,
} as const;

export const healthContract = defineContract({ ...health, path: "/health" });
export const v1HealthContract = defineContract({ ...health, path: "/api/v1/health" });
