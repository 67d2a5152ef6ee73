import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";

// Projects on /api/v1 (seed 001, with seed 002's fields): create with a git repository, list
// with filters, search and both kinds of pagination, read, edit, archive, the state machine's
// refusals, and tenancy.

interface Project {
  id: string;
  name: string;
  description: string;
  status: string;
  repoPath: string;
  project_type: string | null;
  tech_stack: string[];
  is_active: boolean;
  createdAt: string;
  updatedAt: string;
  created_at: string;
  latestRun: { id: string; runNumber: number; status: string } | null;
  spec: { version: number; documents: Record<string, string>; approvedAt: string | null } | null;
}
interface Page {
  success: true;
  data: Project[];
  pagination: { page: number; pageSize: number; total: number; totalPages: number };
}

async function signedUp(url: string) {
  const client = new TestClient(url);
  await client.signUp();
  return client;
}

async function create(client: TestClient, body: Record<string, unknown>): Promise<Project> {
  const response = await client.fetch("/api/v1/projects", { method: "POST", json: body });
  expect(response.status).toBe(201);
  return ((await response.json()) as { data: Project }).data;
}

async function list(client: TestClient, query = ""): Promise<Page> {
  const response = await client.fetch(`/api/v1/projects${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}

describe.each(inject("backends"))("projects on $name", ({ url }) => {
  test("a new project is a draft with a bare git repository whose main has one commit", async () => {
    const client = await signedUp(url);
    const response = await client.fetch("/api/v1/projects", {
      method: "POST",
      json: { name: "  My SaaS App ", description: "A task board with time tracking." },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { success: boolean; data: Project };
    expect(body.success).toBe(true);
    const project = body.data;
    expect(project).toMatchObject({
      name: "My SaaS App",
      description: "A task board with time tracking.",
      status: "draft",
      project_type: null,
      tech_stack: [],
      is_active: true,
    });
    expect(project.id).toMatch(/^proj_[a-z0-9]{20}$/);
    expect(project.repoPath).toMatch(new RegExp(`/repos/${project.id}\\.git$`));
    expect(project.createdAt).toBe(project.created_at);
    expect(new Date(project.createdAt).toISOString()).toBe(project.createdAt);

    // Kiln's repository is on this machine: the real git reads it.
    expect(existsSync(project.repoPath)).toBe(true);
    const git = (...args: string[]) =>
      execFileSync("git", ["--git-dir", project.repoPath, ...args])
        .toString()
        .trim();
    expect(git("rev-parse", "--is-bare-repository")).toBe("true");
    expect(git("log", "--format=%s", "main")).toBe("Start My SaaS App");
    expect(git("show", "main:README.md")).toContain("A task board with time tracking.");
  });

  test("seed 002's fields are accepted and read back; /v1 is the same API", async () => {
    const client = await signedUp(url);
    const created = await create(client, {
      name: "Inventory API",
      path: "/projects/inventory",
      project_type: "api",
      tech_stack: ["fastapi", "postgresql"],
    });
    expect(created).toMatchObject({
      project_type: "api",
      tech_stack: ["fastapi", "postgresql"],
      is_active: true,
      description: "",
    });
    const viaAlias = await client.fetch(`/v1/projects/${created.id}`);
    expect(viaAlias.status).toBe(200);
    expect(((await viaAlias.json()) as { data: Project }).data.id).toBe(created.id);
    const byStack = await list(client, "?tech_stack=fastapi");
    expect(byStack.data.map((p) => p.id)).toEqual([created.id]);
    expect((await list(client, "?tech_stack=django")).data).toEqual([]);
  });

  test("the list: newest first, page/pageSize and limit/offset, latestRun, totals", async () => {
    const client = await signedUp(url);
    const made: Project[] = [];
    for (let i = 1; i <= 5; i++) made.push(await create(client, { name: `Project ${i}` }));
    const first = await list(client, "?page=1&pageSize=2");
    expect(first.data.map((p) => p.name)).toEqual(["Project 5", "Project 4"]);
    expect(first.pagination).toEqual({ page: 1, pageSize: 2, total: 5, totalPages: 3 });
    expect(first.data[0]?.latestRun).toBeNull();
    const last = await list(client, "?page=3&pageSize=2");
    expect(last.data.map((p) => p.name)).toEqual(["Project 1"]);
    const beyond = await list(client, "?page=9&pageSize=2");
    expect(beyond.data).toEqual([]);
    expect(beyond.pagination.total).toBe(5);
    const seed2 = await list(client, "?limit=2&offset=2");
    expect(seed2.data.map((p) => p.name)).toEqual(["Project 3", "Project 2"]);
    expect(seed2.pagination).toEqual({ page: 2, pageSize: 2, total: 5, totalPages: 3 });
    const all = await list(client);
    expect(all.pagination).toEqual({ page: 1, pageSize: 20, total: 5, totalPages: 1 });
  });

  test.each([
    ["?pageSize=101", "pageSize: must be at most 100"],
    ["?pageSize=0", "pageSize: must be at least 1"],
    ["?page=0", "page: must be at least 1"],
    ["?page=abc", "page: must be a whole number"],
    ["?page=1.5", "page: must be a whole number"],
    ["?limit=500", "limit: must be at most 100"],
    ["?offset=-1", "offset: must be at least 0"],
    ["?page=1&offset=10", "use page and pageSize, or limit and offset, not both"],
    ["?status=done", "status: must be one of draft, clarifying"],
    ["?active=yes", "active: must be true or false"],
    [`?search=${"x".repeat(201)}`, "search: must be at most 200 characters"],
  ])("the list refuses %s with a 400 naming the parameter", async (query, message) => {
    const client = await signedUp(url);
    const response = await client.fetch(`/api/v1/projects${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      success: false;
      error: { code: string; message: string };
    };
    expect(body.success).toBe(false);
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(body.error.message).toContain(message);
  });

  test("search matches words and word starts in name and description, any case", async () => {
    const client = await signedUp(url);
    const board = await create(client, {
      name: "Kanban Board",
      description: "Cards, swimlanes and WIP limits",
    });
    const crm = await create(client, { name: "Sales CRM", description: "Leads and pipelines" });
    const ids = async (search: string) =>
      (await list(client, `?search=${encodeURIComponent(search)}`)).data.map((p) => p.id);
    expect(await ids("kanban")).toEqual([board.id]);
    expect(await ids("SWIM")).toEqual([board.id]);
    expect(await ids("leads pipe")).toEqual([crm.id]);
    expect(await ids("cards leads")).toEqual([]);
    expect(await ids("'; drop table projects; --")).toEqual([]);
    expect(await ids("!!!")).toEqual([]);
    expect((await list(client, "?search=board")).pagination.total).toBe(1);
  });

  test("PATCH edits; DELETE archives, keeps the repository, and hides the project by default", async () => {
    const client = await signedUp(url);
    const project = await create(client, { name: "Old name", description: "Old" });
    const patched = await client.fetch(`/api/v1/projects/${project.id}`, {
      method: "PATCH",
      json: { name: "New name", description: "New description" },
    });
    expect(patched.status).toBe(200);
    const edited = ((await patched.json()) as { data: Project }).data;
    expect(edited).toMatchObject({ name: "New name", description: "New description", spec: null });
    expect(Date.parse(edited.updatedAt)).toBeGreaterThanOrEqual(Date.parse(project.updatedAt));

    const removed = await client.fetch(`/api/v1/projects/${project.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({
      success: true,
      data: { id: project.id, status: "archived" },
    });
    expect(existsSync(project.repoPath)).toBe(true);
    expect((await list(client)).data).toEqual([]);
    const archived = await list(client, "?status=archived");
    expect(archived.data.map((p) => [p.id, p.is_active])).toEqual([[project.id, false]]);
    expect((await list(client, "?active=false")).data).toHaveLength(1);

    // Archived is the end: no edits, no second archive, each a 409 naming the status.
    for (const [method, json] of [
      ["PATCH", { name: "Again" }],
      ["DELETE", undefined],
    ] as const) {
      const refused = await client.fetch(`/api/v1/projects/${project.id}`, { method, json });
      expect(refused.status).toBe(409);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("CONFLICT");
      expect(body.error.message).toContain('in status "archived"');
    }
  });

  test("archiving twice at once: exactly one wins, the other is a 409", async () => {
    const client = await signedUp(url);
    const project = await create(client, { name: "Race" });
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.fetch(`/api/v1/projects/${project.id}`, { method: "DELETE" }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
  });

  test.each([
    [{}, "name: Invalid input: expected string, received undefined"],
    [{ name: "  " }, "name: is required"],
    [{ name: "x".repeat(201) }, "name: must be at most 200 characters"],
    [{ name: "A", tech_stack: "react" }, "tech_stack: Invalid input: expected array"],
    [{ name: "A", tech_stack: Array(31).fill("x") }, "tech_stack: must list at most 30"],
    [{ name: "A", description: 7 }, "description: Invalid input: expected string"],
  ])("creating with %j is a 400 naming the field", async (json, message) => {
    const client = await signedUp(url);
    const response = await client.fetch("/api/v1/projects", { method: "POST", json });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(body.error.message).toContain(message);
  });

  test("an empty PATCH is a 400; a malformed id is a 400; an unknown one a 404", async () => {
    const client = await signedUp(url);
    const project = await create(client, { name: "P" });
    const empty = await client.fetch(`/api/v1/projects/${project.id}`, {
      method: "PATCH",
      json: {},
    });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain(
      "give at least one of",
    );
    expect((await client.fetch("/api/v1/projects/not-an-id")).status).toBe(400);
    const missing = await client.fetch("/api/v1/projects/proj_doesnotexist");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      success: false,
      error: { code: "NOT_FOUND", message: "Project not found", details: {} },
    });
  });

  test("another user's project is 404 on every endpoint, and never listed", async () => {
    const alice = await signedUp(url);
    const project = await create(alice, { name: "Alice's", description: "secret plans" });
    const bob = await signedUp(url);
    const { key } = await bob.createApiKey();
    const asBob = (path: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      });
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", JSON.stringify({ name: "Mine now" })],
      ["DELETE", undefined],
    ] as const) {
      const response = await asBob(`/api/v1/projects/${project.id}`, { method, body });
      expect(response.status, method).toBe(404);
    }
    const listed = (await (await asBob("/api/v1/projects?search=secret")).json()) as Page;
    expect(listed.data).toEqual([]);
    // Alice's project is untouched.
    const mine = await alice.fetch(`/api/v1/projects/${project.id}`);
    expect(((await mine.json()) as { data: Project }).data).toMatchObject({
      name: "Alice's",
      status: "draft",
    });
  });

  test("an API key works as well as the browser session", async () => {
    const client = await signedUp(url);
    const { key } = await client.createApiKey();
    const response = await fetch(`${url}/api/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "From a script" }),
    });
    expect(response.status).toBe(201);
    expect((await list(client)).data.map((p) => p.name)).toEqual(["From a script"]);
  });
});
