import { z } from "zod";
import { wholeNumber as whole } from "@/lib/query-numbers";
import { projectStatuses } from "./states";

// Projects on /api/v1, as seed 001 names them, with seed 002's fields on the same objects
// (project_type, tech_stack, is_active, created_at) so that a client of either seed reads what
// it expects.

export const projectIdSchema = z
  .string()
  .regex(/^proj_[a-z0-9]+$/, { error: "is not a project id" });
export const projectParamsSchema = z.object({ projectId: projectIdSchema });

const name = z
  .string()
  .trim()
  .min(1, { error: "is required" })
  .max(200, { error: "must be at most 200 characters" });
const description = z.string().trim().max(20_000, { error: "must be at most 20000 characters" });
const techStack = z
  .array(z.string().trim().min(1).max(50, { error: "must be at most 50 characters" }))
  .max(30, { error: "must list at most 30 technologies" });
const projectType = z.string().trim().min(1).max(50, { error: "must be at most 50 characters" });

export const createProjectBodySchema = z.object({
  name,
  description: description.default(""),
  project_type: projectType.optional(),
  tech_stack: techStack.optional(),
});
export type CreateProjectBody = z.infer<typeof createProjectBodySchema>;

export const updateProjectBodySchema = z
  .object({
    name: name.optional(),
    description: description.optional(),
    project_type: projectType.nullable().optional(),
    tech_stack: techStack.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: "give at least one of name, description, project_type, tech_stack",
  });
export type UpdateProjectBody = z.infer<typeof updateProjectBodySchema>;

const flag = z
  .enum(["true", "false"], { error: "must be true or false" })
  .transform((v) => v === "true");
/** Seed 001's page/pageSize, or seed 002's limit/offset; not both. */
export const listProjectsQuerySchema = z
  .object({
    page: whole(1).optional(),
    pageSize: whole(1, 100).optional(),
    limit: whole(1, 100).optional(),
    offset: whole(0).optional(),
    status: z
      .enum(projectStatuses, { error: `must be one of ${projectStatuses.join(", ")}` })
      .optional(),
    search: z.string().trim().max(200, { error: "must be at most 200 characters" }).optional(),
    active: flag.optional(),
    tech_stack: z.string().trim().min(1).max(50).optional(),
  })
  .refine(
    (q) =>
      !(
        (q.page !== undefined || q.pageSize !== undefined) &&
        (q.limit !== undefined || q.offset !== undefined)
      ),
    { error: "use page and pageSize, or limit and offset, not both" },
  );
export type ListProjectsQuery = z.infer<typeof listProjectsQuerySchema>;

const timestamps = {
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
};
const seed002 = {
  project_type: z.string().nullable(),
  tech_stack: z.array(z.string()),
  is_active: z.boolean(),
};

export const latestRunSchema = z
  .object({ id: z.string(), runNumber: z.number().int(), status: z.string() })
  .nullable();

export const projectSchema = z.object({
  id: projectIdSchema,
  name: z.string(),
  description: z.string(),
  status: z.enum(projectStatuses),
  repoPath: z.string(),
  ...seed002,
  ...timestamps,
});
export type Project = z.infer<typeof projectSchema>;

export const projectListItemSchema = projectSchema.extend({ latestRun: latestRunSchema });
export type ProjectListItem = z.infer<typeof projectListItemSchema>;

export const specSchema = z
  .object({
    version: z.number().int(),
    documents: z.record(z.string(), z.string()),
    approvedAt: z.iso.datetime().nullable(),
  })
  .nullable();

export const projectDetailSchema = projectListItemSchema.extend({ spec: specSchema });
export type ProjectDetail = z.infer<typeof projectDetailSchema>;

export const archivedProjectSchema = z.object({
  id: projectIdSchema,
  status: z.literal("archived"),
});
