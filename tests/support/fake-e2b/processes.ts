import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { Machine, MachineProcess } from "./machine";
import { processService, routeService } from "./protos";

// envd's process.Process service over the Connect protocol: Start (a stream of start, data and
// end events), Connect (the same stream for a running process), SendSignal, SendInput and List.
// A stream that ends, because its client left or a deadline passed, leaves the process running,
// as envd does; only a signal, or the sandbox's end, stops it.

type ProcessEvent =
  | { case: "start"; value: { pid: number } }
  | { case: "data"; value: { output: { case: "stdout" | "stderr"; value: Uint8Array } } }
  | { case: "end"; value: { exitCode: number; exited: boolean; status: string } };

interface ProcessConfig {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
}

export interface Command {
  pid: number;
  config: ProcessConfig;
  running: MachineProcess;
  listeners: Set<(event: ProcessEvent) => void>;
}

/** What a sandbox's envd knows of its processes; the fake's state lists them for tests. */
export class ProcessTable {
  readonly commands = new Map<number, Command>();
  /** Every Start request, in order, for tests to see what the SDK asked for. */
  readonly started: ProcessConfig[] = [];

  constructor(private readonly machine: Machine) {}

  start(config: ProcessConfig, options: { stdin: boolean }): Command {
    if (config.cwd && !this.machine.isDirectory(config.cwd)) {
      throw new ConnectError(`cwd '${config.cwd}' does not exist`, Code.InvalidArgument);
    }
    this.started.push(config);
    const running = this.machine.spawn(config.cmd, config.args, config);
    if (!options.stdin) running.child.stdin.end(); // envd gives such a process no input
    const pid = running.child.pid ?? 0;
    const command: Command = { pid, config, running, listeners: new Set() };
    const emit = (event: ProcessEvent) => {
      for (const listener of command.listeners) listener(event);
    };
    for (const stream of ["stdout", "stderr"] as const) {
      running.child[stream].on("data", (chunk: Buffer) =>
        emit({ case: "data", value: { output: { case: stream, value: new Uint8Array(chunk) } } }),
      );
    }
    running.child.on("close", (code, signal) => {
      this.commands.delete(pid);
      emit({
        case: "end",
        value:
          signal !== null
            ? { exitCode: -1, exited: false, status: `signal: ${signalName(signal)}` }
            : { exitCode: code ?? -1, exited: true, status: `exit status ${code}` },
      });
    });
    this.commands.set(pid, command);
    return command;
  }

  find(selector: { case?: string; value?: unknown } | undefined): Command {
    const command =
      selector?.case === "pid" ? this.commands.get(Number(selector.value)) : undefined;
    if (!command)
      throw new ConnectError(`process with pid ${selector?.value} not found`, Code.NotFound);
    return command;
  }
}

function signalName(signal: NodeJS.Signals): string {
  return signal === "SIGKILL" ? "killed" : signal.toLowerCase().replace(/^sig/, "");
}

/** The events of `command` from now on, ending with its end or when `signal` aborts. */
async function* follow(command: Command, signal: AbortSignal, first?: ProcessEvent) {
  const queue: ProcessEvent[] = first ? [first] : [];
  let wake: (() => void) | undefined;
  const listener = (event: ProcessEvent) => {
    queue.push(event);
    wake?.();
  };
  command.listeners.add(listener);
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    for (;;) {
      for (let event = queue.shift(); event; event = queue.shift()) {
        yield { event: { event } };
        if (event.case === "end") return;
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    command.listeners.delete(listener);
    signal.removeEventListener("abort", onAbort);
  }
}

type Selector = { selector?: { case?: string; value?: unknown } };

export function routeProcesses(router: ConnectRouter, table: (sandboxId: string) => ProcessTable) {
  // The router is shared by every sandbox; each call names its sandbox in a header.
  const of = (context: HandlerContext) => table(context.requestHeader.get("e2b-sandbox-id") ?? "");
  routeService(router, processService, {
    async *start(
      request: { process?: Partial<ProcessConfig>; stdin?: boolean },
      context: HandlerContext,
    ) {
      const { process, stdin } = request;
      const command = of(context).start(
        {
          cmd: process?.cmd ?? "",
          args: process?.args ?? [],
          envs: process?.envs ?? {},
          ...(process?.cwd ? { cwd: process.cwd } : {}),
        },
        { stdin: stdin === true },
      );
      yield* follow(command, context.signal, { case: "start", value: { pid: command.pid } });
    },
    async *connect(request: { process?: Selector }, context: HandlerContext) {
      const command = of(context).find(request.process?.selector);
      yield* follow(command, context.signal, { case: "start", value: { pid: command.pid } });
    },
    sendSignal(request: { process?: Selector }, context: HandlerContext) {
      of(context).find(request.process?.selector).running.kill();
      return {};
    },
    sendInput(
      request: { process?: Selector; input?: { input?: { case?: string; value?: Uint8Array } } },
      context: HandlerContext,
    ) {
      const command = of(context).find(request.process?.selector);
      const { input } = request.input ?? {};
      if (input?.case === "stdin" && input.value) command.running.child.stdin.write(input.value);
      return {};
    },
    list(_request: unknown, context: HandlerContext) {
      const processes = [...of(context).commands.values()].map((c) => ({
        pid: c.pid,
        config: c.config,
      }));
      return { processes };
    },
  });
}
