import "server-only";
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { log } from "@/lib/log";
import { backupSocketPath } from "./data-dir-lock";

// Only the process holding DATA_DIR may open the embedded database, so a copy of a running
// Kiln's database must come from that process: `./kiln backup` (scripts/backup.ts) asks here.
// The socket lies in a directory only DATA_DIR's owner can enter, the same people who can read
// the data directory itself. One request line "backup\n" is answered "ok <bytes>\n" followed
// by the dump (a gzipped tar of the data directory), or "error <message>\n".

export function serveBackups(dataDir: string, dump: () => Promise<Uint8Array>): { close(): void } {
  const socketPath = backupSocketPath(dataDir);
  mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  chmodSync(path.dirname(socketPath), 0o700);
  // This process holds DATA_DIR, so a socket file already here is a dead process's.
  rmSync(socketPath, { force: true });

  const server: Server = createServer((socket) => {
    let request = "";
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    socket.on("data", (chunk: string) => {
      request += chunk;
      if (!request.includes("\n")) {
        if (request.length > 64) socket.destroy();
        return;
      }
      socket.removeAllListeners("data");
      if (request.split("\n")[0] !== "backup") {
        socket.end("error unknown request\n");
        return;
      }
      dump().then(
        (bytes) => {
          socket.write(`ok ${bytes.byteLength}\n`);
          socket.end(bytes);
        },
        (error: Error) => {
          log.error("backup failed", { error });
          socket.end(`error ${error.message.replaceAll("\n", " ")}\n`);
        },
      );
    });
  });
  server.on("error", (error) =>
    log.warn("backups of the running Kiln are unavailable", { socketPath, error }),
  );
  server.listen(socketPath, () => chmodSync(socketPath, 0o600));
  server.unref();
  return {
    close() {
      server.close();
      rmSync(socketPath, { force: true });
    },
  };
}
