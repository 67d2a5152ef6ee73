import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { gateRequest, requestIdFor, requestProblem } from "./request-gate";

describe("requestProblem", () => {
  test.each([
    "/",
    "/health",
    "/api/chats/abc",
    "/api/sandbox/sbx_1/files?path=src%2Fapp.py",
    "/api/v1/api-keys?page=2&pageSize=10",
    "/v1/api-keys",
    "/login?next=%2Fsettings%3Ftab%3Dkeys",
    "/_next/static/chunks/app.js",
    "/api/chats/%E2%9C%93",
    "/api/sandbox/sbx_1/preview/tok/a.b/..c/c..",
    "/api/models?q=100%25+sure",
    // Queries are the API's parsing's to judge, and a preview's app's.
    "/api/chats?x=%E0%A4%A&y=a%00",
    "/api/sandbox/sbx_1/preview/tok/?discount=50%off",
    "http://127.0.0.1:3000/api/v1/health",
  ])("%s is served", (target) => {
    expect(requestProblem("GET", target)).toBeUndefined();
  });

  test.each([
    ["/api/chats/%E0%A4%A", "api", /malformed percent-encoding/],
    ["/api/v1/api-keys/%zz", "v1", /malformed percent-encoding/],
    ["/v1/api-keys/%ff", "v1", /malformed percent-encoding/],
    ["/api/sandbox/%ff/files", "api", /malformed percent-encoding/],
    ["/projects/%E0%A4%A", "page", /malformed percent-encoding/],
    ["/api/chats/a%00b", "api", /NUL/],
    ["/api/x/../../etc", "api", /"\." or "\.\."/],
    ["/api/%2e%2e/health", "api", /"\." or "\.\."/],
    ["/api/%2E./v1/health", "v1", /"\." or "\.\."/],
    ["/v1/./projects", "v1", /"\." or "\.\."/],
    ["/api\\..\\..\\etc", "api", /"\." or "\.\."/],
    // Resolved, it would be an API path: answered as one.
    ["/x/../api/v1/health", "v1", /"\." or "\.\."/],
    ["/settings/../login", "page", /"\." or "\.\."/],
    ["/api/./v1/api-keys", "v1", /"\." or "\.\."/],
    ["/health/..", "api", /"\." or "\.\."/],
    ["*", "page", /must be a path/],
  ])("%s is refused for the %s surface", (target, surface, message) => {
    const problem = requestProblem("GET", target);
    expect(problem).toMatchObject({ surface, status: 400, code: "VALIDATION_ERROR" });
    expect(problem?.message).toMatch(message);
  });

  test.each([
    ["TRACE", "/api/v1/health", "v1"],
    ["PROPFIND", "/api/chats", "api"],
    ["MKCOL", "/settings", "page"],
  ])("%s %s is a 405 for the %s surface", (method, target, surface) => {
    expect(requestProblem(method, target)).toMatchObject({
      surface,
      status: 405,
      code: "METHOD_NOT_ALLOWED",
    });
  });
});

describe("gateRequest in front of a server", () => {
  let server: Server;
  let port: number;
  const seen: { url?: string; host?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (gateRequest(req, res, { isProduction: true })) return;
      seen.push({ url: req.url, host: req.headers.host });
      res.end("served");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  // Raw bytes, so that nothing between the test and the server normalises the target.
  const send = (requestLine: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write(`${requestLine}\r\nHost: kiln.test\r\nConnection: close\r\n\r\n`),
      );
      let text = "";
      socket.on("data", (chunk) => (text += chunk.toString("latin1")));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });

  test("a refused request gets the surface's body, the security headers and a request id", async () => {
    const text = await send("GET /api/v1/api-keys/%zz HTTP/1.1");
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/\r\nX-Frame-Options: DENY\r\n/i);
    expect(text).toMatch(/\r\nStrict-Transport-Security: max-age=63072000/i);
    expect(text).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/i);
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))).toEqual({
      success: false,
      error: {
        code: "VALIDATION_ERROR",
        message: "The request path has malformed percent-encoding (or is not UTF-8)",
        details: { in: "path" },
      },
    });
  });

  test("repeated slashes are a 308 to the path without them, never to another host", async () => {
    const text = await send("GET //evil.example//x\\y?a=1 HTTP/1.1");
    expect(text).toMatch(/^HTTP\/1\.1 308 /);
    expect(text).toMatch(/\r\nLocation: \/evil\.example\/x\/y\?a=1\r\n/i);
    expect(text).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
  });

  test("an absolute-form target reaches the server as a path, its authority as the Host", async () => {
    seen.length = 0;
    const text = await send("GET http://127.0.0.1:3000/api/v1/health?x=1 HTTP/1.1");
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(seen).toEqual([{ url: "/api/v1/health?x=1", host: "127.0.0.1:3000" }]);
  });
});

describe("requestIdFor", () => {
  test("keeps a safe client id and replaces anything else", () => {
    expect(requestIdFor("trace-1234abcd")).toBe("trace-1234abcd");
    for (const unsafe of [null, undefined, "", "short", "bad id\twith<tags>", "x".repeat(129)]) {
      expect(requestIdFor(unsafe)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
