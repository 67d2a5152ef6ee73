import "server-only";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import type { PreviewTarget } from "@/lib/sandbox/local/preview/preview-host";
import { startPreviewRelay, waitForPort } from "@/lib/sandbox/local/preview/preview-relay";
import type { StartServerOptions } from "@/lib/sandbox/provider";
import type { TemplateId } from "@/lib/templates/templates";
import { runInSandbox, type SandboxRun } from "./bwrap";

// The app servers of one local sandbox: each runs in the sandbox for as long as the sandbox
// lives, with a relay that carries its port to a socket only Kiln sees (preview-relay.ts). A
// Run replaces the server on its port, except a dev server that reloads changed files itself
// (keepRunning), which is kept; one that exits before it serves is reported with the end of
// its output.

interface Server {
  command: string;
  run: SandboxRun;
  closeRelay(): void;
  socketPath: string;
}

export interface SandboxRuntime {
  binds: { host: string; sandbox: string }[];
  env: Record<string, string>;
}

const serverStartMs = 60_000;
const serverMemoryBytes = 2048 * 1024 * 1024;

export class AppServers {
  private readonly servers = new Map<number, Server>();
  private readonly starting = new Map<number, Promise<void>>();

  constructor(private sandbox: { id: string; workspace: string; template: TemplateId }) {}

  /**
   * A warm spare's servers, handed to the sandbox that took it: its directory was renamed into
   * place (running processes keep their mounts); later starts use the sandbox's own paths.
   */
  moveTo(sandbox: { id: string; workspace: string; template: TemplateId }) {
    this.sandbox = sandbox;
    this.justHandedOver = true;
  }

  // The spare compiled a page of its own and removed it: until the dev server has seen the
  // fragment's pages, its root answers 404. The first Run after the handover waits for that.
  private justHandedOver = false;

  /** Starts (or restarts) the server on `options.port`; resolves once it answers. */
  start(
    options: StartServerOptions & { runtime: () => Promise<SandboxRuntime>; wallMs: number },
  ): Promise<void> {
    // One start at a time per port; a second Run while the first starts waits for it.
    const pending = this.starting.get(options.port);
    if (pending) return pending;
    const running = this.servers.get(options.port);
    if (options.keepRunning && running?.command === options.command) {
      if (!this.justHandedOver) return Promise.resolve();
      this.justHandedOver = false;
      return waitForPort({
        socketPath: running.socketPath,
        path: "/",
        accept: (status) => status !== 404,
        timeoutMs: 10_000,
        signal: options.signal,
      }).catch(() => {}); // an app with no root page is served as it is
    }
    const start = this.restart(options).finally(() => this.starting.delete(options.port));
    this.starting.set(options.port, start);
    return start;
  }

  /** Where the preview proxy reaches the running app (served at the root of its origin). */
  target(): PreviewTarget | undefined {
    const server = this.servers.values().next().value;
    if (!server) return undefined;
    return { socketPath: server.socketPath };
  }

  stopAll() {
    for (const port of [...this.servers.keys()]) this.stop(port);
  }

  private async restart(
    options: StartServerOptions & { runtime: () => Promise<SandboxRuntime>; wallMs: number },
  ) {
    this.stop(options.port);
    const runtime = await options.runtime();
    // The last of the server's output, to explain a server that exits instead of serving.
    let output = "";
    const collect = (chunk: string) => {
      output = (output + chunk).slice(-4000);
      options.onOutput?.(chunk);
    };
    const run = runInSandbox({
      workspace: this.sandbox.workspace,
      command: ["/bin/sh", "-c", options.command],
      env: { ...runtime.env, PORT: String(options.port) },
      readOnlyBinds: runtime.binds,
      limits: { wallMs: options.wallMs, memoryBytes: serverMemoryBytes },
      streamOnly: true,
      bwrap: getEnv().KILN_SANDBOX_BWRAP,
      onStdout: collect,
      onStderr: collect,
    });
    const exited = run.done.then((result) => {
      if (this.servers.get(options.port)?.run === run) this.stop(options.port);
      return result;
    });
    try {
      if (!run.pid) throw new Error("the sandbox did not start");
      const relay = await startPreviewRelay({
        bwrapPid: run.pid,
        port: options.port,
        socketDir: path.join(getEnv().dataDir, "run", "preview"),
        name: `${this.sandbox.id}-${options.port}`,
      });
      this.servers.set(options.port, {
        command: options.command,
        run,
        closeRelay: relay.close,
        socketPath: relay.socketPath,
      });
      const ready = waitForPort({
        socketPath: relay.socketPath,
        // The page a preview opens first: a dev server compiles it for this probe, not an error
        // page for a path the app does not serve.
        path: "/",
        timeoutMs: serverStartMs,
        signal: options.signal,
      });
      const died = exited.then((result) => {
        throw new KilnError(
          "VALIDATION_ERROR",
          `The app exited before it served on port ${options.port}${
            result.limit ? ` (limit: ${result.limit})` : ` (exit code ${result.exitCode})`
          }${output.trim() ? `. Its last output:\n${output.trim().split("\n").slice(-20).join("\n")}` : ""}`,
          { reason: "app_exited", details: { output } },
        );
      });
      await Promise.race([ready, died]);
    } catch (error) {
      this.stop(options.port);
      run.kill();
      throw error;
    }
  }

  private stop(port: number) {
    const server = this.servers.get(port);
    if (!server) return;
    this.servers.delete(port);
    server.closeRelay();
    server.run.kill();
  }
}
