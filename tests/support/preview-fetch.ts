import { request as httpRequest } from "node:http";

/**
 * Fetches a preview address (`http://<token>.preview.localhost:<port>/…`) through Kiln's own
 * socket at `kiln`, with the Host a browser would send: browsers resolve `*.localhost` to
 * loopback themselves, this machine's resolver need not.
 */
export function previewFetch(
  kiln: string,
  address: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const target = new URL(address);
  const socket = new URL(kiln);
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      hostname: socket.hostname,
      port: socket.port,
      path: target.pathname + target.search,
      headers: { ...headers, host: target.host },
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const item of [value ?? []].flat()) answer.append(name, item);
        }
        const status = response.statusCode ?? 502;
        const empty = status === 204 || status === 304;
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: answer }));
      });
    });
    request.on("error", reject);
    request.end();
  });
}
