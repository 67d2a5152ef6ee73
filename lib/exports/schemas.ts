import { z } from "zod";
import { projectIdSchema } from "@/lib/projects/schemas";

// Seed 001's exports: a zip of a build run's result, made in the background, downloadable
// until it expires.

export const exportIdSchema = z.string().regex(/^exp_[a-z0-9]+$/, { error: "is not an export id" });
const runIdSchema = z.string().regex(/^run_[a-z0-9]+$/, { error: "is not a run id" });

export const createExportBodySchema = z.object({
  runId: runIdSchema,
  format: z.literal("zip", { error: 'must be "zip"' }).default("zip"),
});
export type CreateExportBody = z.infer<typeof createExportBodySchema>;

export const exportParamsSchema = z.object({
  projectId: projectIdSchema,
  exportId: exportIdSchema,
});

export const exportStatuses = ["processing", "completed", "failed"] as const;

export const exportSchema = z.object({
  id: exportIdSchema,
  projectId: projectIdSchema,
  runId: z.string(),
  status: z.enum(exportStatuses),
  format: z.literal("zip"),
  /** The commit the zip is made from. */
  commitSha: z.string(),
  sizeBytes: z.number().int().nullable(),
  /** Set once completed. */
  downloadUrl: z.string().nullable(),
  fileName: z.string(),
  error: z.string().nullable(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  expiresAt: z.iso.datetime(),
});
export type Export = z.infer<typeof exportSchema>;

/** The download is the zip itself (application/zip), not JSON. */
export const exportDownloadSchema = z
  .string()
  .meta({ description: "The zip file, as application/zip with Content-Disposition" });
