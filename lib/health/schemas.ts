import { z } from "zod";

const componentStatus = z.enum(["healthy", "unhealthy", "unconfigured"]);

export const healthReportSchema = z.object({
  status: z.enum(["healthy", "degraded", "unhealthy"]),
  version: z.string(),
  /** When the checks ran, in ISO 8601 UTC (seed 002). */
  timestamp: z.iso.datetime(),
  components: z.object({
    database: componentStatus,
    redis: componentStatus,
    queue: componentStatus,
    workers: componentStatus,
    sandbox: componentStatus,
    model: componentStatus,
  }),
  checks: z.record(
    z.string(),
    z.object({
      status: componentStatus,
      latencyMs: z.number().optional(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
