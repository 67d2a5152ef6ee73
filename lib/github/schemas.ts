import { z } from "zod";

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
  /** "user": the caller's own token; "server": the operator's, on a single-user install. */
  source: z.enum(["user", "server"]).nullable(),
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
