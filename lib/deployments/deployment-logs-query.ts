import { z } from "zod";

// What GET /api/v1/deployments/:id/logs takes: where to resume, as Last-Event-ID does.
export const streamLogsQuerySchema = z.strictObject({
  after: z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(0, { error: "must be at least 0" })
    .max(Number.MAX_SAFE_INTEGER, { error: "is too large" })
    .optional(),
});

export const logEventIdSchema = z
  .string()
  .regex(/^\d{1,15}$/, "Last-Event-ID is not the id of one of this deployment's log rows")
  .transform(Number);
