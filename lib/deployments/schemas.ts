import { z } from "zod";
import { chatIdSchema } from "@/lib/chat/schemas";
import { workspacePath } from "@/lib/files/schemas";
import { fragmentSchema } from "@/lib/fragments/schema";
import { projectIdSchema } from "@/lib/projects/schemas";
import { pageFields } from "@/lib/query-numbers";
import { runIdSchema } from "@/lib/runs/schemas";

// Deployments on /api/v1: seed 001's project-scoped deploy and status (camelCase), and seed
// 002's deployments with ports and limits (snake_case), both over the same rows.

export const deploymentIdSchema = z
  .string()
  .regex(/^dep_[a-z0-9]+$/, { error: "is not a deployment id" });

export const deploymentStatuses = ["deploying", "live", "failed", "stopped"] as const;
export type DeploymentStatus = (typeof deploymentStatuses)[number];

export const deploymentProviders = ["local", "vercel", "netlify"] as const;
export type DeploymentProvider = (typeof deploymentProviders)[number];

const providerSchema = z.enum(deploymentProviders, {
  error: "must be local, vercel or netlify",
});

export const deploymentParamsSchema = z.object({ id: deploymentIdSchema });
export const projectDeploymentParamsSchema = z.object({
  projectId: projectIdSchema,
  deploymentId: deploymentIdSchema,
});

const MiB = 1024 * 1024;

/** "512m", "1g", "256M", "1024k" or a count of bytes, as Docker writes memory limits. */
export function parseMemoryLimit(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(value.trim());
  if (!match) return undefined;
  const unit = { "": 1, k: 1024, m: MiB, g: 1024 * MiB }[match[2]!.toLowerCase()]!;
  return Math.floor(Number(match[1]) * unit);
}

const memoryLimitSchema = z
  .string()
  .trim()
  .refine((value) => parseMemoryLimit(value) !== undefined, {
    error: 'must be a size such as "512m" or "1g"',
  })
  // An unreadable size is refused once, by the check above.
  .refine((value) => (parseMemoryLimit(value) ?? Number.POSITIVE_INFINITY) >= 64 * MiB, {
    error: "must be at least 64m",
  })
  .refine((value) => (parseMemoryLimit(value) ?? 0) <= 16 * 1024 * MiB, {
    error: "must be at most 16g",
  });

const cpuLimitSchema = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, { error: 'must be a number of CPUs such as "0.5" or "1"' })
  .refine((value) => Number(value) >= 0.05 && Number(value) <= 64, {
    error: "must be between 0.05 and 64",
  });

const environmentSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
      error: "names must be letters, digits and _, not starting with a digit",
    }),
    z.string().max(32_768, { error: "values must be at most 32768 characters" }),
  )
  .refine((env) => Object.keys(env).length <= 100, { error: "must hold at most 100 variables" })
  .refine((env) => !Object.keys(env).some((key) => reservedVariables.has(key)), {
    error: "PORT and PATH are set by Kiln",
  });
const reservedVariables = new Set(["PORT", "PATH", "HOME"]);

const portSchema = z
  .number({ error: "must be a port number" })
  .int({ error: "must be a whole number" })
  .min(1024, { error: "must be at least 1024" })
  .max(65_535, { error: "must be at most 65535" });

// Seed 001: POST /api/v1/projects/:projectId/deploy
export const deployRunBodySchema = z.strictObject({
  runId: runIdSchema,
  provider: providerSchema.default("local"),
});
export type DeployRunBody = z.infer<typeof deployRunBodySchema>;

export const deployAcceptedSchema = z.object({
  deploymentId: deploymentIdSchema,
  status: z.enum(deploymentStatuses),
  provider: z.enum(deploymentProviders),
});

const timestamp = z.iso.datetime();

/** Seed 001's view of a deployment. */
export const projectDeploymentSchema = z.object({
  id: deploymentIdSchema,
  projectId: projectIdSchema,
  runId: z.string().nullable(),
  status: z.enum(deploymentStatuses),
  provider: z.enum(deploymentProviders),
  /** Where the app is served through Kiln, at the root of its own origin. */
  url: z.string(),
  commitSha: z.string(),
  error: z.string().nullable(),
  createdAt: timestamp,
});
export type ProjectDeployment = z.infer<typeof projectDeploymentSchema>;

export const deploymentSources = ["run", "chat", "fragment", "workspace"] as const;
export type DeploymentSource = (typeof deploymentSources)[number];

// Seed 002: POST /api/v1/deploy
export const deployBodySchema = z
  .strictObject({
    project_id: projectIdSchema.optional(),
    projectId: projectIdSchema.optional(),
    /** A chat of the caller's: its newest app deploys. */
    chatId: chatIdSchema.optional(),
    /** An app given inline, as POST /api/sandbox takes it. */
    fragment: fragmentSchema.optional(),
    /** A folder of the caller's workspace ("" or left out: all of it). */
    workspace: z.strictObject({ path: workspacePath(true).default("") }).optional(),
    /** The run whose result deploys; the project's latest succeeded run when not given. */
    run_id: runIdSchema.optional(),
    runId: runIdSchema.optional(),
    name: z
      .string()
      .trim()
      .min(1, { error: "must not be empty" })
      .max(100, { error: "must be at most 100 characters" }),
    provider: providerSchema.default("local"),
    port: portSchema.optional(),
    environment: environmentSchema.default({}),
    cpu_limit: cpuLimitSchema.optional(),
    memory_limit: memoryLimitSchema.optional(),
    health_check_path: z
      .string()
      .regex(/^\/[^\s]*$/, { error: "must be a path starting with /" })
      .max(500)
      .default("/"),
  })
  .refine(
    (body) =>
      [body.project_id ?? body.projectId, body.chatId, body.fragment, body.workspace].filter(
        (source) => source !== undefined,
      ).length === 1,
    {
      error:
        "name exactly one source: project_id (a run's result), chatId (a chat's app), fragment, or workspace",
      path: ["project_id"],
    },
  )
  .refine((body) => !(body.run_id ?? body.runId) || (body.project_id ?? body.projectId), {
    error: "is for a project's run: give project_id too",
    path: ["run_id"],
  })
  .refine((body) => !(body.run_id && body.runId && body.run_id !== body.runId), {
    error: "run_id and runId disagree",
    path: ["run_id"],
  })
  .refine((body) => !(body.project_id && body.projectId && body.project_id !== body.projectId), {
    error: "project_id and projectId disagree",
    path: ["project_id"],
  })
  // A remote provider runs the app on its own machines: a host port, limits and environment
  // here would mean nothing there.
  .superRefine((body, context) => {
    if (body.provider === "local") return;
    for (const field of ["port", "cpu_limit", "memory_limit"] as const) {
      if (body[field] !== undefined) {
        context.addIssue({
          code: "custom",
          path: [field],
          message: "is for the local provider only",
        });
      }
    }
    if (Object.keys(body.environment).length > 0) {
      context.addIssue({
        code: "custom",
        path: ["environment"],
        message: "is for the local provider only: set it in the provider's project settings",
      });
    }
  });
export type DeployBody = z.infer<typeof deployBodySchema>;

/** Seed 002's view of a deployment. Environment values never leave the server. */
export const deploymentSchema = z.object({
  id: deploymentIdSchema,
  /** Null for a deployment of a chat's app, a fragment or workspace files. */
  project_id: projectIdSchema.nullable(),
  /** What was deployed: a run's result, a chat's app, a fragment or workspace files. */
  source: z.enum(deploymentSources),
  run_id: z.string().nullable(),
  name: z.string(),
  provider: z.enum(deploymentProviders),
  status: z.enum(deploymentStatuses),
  commit_sha: z.string(),
  port: z.number().int().nullable(),
  /** The sandbox the app runs in. */
  container_id: z.string(),
  /** Where the app is served through Kiln, at the root of its own origin. */
  url: z.string(),
  /** The app on its host port, when it has one. */
  port_url: z.string().nullable(),
  health_check_url: z.string(),
  /** The variables' names; each value reads "[hidden]". */
  environment: z.record(z.string(), z.string()),
  cpu_limit: z.string().nullable(),
  memory_limit: z.string().nullable(),
  restart_count: z.number().int(),
  /** Why the app last exited on its own and was started again: "exit code 1", "memory", ... */
  last_exit: z.string().nullable(),
  error: z.string().nullable(),
  created_at: timestamp,
  started_at: timestamp.nullable(),
  stopped_at: timestamp.nullable(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const deployResultSchema = z.object({
  message: z.string(),
  id: deploymentIdSchema,
  status: z.enum(deploymentStatuses),
  url: z.string(),
  port: z.number().int().nullable(),
});
export type DeployResult = z.infer<typeof deployResultSchema>;

export const deploymentActionSchema = z.object({
  message: z.string(),
  id: deploymentIdSchema,
  status: z.enum(deploymentStatuses).nullable(),
});
export type DeploymentAction = z.infer<typeof deploymentActionSchema>;

export const listDeploymentsQuerySchema = z.strictObject({
  ...pageFields,
  status: z
    .enum(deploymentStatuses, { error: `must be one of ${deploymentStatuses.join(", ")}` })
    .optional(),
  project_id: projectIdSchema.optional(),
});
export type ListDeploymentsQuery = z.infer<typeof listDeploymentsQuerySchema>;
