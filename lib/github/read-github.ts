import "server-only";
import { callGithub, githubClient } from "./client";
import { githubTokenFor } from "./credentials";
import type { GithubOrg, GithubRepo, GithubUser, ListReposQuery } from "./schemas";

// What the IDE's GitHub panel lists: the account, its organisations, and repositories of the
// account or of any owner, a page at a time with GitHub's own paging.

export interface GithubPage<T> {
  items: T[];
  /** Whether GitHub has a page after this one (its Link header says rel="next"). */
  hasNext: boolean;
}

const hasNextPage = (headers: Record<string, unknown>) =>
  /rel="next"/.test(String(headers.link ?? ""));

export async function getGithubUser(userId: string): Promise<GithubUser> {
  const client = githubClient(await githubTokenFor(userId));
  const { data } = await callGithub("account", () => client.rest.users.getAuthenticated());
  return { login: data.login, name: data.name ?? null, avatar_url: data.avatar_url };
}

export async function listGithubOrgs(options: {
  userId: string;
  page: number;
  perPage: number;
}): Promise<GithubPage<GithubOrg>> {
  const client = githubClient(await githubTokenFor(options.userId));
  const { data, headers } = await callGithub("organisations", () =>
    client.rest.orgs.listForAuthenticatedUser({ page: options.page, per_page: options.perPage }),
  );
  return {
    items: data.map((org) => ({
      login: org.login,
      id: org.id,
      node_id: org.node_id,
      url: org.url,
      repos_url: org.repos_url,
      avatar_url: org.avatar_url,
    })),
    hasNext: hasNextPage(headers),
  };
}

type RepoData = {
  name: string;
  full_name: string;
  description: string | null;
  private: boolean;
  clone_url?: string;
  updated_at?: string | null;
  language?: string | null;
  default_branch?: string;
  owner: { login: string };
};

const toRepo = (repo: RepoData): GithubRepo => ({
  name: repo.name,
  full_name: repo.full_name,
  description: repo.description,
  private: repo.private,
  clone_url: repo.clone_url ?? "",
  updated_at: repo.updated_at ?? null,
  language: repo.language ?? null,
  default_branch: repo.default_branch ?? "main",
  owner: { login: repo.owner.login },
});

/**
 * Repositories of `owner`, or of the token's account when none is named (its private ones
 * included). An owner is asked for as an organisation first, then as a user.
 */
export async function listGithubRepos(options: {
  userId: string;
  query: ListReposQuery;
}): Promise<GithubPage<GithubRepo>> {
  const client = githubClient(await githubTokenFor(options.userId));
  const { owner, page, per_page } = options.query;
  const paging = { page, per_page, sort: "updated" as const };
  const mine = () =>
    callGithub("repositories", () =>
      client.rest.repos.listForAuthenticatedUser({ ...paging, affiliation: "owner" }),
    );
  let answer: { data: RepoData[]; headers: Record<string, unknown> };
  if (!owner) answer = await mine();
  else {
    const me = await callGithub("account", () => client.rest.users.getAuthenticated());
    if (me.data.login.toLowerCase() === owner.toLowerCase()) answer = await mine();
    else {
      try {
        answer = await client.rest.repos.listForOrg({ ...paging, org: owner, sort: "updated" });
      } catch (error) {
        if ((error as { status?: number }).status !== 404) {
          answer = await callGithub("organisation", () => Promise.reject(error));
        } else {
          answer = await callGithub(`user or organisation named ${owner}`, () =>
            client.rest.repos.listForUser({ ...paging, username: owner }),
          );
        }
      }
    }
  }
  return { items: answer.data.map(toRepo), hasNext: hasNextPage(answer.headers) };
}
