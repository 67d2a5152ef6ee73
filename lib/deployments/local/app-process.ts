import "server-only";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import { runInSandbox, type SandboxRun } from "@/lib/sandbox/local/bwrap";
import type { PreviewTarget } from "@/lib/sandbox/local/preview/preview-host";
import {
  type PreviewRelay,
  startPreviewRelay,
  waitForPort,
} from "@/lib/sandbox/local/preview/preview-relay";
import { appPort, type BuiltApp } from "./local-build";

// A deployed app's process, supervised: started in its sandbox with a relay that carries its
// port to a socket only Kiln sees, its health check polled, and started again whenever it exits
// or stops answering, after a wait that doubles with each failure in a row (a crash loop does
// not spin the machine). An app that ran a while before it died starts over from the shortest
// wait; one that fails to come up `maxFailures` times in a row is given up on.

const startTimeoutMs = 60_000;
const firstBackoffMs = 500;
const maxBackoffMs = 30_000;
const maxFailures = 8;
/** Serving this long counts as having recovered: the next crash waits the shortest time again. */
const stableMs = 60_000;
const healthEveryMs = 10_000;
const healthTimeoutMs = 5_000;
const unhealthyAfter = 3;
// The process's own limit is a backstop: a supervised app is started again when it hits it.
const wallMs = 24 * 60 * 60 * 1000;

export interface AppProcessEvents {
  /** The app exited (`why`: "exit code 1", a limit) and was started again; it serves again. */
  onRestarted(why: string): void;
  /** It could not be brought back: nothing serves it any more. */
  onGaveUp(message: string): void;
  onOutput(stream: "stdout" | "stderr", text: string): void;
}

export class AppProcess {
  private run: SandboxRun | undefined;
  private relay: PreviewRelay | undefined;
  private serving: { socketPath: string; since: number } | undefined;
  private isWanted = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private health: NodeJS.Timeout | undefined;
  private lastOutput = "";
  private lastExit = "";
  private unhealthy = false;

  constructor(
    private readonly options: {
      id: string;
      app: BuiltApp;
      /** The user's variables, over the runtime's own. */
      environment: Record<string, string>;
      memoryBytes: number;
      cpus: number | undefined;
      healthPath: string;
      events: AppProcessEvents;
    },
  ) {}

  /** Where the app is reached while it serves. */
  target(): PreviewTarget | undefined {
    return this.serving ? { socketPath: this.serving.socketPath } : undefined;
  }

  /** Starts the app; resolves once it answers its health check, rejects if it cannot start. */
  async start(): Promise<void> {
    this.isWanted = true;
    this.failures = 0;
    clearTimeout(this.retry);
    await this.launch();
  }

  /** Stops the app and its supervision; nothing is started again until start(). */
  async stop(): Promise<void> {
    this.isWanted = false;
    clearTimeout(this.retry);
    await this.end();
  }

  private async end() {
    clearInterval(this.health);
    this.serving = undefined;
    const run = this.run;
    const relay = this.relay;
    this.run = undefined;
    this.relay = undefined;
    await relay?.close().catch(() => {});
    if (run) {
      run.kill();
      await run.done.catch(() => {});
    }
  }

  private async launch(): Promise<void> {
    await this.end();
    const { app, id } = this.options;
    this.lastOutput = "";
    const collect = (stream: "stdout" | "stderr") => (text: string) => {
      this.lastOutput = (this.lastOutput + text).slice(-4000);
      this.options.events.onOutput(stream, text);
    };
    const run = runInSandbox({
      workspace: app.workspace,
      command: ["/bin/sh", "-c", app.command],
      env: { ...app.env, ...this.options.environment, PORT: String(appPort) },
      readOnlyBinds: app.binds,
      limits: {
        wallMs,
        memoryBytes: this.options.memoryBytes,
        processes: 256,
        ...(this.options.cpus === undefined ? {} : { cpus: this.options.cpus }),
      },
      streamOnly: true,
      bwrap: getEnv().KILN_SANDBOX_BWRAP,
      onStdout: collect("stdout"),
      onStderr: collect("stderr"),
    });
    this.run = run;
    const exited = run.done.then((result) => {
      // Before it serves, an exit is launch()'s failure to report, not a crash to recover from.
      if (this.run === run && this.serving) {
        const why = this.unhealthy
          ? "health check failed"
          : (result.limit ?? `exit code ${result.exitCode}`);
        this.unhealthy = false;
        void this.exited(why);
      }
      return result;
    });
    try {
      if (!run.pid) throw new Error("the sandbox did not start");
      const relay = await startPreviewRelay({
        bwrapPid: run.pid,
        port: appPort,
        socketDir: path.join(getEnv().dataDir, "run", "preview"),
        name: id,
      });
      this.relay = relay;
      const ready = waitForPort({
        socketPath: relay.socketPath,
        path: this.options.healthPath,
        accept: (status) => status < 500,
        timeoutMs: startTimeoutMs,
      });
      const died = exited.then((result) => {
        throw new KilnError(
          "VALIDATION_ERROR",
          `The app exited before it served (${result.limit ? `limit: ${result.limit}` : `exit code ${result.exitCode}`})${
            this.lastOutput.trim()
              ? `. Its last output:\n${this.lastOutput.trim().split("\n").slice(-20).join("\n")}`
              : ""
          }`,
          { reason: "app_exited" },
        );
      });
      await Promise.race([ready, died]);
      if (this.run !== run) throw new KilnError("CONFLICT", "The deployment was stopped");
      this.serving = { socketPath: relay.socketPath, since: Date.now() };
      this.watchHealth(run, relay.socketPath);
    } catch (error) {
      if (this.run === run) await this.end();
      throw error;
    }
  }

  /** Polls the health check; an app that fails it `unhealthyAfter` times in a row is restarted. */
  private watchHealth(run: SandboxRun, socketPath: string) {
    let misses = 0;
    let isProbing = false;
    this.health = setInterval(() => {
      if (isProbing) return;
      isProbing = true;
      waitForPort({
        socketPath,
        path: this.options.healthPath,
        accept: (status) => status < 500,
        timeoutMs: healthTimeoutMs,
        intervalMs: 500,
      })
        .then(
          () => {
            misses = 0;
          },
          () => {
            misses += 1;
            if (misses >= unhealthyAfter && this.run === run) {
              log.warn("deployment unhealthy, restarting", { deploymentId: this.options.id });
              this.unhealthy = true;
              run.kill();
            }
          },
        )
        .finally(() => {
          isProbing = false;
        });
    }, healthEveryMs);
    this.health.unref();
  }

  private async exited(why: string) {
    const servedFor = this.serving ? Date.now() - this.serving.since : 0;
    await this.end();
    if (!this.isWanted) return;
    if (servedFor >= stableMs) this.failures = 0;
    this.lastExit = why;
    log.warn("deployment exited, restarting", { deploymentId: this.options.id, why });
    this.scheduleRestart();
  }

  private scheduleRestart() {
    this.failures += 1;
    if (this.failures > maxFailures) {
      this.isWanted = false;
      this.options.events.onGaveUp(
        `The app kept exiting: it did not come back after ${maxFailures} restarts${
          this.lastOutput.trim()
            ? `. Its last output:\n${this.lastOutput.trim().split("\n").slice(-20).join("\n")}`
            : ""
        }`,
      );
      return;
    }
    const delay = Math.min(firstBackoffMs * 2 ** (this.failures - 1), maxBackoffMs);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (!this.isWanted) return;
      this.launch().then(
        () => this.options.events.onRestarted(this.lastExit),
        () => {
          if (this.isWanted && !this.run) this.scheduleRestart();
        },
      );
    }, delay);
    this.retry.unref();
  }
}
