import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createGitStore, type GitRepoSeed } from "./fake-github-git.ts";

// A stand-in for GitHub's REST API over real HTTP, for the endpoints Kiln calls: the
// authenticated user, repositories of a user, an organisation or the token's account, and the
// account's organisations. It speaks GitHub's wire format: `Authorization: token …` or
// `Bearer …`, page/per_page with a Link header, X-RateLimit-* headers on every answer, a 403
// with X-RateLimit-Remaining: 0 once a token's budget is spent, and {message,
// documentation_url} error bodies. `prefix` serves it under a path, as GitHub Enterprise
// serves /api/v3.

export interface FakeRepo {
  name: string;
  private?: boolean;
  description?: string | null;
  language?: string | null;
  updatedAt?: string;
}

export interface FakeGithubAccount {
  login: string;
  name?: string | null;
  repos?: FakeRepo[];
}

export interface FakeGithub {
  url: string;
  /** Every request as received: method, path (without the prefix), its Authorization header. */
  requests: { method: string; path: string; authorization: string | undefined }[];
  /** A token GitHub accepts, for `login`; `budget` requests before the rate limit bites. */
  addToken(token: string, login: string, budget?: number): void;
  addUser(account: FakeGithubAccount): void;
  addOrg(account: FakeGithubAccount & { members: string[] }): void;
  /** A repository with files on its default branch, for import and push. */
  addGitRepo(seed: GitRepoSeed): void;
  /** The files of a repository at a branch or commit, as pushes left them. */
  filesAt(fullName: string, ref: string): Record<string, Buffer> | undefined;
  /** Serves this archive as the repository's tarball, whatever the ref. */
  setArchive(fullName: string, archive: Buffer): void;
  pulls(fullName: string): { number: number; head: string; base: string; title: string }[];
  /** The next request is answered with this status (GitHub's own trouble), or never. */
  failNext(fault: number | "hang"): void;
  close(): Promise<void>;
}

const docs = "https://docs.github.com/rest";

export async function startFakeGithub(
  options: { prefix?: string; port?: number } = {},
): Promise<FakeGithub> {
  const prefix = options.prefix ?? "";
  const tokens = new Map<string, { login: string; remaining: number; limit: number }>();
  const users = new Map<string, FakeGithubAccount>();
  const orgs = new Map<string, FakeGithubAccount & { members: string[] }>();
  const requests: FakeGithub["requests"] = [];
  const resetAt = () => Math.floor(Date.now() / 1000) + 3600;
  let origin = "";
  let fault: number | "hang" | undefined;
  const git = createGitStore();

  const repoJson = (owner: string, repo: FakeRepo, index: number) => ({
    id: 1000 + index,
    node_id: `R_${owner}_${repo.name}`,
    name: repo.name,
    full_name: `${owner}/${repo.name}`,
    private: repo.private ?? false,
    owner: { login: owner, id: owner.length, type: orgs.has(owner) ? "Organization" : "User" },
    description: repo.description ?? null,
    clone_url: `https://github.com/${owner}/${repo.name}.git`,
    html_url: `https://github.com/${owner}/${repo.name}`,
    updated_at: repo.updatedAt ?? "2026-11-01T10:00:00Z",
    language: repo.language ?? null,
    default_branch: "main",
  });

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const isRaw = Buffer.isBuffer(body) || typeof body === "string";
    res.writeHead(status, {
      "content-type": isRaw ? "application/octet-stream" : "application/json; charset=utf-8",
      ...headers,
    });
    res.end(isRaw ? body : JSON.stringify(body));
  };

  /** One page of `items`, with GitHub's Link header for the others. */
  const paged = (
    req: IncomingMessage,
    res: ServerResponse,
    items: unknown[],
    rate: Record<string, string>,
  ) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30) || 30);
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const next = new URL(url.href);
      next.searchParams.set("page", String(n));
      return `<${origin}${prefix}${next.pathname}${next.search}>; rel="${rel}"`;
    };
    const links = [
      ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
      ...(page > 1 ? [link(1, "first"), link(page - 1, "prev")] : []),
    ];
    send(res, 200, items.slice((page - 1) * perPage, page * perPage), {
      ...rate,
      ...(links.length ? { link: links.join(", ") } : {}),
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => answer(req, res, Buffer.concat(chunks)));
  });
  const answer = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const full = new URL(req.url ?? "/", "http://fake").pathname;
    const path = full.startsWith(prefix) ? full.slice(prefix.length) : full;
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? "GET", path, authorization });
    if (fault !== undefined) {
      const now = fault;
      fault = undefined;
      if (now === "hang") return;
      return send(res, now, { message: "Server Error", documentation_url: docs });
    }
    if (!full.startsWith(prefix))
      return send(res, 404, { message: "Not Found", documentation_url: docs });
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      return send(res, 400, { message: "Problems parsing JSON", documentation_url: docs });
    }
    const reply = (status: number, payload: unknown, headers?: Record<string, string>) =>
      send(res, status, payload, headers);
    // Codeload's URLs carry their own token: no Authorization is needed, or wanted.
    if (path.startsWith("/_codeload/")) {
      git.handle({ req, path, login: undefined, body, origin: `${origin}${prefix}`, reply });
      return;
    }
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization ?? "")?.[1];
    const session = token ? tokens.get(token) : undefined;
    if (!session) {
      return send(res, 401, { message: "Bad credentials", documentation_url: docs });
    }
    const reset = String(resetAt());
    if (session.remaining <= 0) {
      return send(
        res,
        403,
        { message: "API rate limit exceeded for user.", documentation_url: docs },
        {
          "x-ratelimit-limit": String(session.limit),
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": reset,
          "x-ratelimit-resource": "core",
        },
      );
    }
    session.remaining--;
    const rate = {
      "x-ratelimit-limit": String(session.limit),
      "x-ratelimit-remaining": String(session.remaining),
      "x-ratelimit-reset": reset,
      "x-ratelimit-resource": "core",
    };
    const replyWithRate = (status: number, payload: unknown, headers?: Record<string, string>) =>
      send(res, status, payload, { ...rate, ...headers });
    if (
      git.handle({
        req,
        path,
        login: session.login,
        body,
        origin: `${origin}${prefix}`,
        reply: replyWithRate,
      })
    ) {
      return;
    }
    const me = users.get(session.login);
    if (req.method !== "GET")
      return send(res, 404, { message: "Not Found", documentation_url: docs }, rate);
    if (path === "/user" && me) {
      return send(
        res,
        200,
        {
          login: me.login,
          id: me.login.length,
          name: me.name ?? null,
          avatar_url: `https://avatars.example/${me.login}`,
          type: "User",
        },
        rate,
      );
    }
    if (path === "/user/repos" && me) {
      return paged(
        req,
        res,
        (me.repos ?? []).map((r, i) => repoJson(me.login, r, i)),
        rate,
      );
    }
    if (path === "/user/orgs" && me) {
      const mine = [...orgs.values()].filter((org) => org.members.includes(me.login));
      return paged(
        req,
        res,
        mine.map((org, i) => ({
          login: org.login,
          id: 5000 + i,
          node_id: `O_${org.login}`,
          url: `${origin}${prefix}/orgs/${org.login}`,
          repos_url: `${origin}${prefix}/orgs/${org.login}/repos`,
          avatar_url: `https://avatars.example/${org.login}`,
          description: null,
        })),
        rate,
      );
    }
    const orgMatch = /^\/orgs\/([^/]+)\/repos$/.exec(path);
    if (orgMatch) {
      const org = orgs.get(decodeURIComponent(orgMatch[1] ?? ""));
      if (!org) return send(res, 404, { message: "Not Found", documentation_url: docs }, rate);
      const visible = (org.repos ?? []).filter(
        (r) => !r.private || org.members.includes(session.login),
      );
      return paged(
        req,
        res,
        visible.map((r, i) => repoJson(org.login, r, i)),
        rate,
      );
    }
    const userMatch = /^\/users\/([^/]+)\/repos$/.exec(path);
    if (userMatch) {
      const user = users.get(decodeURIComponent(userMatch[1] ?? ""));
      if (!user) return send(res, 404, { message: "Not Found", documentation_url: docs }, rate);
      const visible = (user.repos ?? []).filter((r) => !r.private);
      return paged(
        req,
        res,
        visible.map((r, i) => repoJson(user.login, r, i)),
        rate,
      );
    }
    return send(res, 404, { message: "Not Found", documentation_url: docs }, rate);
  };
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${prefix}`,
    requests,
    addToken(token, login, budget = 5000) {
      tokens.set(token, { login, remaining: budget, limit: budget });
    },
    addUser(account) {
      users.set(account.login, account);
    },
    addOrg(account) {
      orgs.set(account.login, account);
    },
    addGitRepo: git.addRepo,
    filesAt: git.filesAt,
    setArchive: git.setArchive,
    pulls: git.pulls,
    failNext(next) {
      fault = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
