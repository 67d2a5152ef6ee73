import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// What the fake Vercel and Netlify share: an HTTP server on a free port that reads each body
// whole, records every request (headers too, so tests can check where a token went), and
// answers JSON.

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export type Answer = [status: number, body?: unknown];

export interface FakeServer {
  url: string;
  requests: SeenRequest[];
  /**
   * "answer" as the API does; "drop" closes each connection unanswered, as a network failure
   * does; "hang" never answers.
   */
  network: { mode: "answer" | "drop" | "hang" };
  close(): Promise<void>;
}

export async function startFakeServer(
  handle: (request: SeenRequest) => Answer | Promise<Answer>,
): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const network: FakeServer["network"] = { mode: "answer" };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (network.mode === "drop") {
      req.socket.destroy();
      return;
    }
    if (network.mode === "hang") return;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const seen: SeenRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(seen);
    const [status, body] = await handle(seen);
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    network,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const bearer = (request: SeenRequest) =>
  /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];

export function parseJson(request: SeenRequest): unknown {
  try {
    return JSON.parse(request.body.toString("utf8"));
  } catch {
    return undefined;
  }
}
