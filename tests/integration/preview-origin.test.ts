import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";
import { importWithEnv } from "../support/env";
import { startKiln } from "../support/kiln-server";
import { needsNpmRegistry } from "../support/npm-registry";
import { fragment, run, signedIn } from "../support/sandbox-api";
import { suiteEnv } from "./global-setup";

// Each preview is served at the root of its own origin, `<label>.preview.localhost:<port>`:
// server.ts sends requests for such a host to the preview proxy before Next sees them. These
// tests address Kiln's socket with the Host a browser would send for that name.

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request to Kiln at `kiln` (its real address) for `path`, with the Host header `host`. */
function viaHost(
  kiln: string,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { hostname, port } = new URL(kiln);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, headers: { ...headers, host } });
    request.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on("error", reject);
    request.end();
  });
}

const site = fragment("<!doctype html><h1>Served on its own origin</h1>", {
  template: "static-html",
  port: 8000,
  file_path: "index.html",
  // The app's own /api and /health: on its origin they are the app's, never Kiln's.
  files: [
    { file_path: "api/models", code: "the app's own api" },
    { file_path: "health", code: "the app's own health" },
  ],
});

const hasRegistry = inject("npmRegistry");

describe.each(inject("backends"))("preview origins on $name", ({ url }) => {
  test("a preview is served at the root of its own host name, only with its token", async () => {
    const client = await signedIn(url);
    const { status, body } = await run(client, { fragment: site });
    expect(status, JSON.stringify(body)).toBe(200);
    const port = new URL(url).port;
    expect(body.url).toMatch(new RegExp(`^http://[0-9a-f]{32}\\.preview\\.localhost:${port}/$`));
    const host = new URL(body.url).host;

    const page = await viaHost(url, host, "/");
    expect(page.status).toBe(200);
    expect(page.body).toContain("Served on its own origin");
    expect(page.headers["content-security-policy"]).toMatch(
      /^frame-ancestors http:\/\/localhost:\* /,
    );
    expect(page.headers["x-frame-options"]).toBeUndefined();
    expect(page.headers["set-cookie"]).toBeUndefined();

    // A preview host never reaches Kiln's own routes: these paths are the app's.
    expect((await viaHost(url, host, "/api/models")).body).toBe("the app's own api");
    expect((await viaHost(url, host, "/health")).body).toBe("the app's own health");
    const kilnRoute = await viaHost(url, host, "/api/sandbox", { cookie: client.cookie! });
    expect(kilnRoute.status).toBe(404);
    expect(kilnRoute.body).not.toContain('"error"');

    // Another token, a host with no token, or a token of a sandbox that is gone: 404, never Kiln.
    const label = host.split(".")[0]!;
    const other = `${label.slice(0, -1)}${label.endsWith("0") ? "1" : "0"}`;
    for (const wrong of [
      host.replace(label, other),
      `preview.localhost:${port}`,
      host.replace(label, `a.${label}`),
    ]) {
      const answer = await viaHost(url, wrong, "/api/models", { cookie: client.cookie! });
      expect(answer.status, wrong).toBe(404);
      expect(answer.body).toMatch(/^Preview not found/);
    }

    // Kiln's own host serves no preview content: the old address without its token is a 404.
    const legacy = await client.fetch(`/api/sandbox/${body.sbxId}/preview/${label}/`);
    expect(legacy.status).toBe(404);
    const killed = await client.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" });
    expect(killed.status).toBeLessThan(300);
    expect((await viaHost(url, host, "/")).status).toBe(404);
  });

  test("a look-alike host is refused, and Kiln's API refuses a preview's origin", async () => {
    const port = new URL(url).port;
    for (const host of [
      `x.preview.localhost.evil.com:${port}`,
      `xpreview.localhost.evil.com:${port}`,
    ]) {
      const answer = await viaHost(url, host, "/api/health");
      expect(answer.status, host).toBe(421);
    }
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: site });
    const previewOrigin = new URL(body.url).origin;
    // A page on the preview's origin cannot act as the user even with the cookie in hand.
    const forged = await client.fetch("/api/sandbox", {
      method: "POST",
      json: { fragment: site },
      headers: { origin: previewOrigin, "sec-fetch-site": "same-site" },
    });
    expect(forged.status).toBe(403);
  });

  test("the session cookie is host-only: a browser keeps it on Kiln's host", async () => {
    const client = new TestClient(url);
    const response = await client.fetch("/api/auth/signup", {
      method: "POST",
      json: { email: `host-only-${Date.now()}@example.test`, password: "correct horse battery" },
    });
    expect(response.status).toBe(201);
    const session = response.headers.getSetCookie().find((c) => c.startsWith("kiln_session="));
    expect(session).toBeDefined();
    expect(session).not.toMatch(/;\s*domain=/i);
  });

  test.skipIf(!hasRegistry)(
    needsNpmRegistry(
      "an app sees its own cookies but never Kiln's, and its websockets go through its host",
      hasRegistry,
    ),
    async () => {
      const client = await signedIn(url);
      const app = fragment(
        [
          "const http = require('http');",
          "const server = http.createServer((req, res) => res.end(JSON.stringify({",
          "  path: req.url, cookie: req.headers.cookie ?? null, host: req.headers.host })));",
          "server.on('upgrade', (req, socket) => {",
          "  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\n\\r\\n');",
          "  socket.write('path=' + req.url + ';');",
          "  socket.pipe(socket);",
          "});",
          "server.listen(process.env.PORT, '0.0.0.0');",
        ].join("\n"),
        { template: "node-server", port: 3000, file_path: "index.js" },
      );
      const { status, body } = await run(client, { fragment: app });
      expect(status, JSON.stringify(body)).toBe(200);
      const host = new URL(body.url).host;
      const seen = JSON.parse(
        (
          await viaHost(url, host, "/api/x?y=1", {
            cookie: `${client.cookie}; theme=dark; kiln_device=abc`,
            authorization: "Bearer kiln_secret",
          })
        ).body,
      );
      expect(seen).toEqual({ path: "/api/x?y=1", cookie: "theme=dark", host: "localhost" });

      const upgrade = (upgradeHost: string) =>
        new Promise<string>((resolve, reject) => {
          const { hostname, port } = new URL(url);
          const request = httpRequest({
            hostname,
            port,
            path: "/hot?x=1",
            headers: { host: upgradeHost, connection: "Upgrade", upgrade: "echo" },
          });
          request.on("upgrade", (_response, socket, head) => {
            let text = head.toString();
            socket.on("data", (chunk) => {
              text += chunk;
              if (text.includes("ping")) {
                socket.destroy();
                resolve(text);
              }
            });
            socket.write("ping");
          });
          request.on("response", (response) => resolve(`status ${response.statusCode}`));
          request.on("error", reject);
          request.end();
        });
      expect(await upgrade(host)).toBe("path=/hot?x=1;ping");
      const label = host.split(".")[0]!;
      expect(await upgrade(host.replace(label, "0".repeat(32)))).toBe("status 404");
    },
  );
});

test("the old preview path on Kiln's host redirects to the preview's own origin, keeping the path", async () => {
  // A known secret, so that the test can make the old path's token as Kiln does.
  const secret = "cd".repeat(32);
  const kiln = await startKiln({ env: { ...suiteEnv, KILN_SECRET: secret } });
  try {
    const client = await signedIn(kiln.url);
    const { body } = await run(client, { fragment: site });
    const tokens = await importWithEnv<typeof import("@/lib/sandbox/local/preview/preview-token")>(
      "@/lib/sandbox/local/preview/preview-token",
      { KILN_SECRET: secret },
    );
    const old = tokens.previewPath(body.sbxId);
    const redirect = await fetch(new URL(`${old}api/models?x=1`, kiln.url), { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe(`${body.url}api/models?x=1`);
    const wrong = await fetch(
      new URL(`/api/sandbox/${body.sbxId}/preview/not-the-token/`, kiln.url),
      {
        redirect: "manual",
      },
    );
    expect(wrong.status).toBe(404);
  } finally {
    await kiln.stop();
  }
});
