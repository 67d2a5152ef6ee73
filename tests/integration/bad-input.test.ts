import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { allContracts } from "@/lib/openapi/contracts";
import { type RouteContract, type Surface, surfaceOf } from "@/lib/route-contract";
import { TestClient } from "../support/client";
import { type FakeSupabaseAuth, startFakeSupabaseAuth } from "../support/fake-supabase-auth";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// Malformed input of every kind, to every endpoint the contracts list: each is answered with a
// 4xx in its surface's shape, with Kiln's security headers and a request id, never a 500. Paths
// go over raw sockets, so that no client normalises or re-encodes them on the way.

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** One HTTP/1.1 request written byte for byte: the head in latin1 (so any byte can be sent). */
function raw(
  base: string,
  request: { method?: string; target: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const { hostname, port, host } = new URL(base);
  const body = Buffer.from(request.body ?? "", "utf8");
  const head = [
    `${request.method ?? "GET"} ${request.target} HTTP/1.1`,
    `Host: ${host}`,
    "Connection: close",
    ...Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    ...(request.body === undefined ? [] : [`Content-Length: ${body.length}`]),
  ].join("\r\n");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), body])),
    );
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      if (end === -1) return reject(new Error(`no response to ${request.target}`));
      const [statusLine = "", ...lines] = all.subarray(0, end).toString("latin1").split("\r\n");
      const headers = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      let rest = all.subarray(end + 4);
      if (headers.get("transfer-encoding") === "chunked") {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = rest.indexOf("\r\n");
          const size = Number.parseInt(rest.subarray(0, lineEnd).toString(), 16);
          if (!size) break;
          parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
          rest = rest.subarray(lineEnd + 2 + size + 2);
        }
        rest = Buffer.concat(parts);
      }
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: rest.toString("utf8"),
      });
    });
  });
}

const securityHeaders = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "x-xss-protection": "1; mode=block",
  "referrer-policy": "strict-origin-when-cross-origin",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
};

/** A 4xx in the surface's shape with the security headers and a request id. */
async function expectRefusal(
  response: RawResponse | Response,
  surface: Surface,
  expected: { status?: number; message?: string | RegExp } = {},
) {
  const status = response.status;
  const text = response instanceof Response ? await response.text() : response.body;
  const context = `${status} ${text.slice(0, 300)}`;
  expect(status, context).toBeGreaterThanOrEqual(400);
  expect(status, context).toBeLessThan(500);
  if (expected.status) expect(status, context).toBe(expected.status);
  const header = (name: string) => response.headers.get(name);
  for (const [name, value] of Object.entries(securityHeaders)) {
    expect(header(name), `${name} on ${context}`).toBe(value);
  }
  expect(header("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(header("x-request-id")).toMatch(/^[A-Za-z0-9._-]{8,128}$/);
  expect(header("content-type"), context).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  let message: unknown;
  if (surface === "api") {
    expect(body, context).toMatchObject({ error: true, message: expect.any(String) });
    expect(body).not.toHaveProperty("success");
    message = body.message;
  } else {
    expect(body, context).toEqual({
      success: false,
      error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) },
    });
    message = (body.error as { message: string }).message;
  }
  if (expected.message) expect(message).toMatch(expected.message);
  return body;
}

// Values that pass each parameter's own check, so that what is refused is what the case adds.
function validParams(contract: RouteContract): Record<string, string> {
  const names = [...contract.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const sample = (name: string) => {
    if (name === "provider" && contract.path.includes("/deploy-providers/")) return "vercel";
    if (name === "provider") return "openai";
    if (name === "commandId") return "cmd_abc";
    if (contract.path.includes("/chats/")) return "chat_abc";
    if (contract.path.includes("/sandbox/")) return "sbx_abc";
    if (contract.path.includes("/api-keys/")) return "key_abc";
    if (name === "deploymentId" || contract.path.includes("/deployments/{id}")) return "dep_abc";
    if (name === "projectId") return "proj_abc";
    if (name === "version") return "1";
    if (name === "exportId") return "exp_abc";
    if (name === "path") return "src/app.ts";
    if (name === "runId") return "run_abc";
    if (name === "taskId") return "task_abc";
    throw new Error(`no sample for {${name}} in ${contract.path}: add one`);
  };
  return Object.fromEntries(names.map((name) => [name, sample(name)]));
}

const fill = (contract: RouteContract, params: Record<string, string>) =>
  contract.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!);

const fragment = {
  commentary: "A page",
  template: "static-html",
  title: "Hello",
  description: "Says hello",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: 8000,
  file_path: "index.html",
  code: "<h1>Hello</h1>",
  files: [{ file_path: "style.css", code: "h1 { color: red }" }],
};
const messages = [{ role: "user", content: "Make a page that says hello" }];
const modelConfig = { model: "gpt-test", apiKey: "sk-client-key-123", baseURL: "https://x.test" };

/** A valid body for every endpoint that takes one; every string in it gets a NUL in turn. */
const sampleBodies: Record<string, unknown> = {
  "POST /api/auth/signup": { email: "nul@example.test", password: "correct horse battery" },
  "POST /api/auth/login": { email: "nul@example.test", password: "correct horse battery" },
  "POST /api/v1/api-keys": { name: "deploy key" },
  "POST /api/v1/projects": {
    name: "Task board",
    description: "Boards and cards",
    project_type: "web",
    tech_stack: ["react"],
  },
  "PATCH /api/v1/projects/{projectId}": { name: "Renamed", tech_stack: ["vue"] },
  "POST /api/v1/projects/{projectId}/clarify": {
    model: { id: "gpt-test", providerId: "openai" },
  },
  "POST /api/v1/projects/{projectId}/answers": {
    answers: [{ questionId: "q1", answer: "Email and password" }],
  },
  "POST /api/v1/projects/{projectId}/regenerate": { feedback: "More about notifications" },
  "POST /api/github/import": { owner: "octocat", repo: "hello-world", ref: "main" },
  "POST /api/github/push": {
    owner: "octocat",
    repo: "hello-world",
    branch: "kiln/update",
    message: "Update from Kiln",
  },
  "PUT /api/settings/github": { token: "ghp_sample0123456789abcdef" },
  "POST /api/v1/projects/{projectId}/export": { runId: "run_abc", format: "zip" },
  "POST /api/v1/projects/{projectId}/runs": { trigger: "manual" },
  "POST /api/v1/projects/{projectId}/runs/{runId}/replay": { onMissingAnswer: "fail" },
  "POST /api/v1/projects/{projectId}/deploy": { runId: "run_abc", provider: "local" },
  "POST /api/v1/deploy": {
    project_id: "proj_abc",
    name: "myproject-staging",
    port: 8091,
    environment: { NODE_ENV: "staging" },
    cpu_limit: "0.5",
    memory_limit: "256m",
  },
  "PUT /api/settings/deploy-providers/{provider}": {
    token: "vercel-sample-token-0123456789",
    teamId: "team_abc123",
  },
  "PUT /api/settings/model-providers/{provider}": {
    apiKey: "sk-provider-key-123",
    baseURL: "https://models.example.test/v1",
  },
  "POST /api/chat": {
    messages,
    template: "static-html",
    userID: "u",
    teamID: "t",
    model: { id: "gpt-test", name: "GPT", provider: "OpenAI", providerId: "openai" },
    config: modelConfig,
  },
  "PATCH /api/chats/{id}": { title: "Renamed chat" },
  "POST /api/chats/{id}/versions": { fragment },
  "POST /api/chat/morph-chat": { messages, config: modelConfig, currentFragment: fragment },
  "POST /api/sandbox": { fragment, userID: "u", teamID: "t", accessToken: "tok" },
  "POST /api/sandbox/{id}/files": { files: [{ path: "src/app.py", content: "print('hi')\n" }] },
  "POST /api/terminal": { command: "echo hi", sbxId: "sbx_abc", workingDirectory: "/workspace" },
  "POST /api/files": { path: "src/app.js", content: "console.log(1)", encoding: "utf-8" },
  "PATCH /api/files": { from: "src/app.js", to: "src/main.js" },
  "DELETE /api/files": { path: "src/app.js" },
  "POST /api/files/content": { path: "src/app.js", content: "console.log(2)" },
  "POST /api/files/batch": {
    files: [
      { path: "src/a.js", content: "1" },
      { path: "bin/b.dat", content: "AAE=", encoding: "base64" },
    ],
  },
  "POST /api/files/run": { path: "apps/counter", template: "static-html" },
  "POST /api/files/chat": { path: "apps/counter", template: "static-html" },
  "POST /api/files/from-sandbox": {
    sbxId: "sbx_abc",
    path: "apps/counter",
    expectedVersions: { "index.html": 2 },
  },
  "POST /api/chats/{id}/workspace": { source: "sandbox" },
};

/** Every path to a string in `value`, with the value at each. */
function stringLeaves(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") return [at];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringLeaves(item, [...at, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  }
  return [];
}

function withNul(value: unknown, path: (string | number)[]): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const text = parent[last] as string;
  parent[last] = `${text.slice(0, 2)}\u0000${text.slice(2)}`;
  return copy;
}

const key = (contract: RouteContract) => `${contract.method} ${contract.path}`;
const withBody = allContracts.filter((c) => c.body);
const withParams = allContracts.filter((c) => c.path.includes("{"));
const withQuery = allContracts.filter((c) => c.query);

// Percent-encodings that decode to no text, and a NUL.
const malformedSegments = ["%E0%A4%A", "%zz", "%ff", "%c0%af", "%ed%a0%80", "%", "a%00b"];

describe.each(inject("backends"))("bad input on $name", ({ url }) => {
  let client: TestClient;
  let cookie: string;
  beforeAll(async () => {
    client = new TestClient(url);
    await client.signUp();
    cookie = client.cookie!;
  });
  // What a signed-in browser sends with a mutation; never to logout, which would end the session
  // the other cases use.
  const signedIn = (contract?: RouteContract): Record<string, string> =>
    contract?.path === "/api/auth/logout" ? { Origin: url } : { Cookie: cookie, Origin: url };

  test("every endpoint with a body has a sample body here", () => {
    expect(withBody.map(key).filter((k) => !(k in sampleBodies))).toEqual([]);
  });

  test.each(
    allContracts.flatMap((contract) =>
      malformedSegments.map((segment) => ({ contract, segment, name: key(contract) })),
    ),
  )("$name with a malformed segment $segment in its path", async ({ contract, segment }) => {
    const params = validParams(contract);
    const names = Object.keys(params);
    // In place of each parameter, or appended when there is none.
    const targets =
      names.length > 0
        ? names.map((name) => fill(contract, { ...params, [name]: segment }))
        : [`${contract.path}/${segment}`];
    for (const target of targets) {
      const response = await raw(url, {
        method: contract.method,
        target,
        headers: signedIn(contract),
      });
      await expectRefusal(response, surfaceOf(contract.path), { status: 400 });
    }
  });

  test.each(allContracts.map((contract) => ({ contract, name: key(contract) })))(
    "$name reached through dot segments is a JSON 400",
    async ({ contract }) => {
      const path = fill(contract, validParams(contract));
      const [, first = "", ...rest] = path.split("/");
      for (const target of [
        `${path}/..`,
        `${path}/.`,
        `${path}/%2e%2e`,
        `/${first}/x/../${rest.join("/")}`,
        `/${first}/./${rest.join("/")}`,
        `/${first}/%2E./${rest.join("/")}`,
        `/${first}\\..\\${rest.join("\\")}`,
      ]) {
        const response = await raw(url, {
          method: contract.method,
          target,
          headers: signedIn(contract),
        });
        await expectRefusal(response, surfaceOf(contract.path), {
          status: 400,
          message: /"\." or "\.\." segments/,
        });
      }
    },
  );

  test.each([
    ["/api/x/../../etc", "api"],
    ["/api/%2e%2e/health", "api"],
    ["/api/../health", "api"],
    ["/v1/./projects", "v1"],
    ["/api/v1/../v1/health", "v1"],
    ["/x/../api/v1/health", "v1"],
  ] as const)("unknown path %s is answered in its surface's shape", async (target, surface) => {
    await expectRefusal(await raw(url, { target }), surface, { status: 400 });
  });

  test.each(withParams.map((contract) => ({ contract, name: key(contract) })))(
    "$name with a parameter of 300 bytes or of a NUL",
    async ({ contract }) => {
      const params = validParams(contract);
      for (const name of Object.keys(params)) {
        for (const value of ["a".repeat(300), "%C3%A9".repeat(200), "sbx_a%00"]) {
          const target = fill(contract, { ...params, [name]: value });
          const response = await raw(url, {
            method: contract.method,
            target,
            headers: { ...signedIn(contract), "Content-Type": "application/json" },
            body: contract.body ? JSON.stringify(sampleBodies[key(contract)]) : undefined,
          });
          await expectRefusal(response, surfaceOf(contract.path));
        }
      }
    },
  );

  test.each(allContracts.map((contract) => ({ contract, name: key(contract) })))(
    "$name with malformed encoding or a NUL in its query is no 500",
    async ({ contract }) => {
      const path = fill(contract, validParams(contract));
      // No body: a valid one would create sandboxes and keys, and the query is what is tried.
      for (const query of ["%zz=1", "q=%E0%A4%A&r=%ff", "x=a%00b"]) {
        const response = await raw(url, {
          method: contract.method,
          target: `${path}?${query}`,
          headers: signedIn(contract),
        });
        expect(response.status, `${query}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
        expect(response.headers.get("x-frame-options")).toBe("DENY");
        expect(response.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._-]{8,128}$/);
      }
    },
  );

  test.each(withQuery.map((contract) => ({ contract, name: key(contract) })))(
    "$name refuses a NUL in any query parameter, naming it",
    async ({ contract }) => {
      const path = fill(contract, validParams(contract));
      const names = Object.keys((contract.query as unknown as { shape: object }).shape);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const response = await raw(url, {
          method: contract.method,
          target: `${path}?${name}=a%00b`,
          headers: signedIn(contract),
        });
        await expectRefusal(response, surfaceOf(contract.path), {
          status: 400,
          message: `${name}: must not contain NUL characters (\\u0000)`,
        });
      }
    },
  );

  test.each(withBody.map((contract) => ({ contract, name: key(contract) })))(
    "$name refuses a NUL in any string of its body, naming the field",
    async ({ contract }) => {
      const sample = sampleBodies[key(contract)];
      const path = fill(contract, validParams(contract));
      const leaves = stringLeaves(sample);
      expect(leaves.length).toBeGreaterThan(0);
      const cases = [
        ...leaves.map((leaf) => ({ body: withNul(sample, leaf), field: leaf.join(".") })),
        { body: { ...(sample as object), "extra\u0000": 1 }, field: "extra\u0000" },
      ];
      for (const { body, field } of cases) {
        const response = await client.fetch(path, { method: contract.method, json: body });
        const refusal = await expectRefusal(response, surfaceOf(contract.path), {
          status: 400,
          message: `${field}: must not contain NUL characters (\\u0000)`,
        });
        if (surfaceOf(contract.path) === "v1") {
          expect(refusal).toMatchObject({ error: { code: "VALIDATION_ERROR" } });
        }
      }
    },
  );

  test.each([
    ["POST", "/api/sandbox/sbx_abc/files", { files: [{ path: "a".repeat(300), content: "" }] }],
    [
      "POST",
      "/api/sandbox/sbx_abc/files",
      { files: [{ path: `src/${"é".repeat(130)}/app.py`, content: "" }] },
    ],
    [
      "POST",
      "/api/terminal",
      { command: "pwd", sbxId: "sbx_abc", workingDirectory: "a".repeat(300) },
    ],
    ["POST", "/api/sandbox", { fragment: { ...fragment, file_path: "a".repeat(256) } }],
    ["POST", "/api/sandbox", { fragment: { ...fragment, file_path: `${"é".repeat(128)}.html` } }],
    [
      "POST",
      "/api/sandbox",
      { fragment: { ...fragment, files: [{ file_path: `x/${"é".repeat(130)}`, code: "" }] } },
    ],
    [
      "POST",
      "/api/chat/morph-chat",
      { messages, currentFragment: { ...fragment, file_path: "b".repeat(256) } },
    ],
  ])(
    "%s %s with a path part over 255 bytes is a 400 naming the field",
    async (method, path, body) => {
      const response = await client.fetch(path, { method, json: body });
      await expectRefusal(response, "api", {
        status: 400,
        message:
          /(path|workingDirectory|file_path): must have no part between slashes longer than 255 bytes/,
      });
    },
  );

  test("a provider key with a space or control character is a 400 that does not quote it", async () => {
    for (const apiKey of ["sk-abc\ndef-secret", "sk-abc def-secret", "sk-\u0001def-secret"]) {
      const saved = await client.fetch("/api/settings/model-providers/openai", {
        method: "PUT",
        json: { apiKey },
      });
      const body = await expectRefusal(saved, "api", { status: 400, message: /^apiKey: / });
      expect(JSON.stringify(body)).not.toContain("def-secret");
      const chat = await client.fetch("/api/chat", {
        method: "POST",
        json: { messages, config: { apiKey, baseURL: "https://models.example.test/v1" } },
      });
      await expectRefusal(chat, "api", { status: 400, message: /^config\.apiKey: / });
    }
  });

  test("reading a sandbox path with a part over 255 bytes is a 400", async () => {
    for (const path of ["a".repeat(300), `/workspace/${"é".repeat(200)}`]) {
      const response = await client.fetch(
        `/api/sandbox/sbx_abc/files?path=${encodeURIComponent(path)}`,
      );
      await expectRefusal(response, "api", { status: 400, message: /^path: / });
    }
  });

  test.each([
    "kiln_session=%E0%A4%A",
    "kiln_session=%",
    "kiln_session=%zz%ff; other=1",
    "other=%%%; kiln_session=abc%",
    ";;;=;=; kiln_session",
  ])(
    "a broken session cookie (%s) is no session: 401, and logout still clears it",
    async (broken) => {
      const headers = { Cookie: broken, Origin: url };
      await expectRefusal(await raw(url, { target: "/api/auth/me", headers }), "api", {
        status: 401,
      });
      await expectRefusal(await raw(url, { target: "/api/v1/api-keys", headers }), "v1", {
        status: 401,
      });
      const logout = await raw(url, { method: "POST", target: "/api/auth/logout", headers });
      expect(logout.status).toBe(200);
      expect(JSON.parse(logout.body)).toEqual({ ok: true });
      expect(logout.headers.get("set-cookie")).toMatch(/^kiln_session=;.*Max-Age=0/i);
    },
  );

  test("odd bytes in Authorization or the cookie are no credential: 401", async () => {
    const oddCredentials: Record<string, string>[] = [
      { Authorization: "Bearer kiln_\xff\xfe\x80abc" },
      { Authorization: "Bearer \xff" },
      { Authorization: `Bearer kiln_${"a".repeat(6000)}` },
      { Authorization: "Basic \xe9t\xe9" },
      { Cookie: "kiln_session=\xff\xfe\x80" },
    ];
    for (const headers of oddCredentials) {
      const me = await raw(url, { target: "/api/auth/me", headers });
      await expectRefusal(me, "api", { status: 401 });
      const keys = await raw(url, { target: "/api/v1/api-keys", headers });
      await expectRefusal(keys, "v1", { status: 401 });
    }
  });

  test("a method no route serves is a 405 in the surface's shape", async () => {
    for (const [method, target, surface] of [
      ["TRACE", "/api/v1/health", "v1"],
      ["PROPFIND", "/api/chats", "api"],
      ["TRACE", "/v1/api-keys", "v1"],
    ] as const) {
      const response = await raw(url, { method, target });
      await expectRefusal(response, surface, { status: 405 });
      expect(response.headers.get("allow")).toContain("GET");
    }
  });

  test("a malformed path to a page is a plain 400 with the security headers", async () => {
    for (const target of ["/projects/%E0%A4%A", "/%ff.js", "/_next/static/%zz", "/settings/.."]) {
      const response = await raw(url, { target });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      for (const [name, value] of Object.entries(securityHeaders)) {
        expect(response.headers.get(name)).toBe(value);
      }
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test("repeated slashes are a 308 to the single-slash path, with the security headers", async () => {
    const response = await raw(url, { target: "//api//health?x=1" });
    expect(response.status).toBe(308);
    expect(response.headers.get("location")).toBe("/api/health?x=1");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("what bad input writes to the log", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({ env: suiteEnv });
  });
  afterAll(async () => kiln?.stop());

  test("each refusal is one info line without a stack, and nothing at error level", async () => {
    const client = new TestClient(kiln.url);
    await client.signUp();
    const sent: Record<string, number> = {};
    const send = async (requestId: string, response: Promise<RawResponse | Response>) => {
      sent[requestId] = (await response).status;
    };
    await send(
      "bad-path-0001",
      raw(kiln.url, {
        target: "/api/chats/%E0%A4%A",
        headers: { "X-Request-Id": "bad-path-0001" },
      }),
    );
    await send(
      "bad-body-0002",
      client.fetch("/api/v1/api-keys", {
        method: "POST",
        headers: { "x-request-id": "bad-body-0002" },
        json: { name: "a\u0000b" },
      }),
    );
    await send(
      "bad-cookie-0003",
      raw(kiln.url, {
        target: "/api/auth/me",
        headers: { Cookie: "kiln_session=%E0%A4%A", "X-Request-Id": "bad-cookie-0003" },
      }),
    );
    await send(
      "bad-path-0004",
      client.fetch(`/api/sandbox/sbx_abc/files?path=${"a".repeat(300)}`, {
        headers: { "x-request-id": "bad-path-0004" },
      }),
    );
    expect(sent).toEqual({
      "bad-path-0001": 400,
      "bad-body-0002": 400,
      "bad-cookie-0003": 401,
      "bad-path-0004": 400,
    });
    const lines = kiln
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const requestId of Object.keys(sent)) {
      const mine = lines.filter((line) => line.requestId === requestId);
      expect(mine, requestId).toEqual([
        expect.objectContaining({
          level: "info",
          message: "request refused",
          status: sent[requestId],
        }),
      ]);
    }
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
    expect(kiln.output()).not.toContain('"stack"');
  }, 120_000);
});

describe("broken Supabase session cookies", () => {
  let fake: FakeSupabaseAuth;
  let kiln: KilnServer;
  beforeAll(async () => {
    fake = await startFakeSupabaseAuth();
    kiln = await startKiln({
      env: {
        ...suiteEnv,
        NEXT_PUBLIC_SUPABASE_URL: fake.url,
        NEXT_PUBLIC_SUPABASE_ANON_KEY: fake.anonKey,
      },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  // @supabase/ssr names its cookie after the project's host: sb-127-auth-token here.
  test.each([
    "sb-127-auth-token=%E0%A4%A",
    "sb-127-auth-token=base64-%%%not-base64",
    "sb-127-auth-token=base64-eyJub3QiOiJjbG9zZWQ",
    'sb-127-auth-token={"access_token":',
    "sb-127-auth-token.0=base64-eyJhY2Nlc3NfdG9rZW4iOiJ4",
    "sb-127-auth-token=\xff\xfe",
  ])(
    "%s is no session: 401, logout 200, and a page goes to /login",
    async (cookie) => {
      const headers = { Cookie: cookie, Origin: kiln.url };
      await expectRefusal(await raw(kiln.url, { target: "/api/auth/me", headers }), "api", {
        status: 401,
      });
      await expectRefusal(await raw(kiln.url, { target: "/api/v1/api-keys", headers }), "v1", {
        status: 401,
      });
      const logout = await raw(kiln.url, { method: "POST", target: "/api/auth/logout", headers });
      expect(logout.status, logout.body).toBe(200);
      const page = await raw(kiln.url, { target: "/settings", headers });
      expect(page.status, page.body.slice(0, 200)).toBeLessThan(500);
      expect(page.headers.get("x-frame-options")).toBe("DENY");
    },
    60_000,
  );
});
