import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeGithub, startFakeGithub } from "../support/fake-github";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// GitHub through Kiln, against a fake of GitHub's REST API served under /api/v3 as GitHub
// Enterprise serves it: connecting a token (checked with GitHub first, sealed, shown as a hint),
// seed 000's user, repositories and organisations with GitHub's paging, GitHub's refusals
// mapped (bad token, missing owner, spent rate limit), tenancy, and the operator's token that
// counts only on a single-user install.

type Json = Record<string, unknown>;

const backends = [
  { name: "pglite", databaseUrl: undefined as string | undefined },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres", databaseUrl: process.env.TEST_DATABASE_URL }]
    : []),
];

/** A GitHub account of the fake's with a token of its own; names are unique per test. */
function account(github: FakeGithub, options: { repos?: number; budget?: number } = {}) {
  const login = `dev-${randomUUID().slice(0, 8)}`;
  const token = `ghp_${randomUUID().replaceAll("-", "")}`;
  github.addUser({
    login,
    name: "Ada Dev",
    repos: Array.from({ length: options.repos ?? 3 }, (_, i) => ({
      name: `repo-${String(i + 1).padStart(2, "0")}`,
      private: i === 0,
      language: "TypeScript",
      description: i === 1 ? null : `Repository ${i + 1}`,
    })),
  });
  github.addToken(token, login, options.budget);
  return { login, token };
}

describe.each(backends)("GitHub on $name", ({ databaseUrl }) => {
  let github: FakeGithub;
  let kiln: KilnServer;
  beforeAll(async () => {
    github = await startFakeGithub({ prefix: "/api/v3" });
    kiln = await startKiln({
      env: {
        ...suiteEnv,
        GITHUB_API_URL: github.url,
        DATABASE_URL: databaseUrl,
        KILN_GITHUB_TIMEOUT_MS: "1500",
        KILN_FILES_MAX_USER_BYTES: String(2 * 1024 * 1024),
      },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await github?.close();
  });

  const signedUp = async () => {
    const client = new TestClient(kiln.url);
    await client.signUp();
    return client;
  };
  const get = async (client: TestClient, path: string) => {
    const response = await client.fetch(path);
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Json,
    };
  };
  const connect = async (client: TestClient, token: string) => {
    const response = await client.fetch("/api/settings/github", { method: "PUT", json: { token } });
    return { status: response.status, body: (await response.json()) as Json };
  };

  test("a token is checked with GitHub, kept sealed, and shown only as a hint", async () => {
    const client = await signedUp();
    const { login, token } = account(github);
    expect((await get(client, "/api/settings/github")).body).toEqual({
      connected: false,
      source: null,
      login: null,
      tokenHint: null,
      updatedAt: null,
    });

    const refused = await connect(client, "ghp_not_a_token_github_knows");
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).toContain("GitHub refused the token");
    expect((await get(client, "/api/settings/github")).body.connected).toBe(false);

    const saved = await connect(client, token);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ connected: true, source: "user", login });
    expect(String(saved.body.tokenHint)).toMatch(/^ghp_…[0-9a-f]{4}$/);
    expect(JSON.stringify(saved.body)).not.toContain(token.slice(4, 20));
    // GitHub saw the token in its Authorization header, the only place it goes.
    expect(
      github.requests.some((r) => r.path === "/user" && r.authorization === `token ${token}`),
    ).toBe(true);

    expect((await get(client, "/api/github/user")).body).toEqual({
      login,
      name: "Ada Dev",
      avatar_url: `https://avatars.example/${login}`,
    });

    const forgotten = await client.fetch("/api/settings/github", { method: "DELETE" });
    expect(forgotten.status).toBe(200);
    const after = await get(client, "/api/github/user");
    expect(after.status).toBe(401);
    expect(JSON.stringify(after.body)).toContain("GitHub is not connected");
    expect((await client.fetch("/api/settings/github", { method: "DELETE" })).status).toBe(404);
    expect(kiln.output()).not.toContain(token);
  });

  test("repositories: the account's own with private ones, paged with Kiln's own Link header", async () => {
    const client = await signedUp();
    const { login, token } = account(github, { repos: 35 });
    await connect(client, token);

    const first = await get(client, "/api/github/repos?per_page=20");
    expect(first.status).toBe(200);
    const repos = first.body as unknown as Json[];
    expect(repos).toHaveLength(20);
    expect(repos[0]).toEqual({
      name: "repo-01",
      full_name: `${login}/repo-01`,
      description: "Repository 1",
      private: true,
      clone_url: `https://github.com/${login}/repo-01.git`,
      updated_at: "2026-11-01T10:00:00Z",
      language: "TypeScript",
      default_branch: "main",
      owner: { login },
    });
    expect(first.headers.get("link")).toBe('</api/github/repos?page=2&per_page=20>; rel="next"');

    const second = await get(client, "/api/github/repos?per_page=20&page=2");
    expect((second.body as unknown as Json[]).map((r) => r.name)).toEqual(
      Array.from({ length: 15 }, (_, i) => `repo-${String(i + 21).padStart(2, "0")}`),
    );
    expect(second.headers.get("link")).toBe('</api/github/repos?page=1&per_page=20>; rel="prev"');

    // Naming yourself as the owner is the same list, private ones included.
    const named = await get(client, `/api/github/repos?owner=${login}&per_page=100`);
    expect((named.body as unknown as Json[]).filter((r) => r.private)).toHaveLength(1);
  });

  test("repositories of an organisation and of another user; organisations; a missing owner", async () => {
    const client = await signedUp();
    const { login, token } = account(github);
    const other = account(github, { repos: 2 });
    const org = `org-${randomUUID().slice(0, 8)}`;
    github.addOrg({
      login: org,
      members: [login],
      repos: [{ name: "platform", private: true }, { name: "site" }],
    });
    await connect(client, token);

    const orgRepos = await get(client, `/api/github/repos?owner=${org}`);
    expect((orgRepos.body as unknown as Json[]).map((r) => [r.full_name, r.private])).toEqual([
      [`${org}/platform`, true],
      [`${org}/site`, false],
    ]);
    const theirs = await get(client, `/api/github/repos?owner=${other.login}`);
    // Another user's private repository is not theirs to list.
    expect((theirs.body as unknown as Json[]).map((r) => r.name)).toEqual(["repo-02"]);

    const orgs = await get(client, "/api/github/orgs");
    expect(orgs.body).toEqual([
      {
        login: org,
        id: expect.any(Number),
        node_id: `O_${org}`,
        url: `${github.url}/orgs/${org}`,
        repos_url: `${github.url}/orgs/${org}/repos`,
        avatar_url: `https://avatars.example/${org}`,
      },
    ]);

    const missing = await get(client, "/api/github/repos?owner=nobody-here-at-all");
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toContain("nobody-here-at-all");
  });

  test("GitHub's spent rate limit is a 429 with its reset time", async () => {
    const client = await signedUp();
    const { token } = account(github, { budget: 2 });
    await connect(client, token); // GitHub's budget: 1 left
    expect((await get(client, "/api/github/user")).status).toBe(200);
    const spent = await get(client, "/api/github/user");
    expect(spent.status).toBe(429);
    const retryAfter = Number(spent.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(JSON.stringify(spent.body)).toContain("GitHub's rate limit");
  });

  test("GitHub failing or silent is a 502 or a 504, and the next call works", async () => {
    const client = await signedUp();
    const { token } = account(github);
    await connect(client, token);
    github.failNext(500);
    const failed = await get(client, "/api/github/user");
    expect(failed.status).toBe(502);
    expect(JSON.stringify(failed.body)).toContain("GitHub answered 500");
    github.failNext("hang");
    const silent = await get(client, "/api/github/orgs");
    expect(silent.status).toBe(504);
    expect(JSON.stringify(silent.body)).toContain("GitHub did not answer within 1.5 s");
    expect((await get(client, "/api/github/user")).status).toBe(200);
  });

  test("import: a repository into the workspace, whole or not at all; existing files kept unless asked", async () => {
    const client = await signedUp();
    const { login, token } = account(github);
    await connect(client, token);
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    github.addGitRepo({
      owner: login,
      name: "site",
      files: { "index.html": "<h1>Site</h1>", "img/logo.bin": everyByte, "src/app.js": "run()" },
    });
    const post = (json: unknown, headers: Record<string, string> = {}) =>
      client.fetch("/api/github/import", { method: "POST", json, headers });

    const first = await post({ owner: login, repo: "site" });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      owner: login,
      repo: "site",
      ref: "main",
      commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      into: "site",
      filesImported: 3,
      bytes: 13 + 256 + 5,
      skipped: [],
    });
    const logo = (await (
      await client.fetch("/api/files/content?path=site/img/logo.bin")
    ).json()) as Json;
    expect(logo.encoding).toBe("base64");
    expect(Buffer.from(String(logo.content), "base64")).toEqual(everyByte);
    const page = (await (
      await client.fetch("/api/files/content?path=site/index.html")
    ).json()) as Json;
    expect(page.content).toBe("<h1>Site</h1>");

    // Again into the same folder: a 409 naming the file, and nothing changed; then with overwrite.
    await client.fetch("/api/files/content", {
      method: "POST",
      json: { path: "site/index.html", content: "<h1>Mine</h1>" },
    });
    const again = await post({ owner: login, repo: "site" });
    expect(again.status).toBe(409);
    const kept = (await (
      await client.fetch("/api/files/content?path=site/index.html")
    ).json()) as Json;
    expect(kept.content).toBe("<h1>Mine</h1>");
    const replaced = await post({
      owner: login,
      repo: "site",
      overwrite: true,
      into: "copy/of/site",
    });
    expect(replaced.status).toBe(201);
    expect(((await replaced.json()) as Json).into).toBe("copy/of/site");

    // Streamed: progress, then the result.
    const streamed = await post(
      { owner: login, repo: "site", path: "src", into: "only-src" },
      { accept: "text/event-stream" },
    );
    const text = await streamed.text();
    expect(text).toContain("event: progress\n");
    expect(text).toMatch(/event: result\ndata: \{"owner":"[^"]+","repo":"site".*"filesImported":1/);

    // Bigger than the workspace's quota: a 413, and not one of its files written.
    github.addGitRepo({
      owner: login,
      name: "big",
      files: { "a.txt": "a", "big.bin": Buffer.alloc(3 * 1024 * 1024, 7) },
    });
    const big = await post({ owner: login, repo: "big" });
    expect(big.status).toBe(413);
    expect((await client.fetch("/api/files/content?path=big/a.txt")).status).toBe(404);
  });

  test("push: workspace files as one commit on a new branch with a pull request", async () => {
    const client = await signedUp();
    const { login, token } = account(github);
    await connect(client, token);
    github.addGitRepo({ owner: login, name: "app", files: { "README.md": "# App\n" } });
    const batch = await client.fetch("/api/files/batch", {
      method: "POST",
      json: {
        files: [
          { path: "work/src/index.js", content: "console.log('hi')\n" },
          {
            path: "work/img/dot.bin",
            content: Buffer.from([0, 255, 10]).toString("base64"),
            encoding: "base64",
          },
          { path: "other/notes.txt", content: "not pushed" },
        ],
      },
    });
    expect(batch.status).toBe(200);

    const pushed = await client.fetch("/api/github/push", {
      method: "POST",
      json: {
        owner: login,
        repo: "app",
        branch: "kiln/first",
        message: "From Kiln",
        root: "work",
        createPullRequest: true,
      },
    });
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toEqual({
      branch: "kiln/first",
      commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      isNewBranch: true,
      filesPushed: 2,
      pullRequestUrl: `https://github.com/${login}/app/pull/1`,
    });
    const files = github.filesAt(`${login}/app`, "kiln/first") ?? {};
    expect(Object.keys(files).sort()).toEqual(["README.md", "img/dot.bin", "src/index.js"]);
    expect(files["img/dot.bin"]).toEqual(Buffer.from([0, 255, 10]));

    const none = await client.fetch("/api/github/push", {
      method: "POST",
      json: {
        owner: login,
        repo: "app",
        branch: "kiln/first",
        message: "x",
        paths: ["nowhere.txt"],
      },
    });
    expect(none.status).toBe(400);
    const stranger = await signedUp();
    const notConnected = await stranger.fetch("/api/github/push", {
      method: "POST",
      json: { owner: login, repo: "app", branch: "main", message: "x" },
    });
    expect(notConnected.status).toBe(401);
  });

  test("bad input is a 400 before GitHub is asked", async () => {
    const client = await signedUp();
    const { token } = account(github);
    await connect(client, token);
    const asked = github.requests.length;
    for (const query of [
      "owner=..%2Fetc",
      "owner=a%00b",
      `owner=${"x".repeat(40)}`,
      "owner=-lead",
      "per_page=101",
      "page=0",
      "page=abc",
      "owner=%E0%A4%A",
    ]) {
      const answer = await client.fetch(`/api/github/repos?${query}`);
      expect(answer.status, query).toBe(400);
    }
    for (const body of [
      { token: "" },
      { token: "has space" },
      { token: "nul\u0000" },
      {},
      { token: "x", extra: 1 },
    ]) {
      const answer = await client.fetch("/api/settings/github", { method: "PUT", json: body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [
      { owner: "a", repo: "..", ref: "main" },
      { owner: "a", repo: "r", ref: "--upload-pack=x" },
      { owner: "a", repo: "r", ref: "a..b" },
      { owner: "a", repo: "r", into: "../out" },
      { owner: "a", repo: "r", extra: true },
    ]) {
      const answer = await client.fetch("/api/github/import", { method: "POST", json: body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [
      { owner: "a", repo: "r", branch: "-x", message: "m" },
      { owner: "a", repo: "r", branch: "a b", message: "m" },
      { owner: "a", repo: "r", branch: "main", message: "" },
      { owner: "a", repo: "r", branch: "main", message: "m", paths: ["../x"] },
    ]) {
      const answer = await client.fetch("/api/github/push", { method: "POST", json: body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expect(github.requests.length).toBe(asked);
  });

  test("tenancy: one user's token is never another's; API keys read, only a session connects", async () => {
    const owner = await signedUp();
    const stranger = await signedUp();
    const { login, token } = account(github);
    await connect(owner, token);

    expect((await get(stranger, "/api/settings/github")).body.connected).toBe(false);
    expect((await get(stranger, "/api/github/user")).status).toBe(401);
    expect((await stranger.fetch("/api/settings/github", { method: "DELETE" })).status).toBe(404);
    expect((await get(owner, "/api/github/user")).body.login).toBe(login);

    const { key } = await owner.createApiKey();
    const script = new TestClient(kiln.url, { authorization: `Bearer ${key}` });
    const viaKey = await script.fetch("/api/github/user", { headers: { cookie: "" } });
    expect(viaKey.status).toBe(200);
    const connectViaKey = await script.fetch("/api/settings/github", {
      method: "PUT",
      json: { token },
      headers: { cookie: "" },
    });
    expect([401, 403]).toContain(connectViaKey.status);

    const foreign = await owner.fetch("/api/settings/github", {
      method: "DELETE",
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect((await get(owner, "/api/settings/github")).body.connected).toBe(true);
  });
});

describe("the operator's GitHub token", () => {
  let github: FakeGithub;
  let kiln: KilnServer;
  const serverToken = `ghp_${randomUUID().replaceAll("-", "")}`;
  beforeAll(async () => {
    github = await startFakeGithub();
    github.addUser({ login: "operator", name: "The Operator", repos: [{ name: "infra" }] });
    github.addToken(serverToken, "operator");
    // A Kiln of its own, with no account yet.
    kiln = await startKiln({
      env: { ...suiteEnv, GITHUB_API_URL: github.url, GITHUB_TOKEN: serverToken },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await github?.close();
  });

  test("serves the only account, and stops counting once a second account exists", async () => {
    const first = new TestClient(kiln.url);
    await first.signUp();
    const connection = await (await first.fetch("/api/settings/github")).json();
    expect(connection).toEqual({
      connected: true,
      source: "server",
      login: null,
      tokenHint: null,
      updatedAt: null,
    });
    expect(((await (await first.fetch("/api/github/user")).json()) as Json).login).toBe("operator");

    const second = new TestClient(kiln.url);
    await second.signUp();
    for (const client of [first, second]) {
      const refused = await client.fetch("/api/github/user");
      expect(refused.status).toBe(401);
    }
    expect(kiln.output()).not.toContain(serverToken);
  });
});
