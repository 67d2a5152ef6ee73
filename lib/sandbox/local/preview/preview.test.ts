import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { errorResponse } from "@/lib/http/responses";
import { runInSandbox, type SandboxRun } from "@/lib/sandbox/local/bwrap";
import { importWithEnv } from "@/tests/support/env";
import { processesWith } from "@/tests/support/processes";
import { previewHeaders } from "./preview-headers";
import { proxyPreview, proxyPreviewUpgrade } from "./preview-proxy";
import { type PreviewRelay, startPreviewRelay, waitForPort } from "./preview-relay";
import {
  checkPreviewHostLabel,
  checkPreviewToken,
  parsePreviewPath,
  previewHostLabel,
  previewOriginUrl,
  previewPath,
  previewToken,
} from "./preview-token";

// One sandbox serves two apps: Python's own http.server on 8000 (the static-html template's
// command) and, on 8001, a small server that reports what reached it. Nothing listens on 8002.

const python = "/usr/bin/python3";
const sbxId = "sbx_test";
const page = "<!doctype html><title>preview</title><p>hello from the sandbox</p>\n";

const echoServer = String.raw`
import gzip, json, os, socket, time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def seen(self):
        return {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}

    def echo(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        self.reply(200, {"method": self.command, "body": body, **self.seen()}, [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "kiln_session=planted; Path=/"),
            ("Set-Cookie", "theme=dark; Path=/; HttpOnly"),
            ("Set-Cookie", "wide=1; Path=/; Domain=localhost"),
            ("Strict-Transport-Security", "max-age=0"),
            ("Clear-Site-Data", '"cookies"'),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "img-src 'none'"),
        ])

    do_POST = echo

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/echo":
            return self.echo()
        if url.path == "/redirect":
            return self.reply(302, b"", [("Location", "/index.html")])
        if url.path == "/redirect-local":
            return self.reply(302, b"", [("Location", "http://localhost:8001/echo?x=1")])
        if url.path == "/gzip":
            return self.reply(200, gzip.compress(b"unzipped"), [("Content-Encoding", "gzip")])
        if url.path == "/stream":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"first\n")
            for _ in range(200):
                if os.path.exists("/workspace/release"):
                    break
                time.sleep(0.02)
            self.wfile.write(b"last\n")
            self.close_connection = True
            return
        if url.path == "/net":
            query = parse_qs(url.query)
            results = {}
            for host in query.get("host", []):
                try:
                    socket.create_connection((host, int(query["port"][0])), 1).close()
                    results[host] = "connected"
                except OSError as error:
                    results[host] = type(error).__name__
            with open("/proc/net/dev") as f:
                interfaces = [line.split(":")[0].strip() for line in f.readlines()[2:]]
            return self.reply(200, {"interfaces": interfaces, "results": results})
        if url.path == "/ws":
            self.send_response(101)
            self.send_header("Upgrade", "echo")
            self.send_header("Connection", "Upgrade")
            self.send_header("Set-Cookie", "kiln_session=planted; Path=/")
            self.end_headers()
            self.connection.sendall(json.dumps(self.seen()).encode() + b"\n")
            while data := self.connection.recv(4096):
                self.connection.sendall(data)
            self.close_connection = True
            return
        return super().do_GET()

ThreadingHTTPServer(("0.0.0.0", 8001), Handler).serve_forever()
`;

let workspace: string;
let socketDir: string;
let run: SandboxRun;
let staticRelay: PreviewRelay;
let echoRelay: PreviewRelay;
let readyMs: number;
// The preview's own origin, as the browser addresses it.
let origin: string;
const frameAncestors = "http://localhost:*";

beforeAll(async () => {
  vi.stubEnv("KILN_SECRET", "ab".repeat(32));
  origin = previewOriginUrl(sbxId, "http://localhost:3000").slice(0, -1);
  workspace = mkdtempSync(path.join(tmpdir(), "kiln-preview-"));
  socketDir = path.join(mkdtempSync(path.join(tmpdir(), "kiln-run-")), "preview");
  writeFileSync(path.join(workspace, "index.html"), page);
  writeFileSync(path.join(workspace, "server.py"), echoServer);

  const started = performance.now();
  run = runInSandbox({
    workspace,
    command: [
      "/bin/sh",
      "-c",
      `${python} -m http.server 8000 --bind 0.0.0.0 & exec ${python} /workspace/server.py`,
    ],
    streamOnly: true,
    limits: { wallMs: 20_000 },
  });
  const bwrapPid = run.pid!;
  staticRelay = await startPreviewRelay({ bwrapPid, port: 8000, socketDir, name: "sbx_test-8000" });
  await waitForPort({ socketPath: staticRelay.socketPath, timeoutMs: 10_000 });
  readyMs = performance.now() - started;
  console.log(`python http.server reachable through the relay after ${Math.round(readyMs)} ms`);
  echoRelay = await startPreviewRelay({ bwrapPid, port: 8001, socketDir, name: "sbx_test-8001" });
  await waitForPort({ socketPath: echoRelay.socketPath, timeoutMs: 10_000 });
}, 30_000);

afterAll(async () => {
  await Promise.all([staticRelay?.close(), echoRelay?.close()]);
  run?.kill();
  await run?.done;
  vi.unstubAllEnvs();
  expect(processesWith(socketDir)).toEqual([]);
  rmSync(workspace, { recursive: true, force: true });
  rmSync(path.dirname(socketDir), { recursive: true, force: true });
});

function proxy(
  relay: PreviewRelay,
  pathAndQuery: string,
  init: RequestInit = {},
): Promise<Response> {
  const request = new Request(`${origin}${pathAndQuery}`, init);
  return proxyPreview({ request, socketPath: relay.socketPath, frameAncestors });
}

describe("preview relay and proxy", () => {
  // The 3 s goal is the bench's to measure (npm run bench -- sandbox); here the bound only
  // catches a relay that never comes up, with room for a loaded machine.
  test("serves the sandbox's page soon after starting, under the preview's headers", async () => {
    expect(readyMs).toBeLessThan(10_000);
    const response = await proxy(staticRelay, "/index.html");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(page);
    expect(response.headers.get("content-type")).toBe("text/html");
    // Its own origin, framable by Kiln's pages only; no sandbox CSP, no wildcard CORS.
    expect(response.headers.get("content-security-policy")).toBe(
      `frame-ancestors ${frameAncestors}`,
    );
    expect(response.headers.get("x-frame-options")).toBeNull();
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("forwards path and query but never Kiln's credentials; strips origin-wide headers", async () => {
    const response = await proxy(echoRelay, "/echo?a=1&b=two%20words", {
      headers: {
        cookie: "kiln_session=secret-session; theme=light; kiln_device=secret-device",
        authorization: "Bearer kiln_secretkey",
        "x-kiln-client-address": "203.0.113.9",
        "x-custom": "kept",
        connection: "x-hop",
        "x-hop": "dropped",
      },
    });
    expect(response.status).toBe(200);
    const seen = await response.json();
    expect(seen.method).toBe("GET");
    expect(seen.path).toBe("/echo?a=1&b=two%20words");
    expect(seen.headers).toMatchObject({
      host: "localhost",
      "x-custom": "kept",
      "x-forwarded-host": new URL(origin).host,
      "x-forwarded-proto": "http",
      // The app's own cookie is its own; Kiln's never reach it.
      cookie: "theme=light",
    });
    const forwarded = Object.keys(seen.headers);
    for (const name of ["authorization", "x-kiln-client-address", "x-hop", "x-forwarded-prefix"]) {
      expect(forwarded).not.toContain(name);
    }
    expect(JSON.stringify(seen)).not.toContain("secret");
    // A host-only cookie of the app's stays; one named as Kiln's or for a wider domain does not.
    expect(response.headers.getSetCookie()).toEqual(["theme=dark; Path=/; HttpOnly"]);
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(response.headers.get("clear-site-data")).toBeNull();
    expect(response.headers.get("x-frame-options")).toBeNull();
    expect(response.headers.get("content-security-policy")).toBe(
      `img-src 'none', frame-ancestors ${frameAncestors}`,
    );
  });

  test("a request from the preview's own page reaches the app as its own, not as cross-site", async () => {
    // What Chromium sends for a module script of the preview's page, framed by Kiln.
    const fromPreview = await proxy(echoRelay, "/echo", {
      headers: {
        origin,
        "sec-fetch-site": "same-origin",
        "sec-fetch-mode": "cors",
        "sec-fetch-dest": "script",
      },
    });
    const seen = (await fromPreview.json()).headers;
    // The app is served as localhost: its own page's origin is said the same way.
    expect(seen.origin).toBe("http://localhost");
    expect(seen["sec-fetch-site"]).toBeUndefined();
    expect(seen).toMatchObject({ "sec-fetch-mode": "cors", "sec-fetch-dest": "script" });
    const opaque = await proxy(echoRelay, "/echo", { headers: { origin: "null" } });
    expect((await opaque.json()).headers.origin).toBeUndefined();

    // A real page's origin is the app's to judge.
    const fromElsewhere = await proxy(echoRelay, "/echo", {
      headers: { origin: "https://elsewhere.example", "sec-fetch-site": "cross-site" },
    });
    expect((await fromElsewhere.json()).headers.origin).toBe("https://elsewhere.example");
  });

  test("forwards a POST body", async () => {
    const body = JSON.stringify({ message: "héllo", n: 42 });
    // As Next hands it over: with the browser's Content-Length (http.server reads no chunks).
    const response = await proxy(echoRelay, "/echo", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
      },
    });
    const seen = await response.json();
    expect(seen).toMatchObject({ method: "POST", path: "/echo", body });
    expect(seen.headers["content-type"]).toBe("application/json");
  });

  test("keeps redirects inside the preview", async () => {
    const relative = await proxy(echoRelay, "/redirect");
    expect(relative.status).toBe(302);
    expect(relative.headers.get("location")).toBe("/index.html");
    const local = await proxy(echoRelay, "/redirect-local");
    expect(local.headers.get("location")).toBe("/echo?x=1");
  });

  test("streams the answer while the app is still writing it, decoded", async () => {
    const response = await proxy(echoRelay, "/stream");
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("first\n");
    writeFileSync(path.join(workspace, "release"), "");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toBe("last\n");

    const zipped = await proxy(echoRelay, "/gzip");
    expect(zipped.headers.get("content-encoding")).toBeNull();
    expect(await zipped.text()).toBe("unzipped");
  });

  test("passes CORS preflights to the app, which answers for its own origin", async () => {
    const response = await proxy(echoRelay, "/echo", {
      method: "OPTIONS",
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "PUT" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("the relay gives the sandbox no network of its own", async () => {
    let connections = 0;
    const outside = createTcpServer((socket) => {
      connections++;
      socket.end();
    });
    await new Promise<void>((resolve) => outside.listen(0, "0.0.0.0", resolve));
    try {
      const { port } = outside.address() as { port: number };
      const hostAddress = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && !address.internal && address.family === "IPv4")?.address;
      const hosts = ["127.0.0.1", ...(hostAddress ? [hostAddress] : [])];
      const query = new URLSearchParams([["port", String(port)], ...hosts.map((h) => ["host", h])]);
      const report = await (await proxy(echoRelay, `/net?${query}`)).json();
      expect(report.interfaces).toEqual(["lo"]);
      for (const host of hosts) expect(report.results[host]).toMatch(/Error$/);
      expect(connections).toBe(0);
    } finally {
      outside.close();
    }
  });

  test("carries a websocket upgrade, without Kiln's credentials, cross-site marks or the app's cookies", async () => {
    const kiln = createHttpServer();
    kiln.on("upgrade", (request, socket, head) =>
      proxyPreviewUpgrade({
        request,
        socket,
        head,
        socketPath: echoRelay.socketPath,
        ownOrigin: origin,
      }),
    );
    await new Promise<void>((resolve) => kiln.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = kiln.address() as { port: number };
      const { response, socket, head } = await new Promise<{
        response: import("node:http").IncomingMessage;
        socket: Socket;
        head: Buffer;
      }>((resolve, reject) => {
        httpRequest({
          port,
          host: "127.0.0.1",
          path: "/ws?hmr=1",
          headers: {
            connection: "Upgrade",
            upgrade: "echo",
            cookie: "kiln_session=secret-session",
            authorization: "Bearer kiln_secretkey",
            // A hot-reload socket opened by the preview's own page.
            origin,
            "sec-fetch-site": "same-origin",
          },
        })
          .on("upgrade", (response, socket, head) => resolve({ response, socket, head }))
          .on("error", reject)
          .end();
      });
      expect(response.statusCode).toBe(101);
      expect(response.headers["set-cookie"]).toBeUndefined();
      const lines = readLines(socket, head);
      const seen = JSON.parse(await lines.next());
      expect(seen.path).toBe("/ws?hmr=1");
      expect(seen.headers.upgrade).toBe("echo");
      expect(seen.headers.cookie).toBeUndefined();
      expect(seen.headers.authorization).toBeUndefined();
      expect(seen.headers.origin).toBe("http://localhost");
      expect(seen.headers["sec-fetch-site"]).toBeUndefined();
      socket.write("ping\n");
      expect(await lines.next()).toBe("ping");
      socket.destroy();
    } finally {
      kiln.close();
    }
  });

  test("a port nobody listens on: 502 in Kiln's shape, waitForPort times out, close() ends socat", async () => {
    const relay = await startPreviewRelay({
      bwrapPid: run.pid!,
      port: 8002,
      socketDir,
      name: "sbx_test-8002",
    });
    try {
      const failure = await proxy(relay, "/").catch((error: unknown) => error);
      const response = errorResponse("api", failure, { requestId: "test" });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({
        error: true,
        message: "The app in this sandbox is not answering",
        code: "sandbox_unavailable",
      });
      expect(response.headers.get("content-security-policy")).toBe(
        previewHeaders(frameAncestors)["Content-Security-Policy"],
      );

      const started = performance.now();
      await expect(waitForPort({ socketPath: relay.socketPath, timeoutMs: 300 })).rejects.toThrow(
        "The app's server did not answer within 0.3 s",
      );
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(processesWith(relay.socketPath)).not.toEqual([]);
    } finally {
      await relay.close();
    }
    expect(processesWith(relay.socketPath)).toEqual([]);
    expect(existsSync(relay.socketPath)).toBe(false);
  });
});

describe("preview tokens", () => {
  test("admit their own sandbox only", async () => {
    const token = previewToken(sbxId);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(previewPath(sbxId)).toBe(`/api/sandbox/${sbxId}/preview/${token}/`);
    expect(checkPreviewToken(sbxId, token)).toBe(true);
    expect(checkPreviewToken("sbx_other", token)).toBe(false);
    expect(checkPreviewToken(sbxId, previewToken("sbx_other"))).toBe(false);
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(checkPreviewToken(sbxId, flipped)).toBe(false);
    expect(checkPreviewToken(sbxId, token.slice(0, -1))).toBe(false);
    expect(checkPreviewToken(sbxId, "")).toBe(false);
    expect(parsePreviewPath(`${previewPath(sbxId)}app.js`)).toEqual({
      prefix: previewPath(sbxId).slice(0, -1),
      sbxId,
      token,
      rest: "/app.js",
    });

    const other = await importWithEnv<typeof import("./preview-token")>(
      "@/lib/sandbox/local/preview/preview-token",
      {
        KILN_SECRET: "cd".repeat(32),
      },
    );
    expect(other.previewToken(sbxId)).not.toBe(token);
    expect(other.checkPreviewToken(sbxId, token)).toBe(false);
    expect(other.checkPreviewHostLabel(sbxId, previewHostLabel(sbxId))).toBe(false);
  });

  test("name each preview's own origin, with a label browsers keep as it is", async () => {
    const label = previewHostLabel(sbxId);
    expect(label).toMatch(/^[0-9a-f]{32}$/);
    expect(label).not.toBe(previewHostLabel("sbx_other"));
    expect(checkPreviewHostLabel(sbxId, label)).toBe(true);
    expect(checkPreviewHostLabel("sbx_other", label)).toBe(false);
    expect(checkPreviewHostLabel(sbxId, label.toUpperCase())).toBe(false);
    expect(checkPreviewHostLabel(sbxId, "")).toBe(false);
    expect(previewOriginUrl(sbxId, "http://localhost:3000")).toBe(
      `http://${label}.preview.localhost:3000/`,
    );
    const production = await importWithEnv<typeof import("./preview-token")>(
      "@/lib/sandbox/local/preview/preview-token",
      { KILN_SECRET: "ab".repeat(32), KILN_PREVIEW_DOMAIN: "Preview.Example.com" },
    );
    expect(production.previewOriginUrl(sbxId, "https://kiln.example.com")).toBe(
      `https://${label}.preview.example.com/`,
    );
  });
});

/** Reads a socket line by line. */
function readLines(socket: Socket, head: Buffer) {
  let buffered = head.toString("utf8");
  const waiting: (() => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    for (const wake of waiting.splice(0)) wake();
  });
  return {
    async next(): Promise<string> {
      while (!buffered.includes("\n")) await new Promise<void>((wake) => waiting.push(wake));
      const end = buffered.indexOf("\n");
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      return line;
    },
  };
}
