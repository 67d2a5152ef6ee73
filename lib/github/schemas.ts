import { z } from "zod";
import { workspacePath } from "@/lib/files/schemas";

// GitHub over Kiln's /api surface: seed 000's fields for the user, repositories and
// organisations; and the connection a user makes in Settings.

// A token goes into an HTTP header: anything but printable ASCII could only fail there.
export const saveGithubTokenBodySchema = z.strictObject({
  token: z
    .string()
    .trim()
    .min(1, "is required")
    .max(500)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces, as GitHub tokens are"),
});
export type SaveGithubTokenBody = z.infer<typeof saveGithubTokenBodySchema>;

export const githubConnectionSchema = z.object({
  connected: z.boolean(),
  /**
   * "user": the caller's own token, saved in Settings; "sign-in": theirs too, from signing in
   * with GitHub; "server": the operator's, on a single-user install.
   */
  source: z.enum(["user", "sign-in", "server"]).nullable(),
  login: z.string().nullable(),
  tokenHint: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type GithubConnection = z.infer<typeof githubConnectionSchema>;

export const githubUserSchema = z.object({
  login: z.string(),
  name: z.string().nullable(),
  avatar_url: z.string(),
});
export type GithubUser = z.infer<typeof githubUserSchema>;

export const githubRepoSchema = z.object({
  name: z.string(),
  full_name: z.string(),
  description: z.string().nullable(),
  private: z.boolean(),
  clone_url: z.string(),
  updated_at: z.string().nullable(),
  language: z.string().nullable(),
  default_branch: z.string(),
  owner: z.object({ login: z.string() }),
});
export type GithubRepo = z.infer<typeof githubRepoSchema>;

export const githubOrgSchema = z.object({
  login: z.string(),
  id: z.number(),
  node_id: z.string(),
  url: z.string(),
  repos_url: z.string(),
  avatar_url: z.string(),
});
export type GithubOrg = z.infer<typeof githubOrgSchema>;

// GitHub's own rules for names: an owner is 1-39 of letters, digits and single hyphens.
const ownerSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
    "is not a GitHub user or organisation name",
  );

export const pageQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(30),
});

export const listReposQuerySchema = pageQuerySchema.extend({ owner: ownerSchema.optional() });
export type ListReposQuery = z.infer<typeof listReposQuerySchema>;

// A repository's name as GitHub allows it, and refs and branches as git allows them (no
// leading dash that git would read as an option, no "..", no control characters or spaces).
const repoNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, "is not a GitHub repository name")
  .refine((name) => name !== "." && name !== "..", "is not a GitHub repository name");
const refSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._/-]+$/, "is not a branch, tag or commit")
  .refine(
    (ref) =>
      !ref.startsWith("-") &&
      !ref.startsWith("/") &&
      !ref.endsWith("/") &&
      !ref.endsWith(".lock") &&
      !ref.includes("..") &&
      !ref.includes("//"),
    "is not a branch, tag or commit",
  );

export const importBodySchema = z.strictObject({
  owner: ownerSchema,
  repo: repoNameSchema,
  ref: refSchema.optional(),
  /** One folder of the repository. */
  path: z.string().min(1).max(1024).optional(),
  /** The workspace folder the files go into; the repository's name unless given. */
  into: workspacePath(true).optional(),
  /** Replace workspace files at the same paths; without it, an existing file is a 409. */
  overwrite: z.boolean().default(false),
});
export type ImportBody = z.infer<typeof importBodySchema>;

export const importResultSchema = z.object({
  owner: z.string(),
  repo: z.string(),
  ref: z.string(),
  commitSha: z.string(),
  into: z.string(),
  filesImported: z.number().int(),
  bytes: z.number().int(),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type ImportResult = z.infer<typeof importResultSchema>;

export const pushBodySchema = z.strictObject({
  owner: ownerSchema,
  repo: repoNameSchema,
  branch: refSchema,
  message: z.string().trim().min(1).max(10_000),
  /** Workspace files (or folders) to push; all of `root` unless given. */
  paths: z.array(workspacePath()).min(1).max(1000).optional(),
  /** The workspace folder that is the repository's root; the whole workspace unless given. */
  root: workspacePath(true).optional(),
  createPullRequest: z
    .union([
      z.boolean(),
      z.strictObject({
        title: z.string().max(256).optional(),
        body: z.string().max(65_536).optional(),
      }),
    ])
    .optional(),
});
export type PushBody = z.infer<typeof pushBodySchema>;

export const pushResultSchema = z.object({
  branch: z.string(),
  commitSha: z.string(),
  isNewBranch: z.boolean(),
  filesPushed: z.number().int(),
  pullRequestUrl: z.string().nullable(),
});
