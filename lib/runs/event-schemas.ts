import { z } from "zod";
import { taskIdSchema } from "./schemas";

// A run's events on /api/v1 (seed 001's fields) and the queries that read them. `seq` is the
// event's place in its run, what a client resumes from (`after`, or Last-Event-ID on the SSE
// stream).

export const runEventSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  runId: z.string(),
  taskId: z.string().nullable(),
  eventType: z.string(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type RunEvent = z.infer<typeof runEventSchema>;

/** A sequence number, or (as the seed has it) a timestamp: the events after it. */
const afterSchema = z.union([
  z
    .string()
    .regex(/^\d{1,15}$/, "is not a sequence number")
    .transform(Number),
  z.iso
    .datetime({ offset: true, error: "is neither a sequence number nor an ISO 8601 timestamp" })
    .transform((text) => new Date(text)),
]);

export const listRunEventsQuerySchema = z.strictObject({
  after: afterSchema.optional(),
  type: z
    .string()
    .regex(/^[A-Z][A-Z_]{0,63}$/, "is not an event type (such as TASK_STARTED)")
    .optional(),
  taskId: taskIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ListRunEventsQuery = z.infer<typeof listRunEventsQuerySchema>;

export const streamRunEventsQuerySchema = z.strictObject({ after: afterSchema.optional() });

/** What a reconnecting client sends: the `id:` of the last event it had. */
export const lastEventIdSchema = z
  .string()
  .regex(/^\d{1,15}$/, "Last-Event-ID is not the id of one of this run's events")
  .transform(Number);
