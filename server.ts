// Kiln's HTTP server: Next's request handler behind a plain node:http server, so that Kiln
// knows each request's real socket address (rate limits key on it) and takes websocket upgrades
// (sandbox previews) before Next does. Usage: node server.ts [--dev] [--port N] [--hostname H];
// without the flags, PORT and HOSTNAME from the environment, as with `next start`.
// Started with two Node flags (`./kiln`, package.json, the tests' launcher). Measured with
// `npm run bench -- chat-first` on a quiet machine, steady p99 added:
// - --experimental-async-context-frame: Next keeps each request's context in AsyncLocalStorage,
//   which on Node 22 otherwise runs on async_hooks, a hook on every promise (Node 24's default).
//   +79..85 ms became +30..51 ms, CPU per request -8 %.
// - --max-semi-space-size=64: every streamed chunk allocates, and V8's default, smaller young
//   generation is collected so often that its pauses showed in the tail. The median of nine
//   runs, +64 ms, became +51 ms of six; the young generation may then take about 100 MB more.
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import next from "next";
import { DataDirInUseError, lockDataDir } from "./lib/db/data-dir-lock.ts";
import { type Env, EnvError, getEnv } from "./lib/env.ts";
import { createHostGate, normalizeHost, requestedHost } from "./lib/http/kiln-hosts.ts";
import { normalizePreviewDomain, previewHostLabel } from "./lib/http/preview-hosts.ts";
import { gateRequest } from "./lib/http/request-gate.ts";
import {
  handlePreviewRequest,
  handlePreviewUpgrade,
  handleUpgrade,
  shutdown,
} from "./lib/process-lifetime.ts";

const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string" },
    hostname: { type: "string" },
  },
});

// .env files, as Next reads them, before Kiln reads its configuration: the port, the hosts and
// the data directory locked below must be the ones the rest of Kiln sees.
nextEnv.loadEnvConfig(process.cwd(), values.dev);

let env: Env;
try {
  env = getEnv();
  // Before anything else, so that a second Kiln on one DATA_DIR never reports ready.
  if (!env.DATABASE_URL) lockDataDir(env.dataDir);
} catch (error) {
  if (error instanceof EnvError || error instanceof DataDirInUseError) {
    console.error(`Kiln cannot start. ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const port = values.port === undefined ? env.PORT : Number(values.port);
const hostname = values.hostname ?? env.HOSTNAME;
// Next attaches its own websocket handler to the server it is given here; it gets an emitter
// instead, so that an upgrade reaches Next only when Kiln has not taken it (see below).
const nextUpgrades = new EventEmitter();
const app = next({
  dev: values.dev,
  hostname,
  port,
  httpServer: nextUpgrades as unknown as Server,
});
const handle = app.getRequestHandler();
await app.prepare();

// Requests for any host but Kiln's own are refused (DNS rebinding); see lib/http/kiln-hosts.ts.
const hostGate = createHostGate({
  kilnOrigin: env.KILN_ORIGIN,
  trustProxy: env.KILN_TRUST_PROXY,
  bindAddress: hostname,
  isProduction: env.isProduction,
  previewDomain: env.KILN_PREVIEW_DOMAIN,
});

// A sandbox preview's own origin, `<token>.<preview domain>` (lib/http/preview-hosts.ts): its
// requests go to the preview proxy and never to Next, whatever their path.
const previewDomain = normalizePreviewDomain(env.KILN_PREVIEW_DOMAIN);
function previewLabel(req: IncomingMessage): string | undefined {
  const host = requestedHost(req.headers, env.KILN_TRUST_PROXY);
  const name = host === undefined ? undefined : normalizeHost(host);
  return name ? previewHostLabel(name, previewDomain) : undefined;
}

const server = createServer((req, res) => {
  // The request gate first: it reads an absolute-form target's authority into Host, which the
  // host gate must then see.
  if (gateRequest(req, res, { isProduction: env.isProduction })) return;
  if (env.KILN_TRUST_PROXY === 0) delete req.headers["x-forwarded-host"];
  const label = previewLabel(req);
  if (label !== undefined) {
    handlePreviewRequest(req, res, label);
    return;
  }
  if (!hostGate.allowRequest(req, res)) return;
  req.headers["x-kiln-client-address"] = req.socket.remoteAddress ?? "unknown";
  handle(req, res);
});
// Websocket upgrades: a sandbox preview's (its app's hot reload, on its own host name) go to the
// handlers registered at start-up (lib/process-lifetime.ts; lib/startup.ts registers them); the
// rest, such as Next's own, to Next.
server.on("upgrade", (req, socket, head) => {
  if (env.KILN_TRUST_PROXY === 0) delete req.headers["x-forwarded-host"];
  const label = previewLabel(req);
  if (label !== undefined) {
    handlePreviewUpgrade(req, socket, head, label);
    return;
  }
  if (!hostGate.allowUpgrade(req, socket)) return;
  if (handleUpgrade(req, socket, head)) return;
  nextUpgrades.emit("upgrade", req, socket, head);
});

server.listen(port, hostname, () => {
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  console.log(
    `Kiln ready on http://localhost:${actualPort} (${values.dev ? "development" : "production"})`,
  );
});

// On the way out, the shutdown work registered at start-up runs (lib/process-lifetime.ts):
// model-call rows still waiting are written, and what the kernel would otherwise keep after the
// process is gone (sandbox workspace mounts) is released. It gets a few seconds at most.
const shutdownTimeoutMs = 5_000;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    const timeout = new Promise((resolve) => setTimeout(resolve, shutdownTimeoutMs).unref());
    void Promise.race([shutdown(), timeout]).finally(() => process.exit(0));
  });
}
