import { request as httpRequest } from "node:http";
import { describe, expect, inject, test } from "vitest";
import { needsNpmRegistry } from "../support/npm-registry";
import { previewFetch } from "../support/preview-fetch";
import { processesWith } from "../support/processes";
import { fragment, run, signedIn, terminal } from "../support/sandbox-api";

// Web fragments served through Kiln's preview proxy. The Node template's dependencies are
// installed from the npm registry the first time it is prepared.

const staticSite = fragment(
  '<!doctype html><link rel="stylesheet" href="style.css"><h1>Hello from the sandbox</h1>',
  {
    template: "static-html",
    port: 8000,
    file_path: "index.html",
    files: [{ file_path: "style.css", code: "h1 { color: rebeccapurple }" }],
  },
);

// The node-server template's dependencies come from the npm registry.
const hasRegistry = inject("npmRegistry");

describe.each(inject("backends"))("previews on $name", ({ url }) => {
  test("a static site is served through Kiln's preview proxy, framable only by Kiln", async () => {
    const client = await signedIn(url);
    const { status, body } = await run(client, { fragment: staticSite });
    expect(status).toBe(200);
    // Absolute, on the preview's own origin with the port Kiln was addressed on.
    const port = new URL(url).port;
    expect(body.url).toMatch(new RegExp(`^http://[0-9a-f]{32}\\.preview\\.localhost:${port}/$`));
    expect(body).not.toHaveProperty("stdout");

    // The host name is the credential: no cookie is sent.
    const page = await previewFetch(url, body.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Hello from the sandbox");
    expect(page.headers.get("content-security-policy")).toMatch(/^frame-ancestors /);
    const css = await previewFetch(url, `${body.url}style.css`);
    expect(await css.text()).toContain("rebeccapurple");

    // No host user's `ps` shows the token while the server runs.
    const token = new URL(body.url).hostname.split(".")[0]!;
    expect(processesWith(token)).toEqual([]);
  });

  test.skipIf(!hasRegistry)(
    needsNpmRegistry(
      "a Node server's dependencies are prepared once, and its app is previewed",
      hasRegistry,
    ),
    async () => {
      const client = await signedIn(url);
      const server = fragment(
        [
          "const express = require('express');",
          "const app = express();",
          "app.get('/', (req, res) => res.send(\"<a href='api'>node \" + process.version + '</a>'));",
          "app.get('/api', (req, res) => res.json({ ok: true, path: req.path }));",
          "app.listen(process.env.PORT, '0.0.0.0');",
        ].join("\n"),
        { template: "node-server", port: 3000, file_path: "index.js" },
      );
      const { status, body } = await run(client, { fragment: server });
      expect(status, JSON.stringify(body)).toBe(200);
      const page = await previewFetch(url, body.url);
      expect(await page.text()).toMatch(/^<a href='api'>node v2\d\./);
      const api = await previewFetch(url, `${body.url}api`);
      expect(await api.json()).toEqual({ ok: true, path: "/api" });

      // The template's node_modules is shared and read-only; the app's own files are not.
      const write = await terminal(client, {
        command: "touch node_modules/x; echo $?; ls package.json index.js",
        sbxId: body.sbxId,
      });
      expect(write.body.stdout).toBe("1\nindex.js\npackage.json\n");
    },
  );

  test.skipIf(!hasRegistry)(
    needsNpmRegistry(
      "previews carry websocket upgrades (hot reload) to the app, and only with the token",
      hasRegistry,
    ),
    async () => {
      const client = await signedIn(url);
      const echo = fragment(
        [
          "const http = require('http');",
          "const server = http.createServer((req, res) => res.end('up'));",
          "server.on('upgrade', (req, socket) => {",
          "  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\n\\r\\n');",
          "  socket.write('path=' + req.url + ';');",
          "  socket.pipe(socket);",
          "});",
          "server.listen(process.env.PORT, '0.0.0.0');",
        ].join("\n"),
        { template: "node-server", port: 3000, file_path: "index.js" },
      );
      const { body } = await run(client, { fragment: echo });
      const upgrade = (address: string) =>
        new Promise<string>((resolve, reject) => {
          const target = new URL(address);
          const kiln = new URL(url);
          const request = httpRequest({
            hostname: kiln.hostname,
            port: kiln.port,
            path: target.pathname + target.search,
            headers: { host: target.host, connection: "Upgrade", upgrade: "echo" },
          });
          request.on("upgrade", (_response, socket, head) => {
            // Bytes that came with the 101 response arrive as `head`.
            let seen = head.toString();
            socket.on("data", (chunk) => {
              seen += chunk;
              if (seen.includes("ping")) {
                socket.destroy();
                resolve(seen);
              }
            });
            socket.write("ping");
          });
          request.on("response", (response) => resolve(`status ${response.statusCode}`));
          request.on("error", reject);
          request.end();
        });
      expect(await upgrade(`${body.url}hot?x=1`)).toBe("path=/hot?x=1;ping");
      const wrong = body.url.replace(/^http:\/\/[0-9a-f]+\./, `http://${"0".repeat(32)}.`);
      expect(await upgrade(`${wrong}hot`)).toBe("status 404");
    },
  );

  test.skipIf(!hasRegistry)(
    needsNpmRegistry(
      "an app that crashes before it serves is a 400 that shows its last output",
      hasRegistry,
    ),
    async () => {
      const client = await signedIn(url);
      const crash = fragment(
        "console.log('starting');\nthrow new Error('no database configured');",
        {
          template: "node-server",
          port: 3000,
          file_path: "index.js",
        },
      );
      const { status, body } = await run(client, { fragment: crash });
      expect(status).toBe(400);
      expect(body.code).toBe("app_exited");
      expect(body.message).toMatch(/^The app exited before it served on port 3000 \(exit code 1\)/);
      expect(body.message).toContain("starting");
      expect(body.message).toContain("Error: no database configured");
    },
  );
});
