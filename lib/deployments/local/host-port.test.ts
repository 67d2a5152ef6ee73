import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { KilnError } from "@/lib/errors";
import { closeHostPort, listenOnHostPort } from "./host-port";

// A deployment's host port carries connections to the app's socket, answers 503 while nothing
// serves, and refuses a port already taken.

const dir = mkdtempSync(path.join(tmpdir(), "kiln-host-port-"));
const socketPath = path.join(dir, "app.sock");
const app = createHttpServer((request, response) => response.end(`app saw ${request.url}`));
await new Promise<void>((resolve) => app.listen(socketPath, resolve));
const servers: Server[] = [];

afterAll(async () => {
  for (const server of servers) await closeHostPort(server);
  await new Promise((resolve) => app.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const portOf = (server: Server) => (server.address() as { port: number }).port;

async function freePort() {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = portOf(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test("carries requests to the app while it serves, and answers 503 while it does not", async () => {
  let isServing = true;
  const port = await freePort();
  const server = await listenOnHostPort({
    host: "127.0.0.1",
    port,
    target: () => (isServing ? { socketPath } : undefined),
  });
  servers.push(server);
  const answer = await fetch(`http://127.0.0.1:${port}/hello?x=1`);
  expect(answer.status).toBe(200);
  expect(await answer.text()).toBe("app saw /hello?x=1");

  isServing = false;
  const down = await fetch(`http://127.0.0.1:${port}/`);
  expect(down.status).toBe(503);
  expect(await down.text()).toBe("The app of this deployment is not running right now.\n");
});

test("a port already taken is PORT_IN_USE, and a closed one is free again", async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = portOf(taken);
  const refused = await listenOnHostPort({ host: "127.0.0.1", port, target: () => undefined })
    .then(() => undefined)
    .catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(KilnError);
  expect(refused).toMatchObject({ code: "PORT_IN_USE", status: 400 });
  await new Promise((resolve) => taken.close(resolve));

  const server = await listenOnHostPort({ host: "127.0.0.1", port, target: () => undefined });
  await closeHostPort(server);
  await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
});
