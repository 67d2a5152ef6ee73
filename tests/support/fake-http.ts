import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface FakeHttp {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP server answering from a table of `"GET /path"` → [status, JSON body], recording
 * every request (headers included) so tests can check where credentials went.
 */
export async function startFakeHttp(
  routes: Record<string, (request: RecordedRequest) => [number, unknown]>,
): Promise<FakeHttp> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const recorded = { method: req.method ?? "GET", path, headers: req.headers };
    requests.push(recorded);
    const route = routes[`${recorded.method} ${path}`];
    const [status, body] = route ? route(recorded) : [404, { error: "not found" }];
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
