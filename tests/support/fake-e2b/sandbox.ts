import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CodeInterpreter } from "./jupyter";
import { home, Machine } from "./machine";
import { ProcessTable } from "./processes";

// One sandbox of the fake E2B: what its API knows (template, metadata, lifetime) and what runs
// in it (envd's processes and the code interpreter's kernels, on one machine).

export interface TemplateServer {
  /** Started with bash when a sandbox of the template starts, as the template's start command. */
  command: string;
  port: number;
}

export class FakeSandbox {
  readonly id = `i${randomBytes(10).toString("hex")}`;
  readonly envdAccessToken = randomBytes(16).toString("hex");
  readonly machine = new Machine();
  readonly processes = new ProcessTable(this.machine);
  readonly interpreter = new CodeInterpreter(this.machine);
  /** Open requests into the sandbox, cut when it ends as E2B's proxy cuts them. */
  readonly connections = new Set<ServerResponse>();
  timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly template: string,
    readonly metadata: Record<string, string>,
    timeoutMs: number,
    servers: TemplateServer[],
  ) {
    this.timeoutMs = timeoutMs;
    this.setTimeout(timeoutMs);
    for (const server of servers) {
      this.machine.spawn("/bin/bash", ["-l", "-c", server.command], {
        cwd: home,
        envs: { PORT: String(server.port) },
      });
    }
  }

  /** Resolves once the template's servers accept connections, as E2B's ready check waits. */
  async ready(servers: TemplateServer[]) {
    const deadline = performance.now() + 20_000;
    for (const { port } of servers) {
      while (!(await accepts(port))) {
        if (performance.now() > deadline) throw new Error(`Nothing listens on ${port}`);
        await sleep(20);
      }
    }
  }

  get isKilled(): boolean {
    return this.machine.isKilled;
  }

  /** Cells the code interpreter was asked to run, in order. */
  get code(): string[] {
    return this.interpreter.code;
  }

  /** Restarts of the sandbox's Python contexts. */
  get kernelRestarts(): number {
    return this.interpreter.restarts;
  }

  /** E2B ends a sandbox when its lifetime, counted from now, passes. */
  setTimeout(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kill(), timeoutMs);
    this.timer.unref();
  }

  kill() {
    clearTimeout(this.timer);
    this.machine.kill();
    for (const connection of this.connections) connection.destroy();
  }

  async dispose() {
    this.kill();
    await this.machine.dispose();
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
