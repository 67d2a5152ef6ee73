import "server-only";
import { connect, createServer, type Server, type Socket } from "node:net";
import { KilnError } from "@/lib/errors";
import type { PreviewTarget } from "@/lib/sandbox/local/preview/preview-host";

// A deployment's own port on the host (KILN_DEPLOY_HOST:<port>): a TCP listener that carries
// each connection, byte for byte, to the app's relay socket, as `docker run -p` would. The port
// is bound when the deployment is asked for, so a port already taken is refused at once; while
// the app is not serving, a connection gets a plain 503.

const unavailable = "The app of this deployment is not running right now.\n";
const unavailableResponse = [
  "HTTP/1.1 503 Service Unavailable",
  "Content-Type: text/plain; charset=utf-8",
  `Content-Length: ${Buffer.byteLength(unavailable)}`,
  "Connection: close",
  "",
  unavailable,
].join("\r\n");

export async function listenOnHostPort(options: {
  host: string;
  port: number;
  target: () => PreviewTarget | undefined;
}): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    carry(client, options.target());
  });
  openSockets.set(server, sockets);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") {
        reject(
          new KilnError(
            "PORT_IN_USE",
            `Port ${options.port} is already in use on ${options.host}: choose another port`,
            { details: { field: "port", port: options.port } },
          ),
        );
      } else {
        reject(error);
      }
    });
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => resolve());
  });
  server.on("error", () => {});
  return server;
}

export function closeHostPort(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Open connections would keep the port held; the app is going away anyway.
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
  });
}

const openSockets = new WeakMap<Server, Set<Socket>>();

function carry(client: Socket, target: PreviewTarget | undefined) {
  client.on("error", () => {});
  if (!target) {
    client.end(unavailableResponse);
    return;
  }
  const upstream = connect(target.socketPath);
  upstream.on("error", () => {
    if (client.bytesWritten === 0) client.end(unavailableResponse);
    else client.destroy();
  });
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
  client.pipe(upstream);
  upstream.pipe(client);
}
