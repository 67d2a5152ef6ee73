// What lives as long as the Kiln process: per-process state, the websocket upgrades Kiln takes
// before Next does, and the work to finish on the way out.
//
// server.ts runs under plain Node while the app runs inside Next's bundle, and development reloads
// load modules again: one file can be loaded as several module instances in one process. State
// that must be one per process therefore lives on globalThis, under the single key below and
// nowhere else; every module reaches it through processSlot, onUpgrade and onShutdown.
//
// Registration is explicit: lib/startup.ts registers the upgrade handlers and shutdown work at
// start-up; server.ts offers upgrades to handleUpgrade and calls shutdown on SIGINT/SIGTERM.
//
// Imported by server.ts under plain Node: no "server-only", no "@/" imports, no imports at all.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Answers true when it took the upgrade (answered or refused it); false leaves it to others. */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
export type ShutdownWork = () => Promise<void>;
/** What serves a preview's host name; `label` is the token the host name carries ("" for none). */
export interface PreviewHostHandlers {
  request(request: IncomingMessage, response: ServerResponse, label: string): void;
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, label: string): void;
}

interface ProcessState {
  slots: Map<string, unknown>;
  upgradeHandlers: Map<string, UpgradeHandler>;
  shutdownWork: Map<string, ShutdownWork>;
  previewHosts: PreviewHostHandlers | undefined;
  shuttingDown: Promise<void> | undefined;
}

const key = Symbol.for("kiln.process");

function state(): ProcessState {
  const holder = globalThis as { [key]?: ProcessState };
  holder[key] ??= {
    slots: new Map(),
    upgradeHandlers: new Map(),
    shutdownWork: new Map(),
    previewHosts: undefined,
    shuttingDown: undefined,
  };
  return holder[key];
}

/**
 * The process's one value named `name`, made by `init` on first use. Every module instance that
 * asks for the same name gets the same value, so `name` must say what it holds and `T` must stay
 * the same for it.
 */
export function processSlot<T>(name: string, init: () => T): T {
  const slots = state().slots;
  if (!slots.has(name)) slots.set(name, init());
  return slots.get(name) as T;
}

/** Offers websocket upgrades to `handler` (a later registration under `name` replaces it). */
export function onUpgrade(name: string, handler: UpgradeHandler): void {
  state().upgradeHandlers.set(name, handler);
}

/** Offers an upgrade to each registered handler in turn; false when none took it. */
export function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  for (const handler of state().upgradeHandlers.values()) {
    if (handler(request, socket, head)) return true;
  }
  return false;
}

/**
 * Serves the requests and upgrades for preview host names (a later registration replaces it).
 * Nothing else ever sees them: a preview's host reaches no other handler of Kiln's.
 */
export function onPreviewHost(handlers: PreviewHostHandlers): void {
  state().previewHosts = handlers;
}

/** Hands a preview host's request to the registered handler; 404 while none is registered. */
export function handlePreviewRequest(
  request: IncomingMessage,
  response: ServerResponse,
  label: string,
): void {
  const handlers = state().previewHosts;
  if (handlers) {
    handlers.request(request, response, label);
    return;
  }
  response.writeHead(404, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-store",
  });
  response.end("Preview not found\n");
}

/** Hands a preview host's upgrade to the registered handler; 404 while none is registered. */
export function handlePreviewUpgrade(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  label: string,
): void {
  const handlers = state().previewHosts;
  if (handlers) {
    handlers.upgrade(request, socket, head, label);
    return;
  }
  socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
}

/** Work to finish before the process exits (a later registration under `name` replaces it). */
export function onShutdown(name: string, work: ShutdownWork): void {
  state().shutdownWork.set(name, work);
}

/**
 * Runs every piece of shutdown work at once and settles when all have; a failure is reported
 * and does not keep the others from finishing. Later calls get the same run.
 */
export function shutdown(): Promise<void> {
  const current = state();
  current.shuttingDown ??= (async () => {
    const entries = [...current.shutdownWork];
    const results = await Promise.allSettled(entries.map(([, work]) => work()));
    results.forEach((result, index) => {
      if (result.status === "rejected") {
        // lib/log is out of reach of plain Node; this is its line format.
        const error = (result.reason as Error)?.message ?? String(result.reason);
        const line = { time: new Date().toISOString(), level: "error" };
        console.error(
          JSON.stringify({
            ...line,
            message: "shutdown work failed",
            work: entries[index]?.[0],
            error,
          }),
        );
      }
    });
  })();
  return current.shuttingDown;
}
