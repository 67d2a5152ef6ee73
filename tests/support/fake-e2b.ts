import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { type ApiState, api } from "./fake-e2b/api";
import { files, routeFilesystem } from "./fake-e2b/filesystem";
import { routeProcesses } from "./fake-e2b/processes";
import type { FakeSandbox, TemplateServer } from "./fake-e2b/sandbox";

// E2B on the wire, on a local port, for the real @e2b/code-interpreter SDK to talk to:
// - the control API (fake-e2b/api.ts), at `apiUrl`;
// - inside each sandbox, at `sandboxUrl` (the SDK's sandboxUrl option; the SDK names the
//   sandbox and port in E2b-Sandbox-Id / E2b-Sandbox-Port headers): envd on port 49983, with
//   its Connect services for processes and the file system and its /files and /health
//   endpoints, and the code interpreter on port 49999;
// - E2B's public proxy to a sandbox's ports (`https://<port>-<id>.<domain>`), as `fetch`.
// Each sandbox is a directory and processes on this machine, in bubblewrap (fake-e2b/machine.ts),
// so commands, servers and Python run for real. A sandbox that ended answers 502 to everything
// inside it, and the requests open into it are cut, as E2B's proxy does.

export interface FakeE2bOptions {
  apiKey?: string;
  domain?: string;
  /** Servers a template's start command runs from boot, as E2B's app templates do. */
  templateServers?: Record<string, TemplateServer[]>;
}

const envdPort = "49983";
const interpreterPort = "49999";

export class FakeE2b {
  readonly apiKey: string;
  readonly domain: string;
  readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly state: ApiState;
  private readonly server = createServer((req, res) => void this.serve(req, res));
  private readonly rpc = new Map<string, (request: Request) => Promise<Response>>();
  private url = "";

  private constructor(options: FakeE2bOptions) {
    this.apiKey = options.apiKey ?? `e2b_${randomBytes(20).toString("hex")}`;
    this.domain = options.domain ?? "e2b.test";
    this.state = {
      apiKey: this.apiKey,
      sandboxes: this.sandboxes,
      templateServers: options.templateServers ?? {},
      failures: [],
    };
    const router = createConnectRouter();
    routeProcesses(router, (id) => this.sandbox(id).processes);
    routeFilesystem(router, (id) => this.sandbox(id).machine);
    for (const handler of router.handlers) {
      this.rpc.set(handler.requestPath, createFetchHandler(handler));
    }
  }

  static async start(options: FakeE2bOptions = {}): Promise<FakeE2b> {
    const fake = new FakeE2b(options);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** What to give the SDK (or Kiln's E2B provider) to use this fake. */
  get connection() {
    return { apiKey: this.apiKey, domain: this.domain, apiUrl: this.url, sandboxUrl: this.url };
  }

  sandbox(id: string): FakeSandbox {
    const sandbox = this.sandboxes.get(id);
    if (!sandbox) throw new Error(`No sandbox ${id}`);
    return sandbox;
  }

  /** The next API call answers with this error instead. */
  failNext(status: number, message: string) {
    this.state.failures.push({ status, message });
  }

  /** E2B's proxy to sandbox ports: 502 while nothing listens or once the sandbox ended. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const [, port, id] = /^(\d+)-([^.]+)\./.exec(url.host) ?? [];
    if (!port || !id || url.host !== `${port}-${id}.${this.domain}`) return fetch(input, init);
    const sandbox = this.sandboxes.get(id);
    if (!sandbox || sandbox.isKilled) return new Response("sandbox not found", { status: 502 });
    try {
      return await fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      return new Response(`connection refused on port ${port}`, { status: 502 });
    }
  };

  async close() {
    await Promise.all([...this.sandboxes.values()].map((sandbox) => sandbox.dispose()));
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async route(request: Request, res: ServerResponse): Promise<Response> {
    const id = request.headers.get("e2b-sandbox-id");
    if (id === null) return api(this.state, request);
    const sandbox = this.sandboxes.get(id);
    if (!sandbox || sandbox.isKilled) return new Response("sandbox not found", { status: 502 });
    sandbox.connections.add(res);
    res.on("close", () => sandbox.connections.delete(res));
    const port = request.headers.get("e2b-sandbox-port");
    if (port === interpreterPort) return sandbox.interpreter.handle(request);
    if (port !== envdPort) return new Response(`nothing on port ${port}`, { status: 502 });
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return new Response(null, { status: 204 });
    if (request.headers.get("x-access-token") !== sandbox.envdAccessToken) {
      return Response.json({ code: 401, message: "invalid access token" }, { status: 401 });
    }
    if (pathname === "/files") return files(sandbox.machine, request);
    const rpc = this.rpc.get(pathname);
    return rpc ? rpc(request) : new Response("not found", { status: 404 });
  }

  /** Node's request as a fetch Request, and the Response back, streamed both ways. */
  private async serve(req: IncomingMessage, res: ServerResponse) {
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const one of [value ?? []].flat()) headers.append(name, one);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`${this.url}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      signal: controller.signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
    });
    let response: Response;
    try {
      response = await this.route(request, res);
    } catch (error) {
      response = new Response(error instanceof Error ? error.message : String(error), {
        status: 500,
      });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    res.flushHeaders(); // a stream's headers go out at once, before its first output
    await pipeline(Readable.fromWeb(response.body as never), res).catch(() => {});
  }
}
