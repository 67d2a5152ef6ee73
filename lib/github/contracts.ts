import { z } from "zod";
import { defineContract } from "@/lib/route-contract";
import {
  githubConnectionSchema,
  githubOrgSchema,
  githubRepoSchema,
  githubUserSchema,
  importBodySchema,
  importResultSchema,
  listReposQuerySchema,
  pageQuerySchema,
  pushBodySchema,
  pushResultSchema,
  saveGithubTokenBodySchema,
} from "./schemas";

const paging =
  'A page at a time (`page`, `per_page` up to 100); a `Link` header with rel="next" or rel="prev" points at the neighbouring pages.';

export const githubUserContract = defineContract({
  method: "GET",
  path: "/api/github/user",
  summary: "The GitHub account your token signs in as.",
  tags: ["github"],
  auth: "user",
  rateLimit: "github",
  response: githubUserSchema,
});

export const githubReposContract = defineContract({
  method: "GET",
  path: "/api/github/repos",
  summary: `Repositories of \`owner\` (a user or organisation), or your own when none is named, private ones included. ${paging}`,
  tags: ["github"],
  auth: "user",
  rateLimit: "github",
  query: listReposQuerySchema,
  response: z.array(githubRepoSchema),
});

export const githubOrgsContract = defineContract({
  method: "GET",
  path: "/api/github/orgs",
  summary: `The organisations your GitHub account belongs to. ${paging}`,
  tags: ["github"],
  auth: "user",
  rateLimit: "github",
  query: pageQuerySchema,
  response: z.array(githubOrgSchema),
});

export const getGithubConnectionContract = defineContract({
  method: "GET",
  path: "/api/settings/github",
  summary: "Whether GitHub is connected, as which account, and the token's hint.",
  tags: ["github"],
  auth: "user",
  response: githubConnectionSchema,
});

export const saveGithubTokenContract = defineContract({
  method: "PUT",
  path: "/api/settings/github",
  summary:
    "Connect GitHub with a personal access token. GitHub is asked who it belongs to first; a token it refuses is not saved. Stored encrypted.",
  tags: ["github"],
  auth: "session",
  rateLimit: "github",
  body: saveGithubTokenBodySchema,
  response: githubConnectionSchema,
});

export const deleteGithubTokenContract = defineContract({
  method: "DELETE",
  path: "/api/settings/github",
  summary: "Forget your GitHub token.",
  tags: ["github"],
  auth: "session",
  response: z.object({ deleted: z.literal(true) }),
});

export const githubImportContract = defineContract({
  method: "POST",
  path: "/api/github/import",
  summary:
    "Import a repository (or one folder of it, `path`) at `ref` into your workspace, under `into` (the repository's name unless given), in one transaction. Links and paths that climb out are skipped and listed; an existing file is a 409 unless `overwrite`. With Accept: text/event-stream, progress events and then the result.",
  tags: ["github"],
  auth: "user",
  rateLimit: "github",
  body: importBodySchema,
  response: importResultSchema,
  status: 201,
});

export const githubPushContract = defineContract({
  method: "POST",
  path: "/api/github/push",
  summary:
    "Push workspace files (all of `root`, or `paths`) to `branch` as one commit, creating the branch from the default branch if needed; optionally open a pull request. A branch that moved on GitHub meanwhile is a 409, and nothing is overwritten. With Accept: text/event-stream, progress events and then the result.",
  tags: ["github"],
  auth: "user",
  rateLimit: "github",
  body: pushBodySchema,
  response: pushResultSchema,
});
