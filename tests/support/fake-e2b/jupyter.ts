import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { home, type Machine, type MachineProcess } from "./machine";

// The code interpreter's server on port 49999 of a sandbox: POST /execute answers a cell as a
// stream of JSON lines; /contexts lists, creates, restarts and removes contexts, each a Python
// kernel (kernel.py) running on the sandbox's machine. As on E2B, a kernel runs one cell at a
// time, and a cell whose client stopped listening runs on: later cells wait behind it until its
// context is restarted.

// Handed to python3 as source, not as a path: the machine sees its own /tmp, so a checkout
// under the host's /tmp is out of its sight.
const kernelSource = readFileSync(path.join(import.meta.dirname, "kernel.py"), "utf8");

interface Cell {
  code: string;
  send: (line: string) => void;
  done: () => void;
  /** The kernel running it, once it runs. */
  kernel?: MachineProcess;
}

class Context {
  readonly id = randomUUID();
  readonly language = "python";
  readonly cwd = home;
  restarts = 0;
  private kernel: MachineProcess | undefined;
  private current: Cell | undefined;
  private queue: Cell[] = [];

  constructor(private readonly machine: Machine) {}

  /** The cell's messages, as lines of JSON, once the cells before it have finished. */
  execute(code: string): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    let isOpen = true;
    return new ReadableStream({
      start: (controller) => {
        this.queue.push({
          code,
          send: (line) => isOpen && controller.enqueue(encoder.encode(`${line}\n`)),
          done: () => isOpen && controller.close(),
        });
        this.next();
      },
      cancel: () => {
        isOpen = false; // the cell runs on; nobody hears it
      },
    });
  }

  restart() {
    this.restarts += 1;
    const stopped = this.kernel;
    this.kernel = undefined;
    stopped?.kill(); // its cell ends when the kernel does
  }

  private next() {
    if (this.current || this.queue.length === 0) return;
    const cell = this.queue.shift() as Cell;
    this.current = cell;
    const kernel = this.kernel ?? this.startKernel();
    cell.kernel = kernel;
    kernel.child.stdin.write(`${JSON.stringify({ code: cell.code })}\n`);
  }

  private startKernel(): MachineProcess {
    const kernel = this.machine.spawn("python3", ["-u", "-c", kernelSource], { cwd: home });
    this.kernel = kernel;
    // Only the cell this kernel runs hears from it: a restarted kernel's last words are lost.
    const finish = () => {
      const cell = this.current;
      if (cell?.kernel !== kernel) return;
      this.current = undefined;
      cell.done();
      this.next();
    };
    createInterface({ input: kernel.child.stdout }).on("line", (line) => {
      if (JSON.parse(line).type === "end_of_execution") finish();
      else if (this.current?.kernel === kernel) this.current.send(line);
    });
    kernel.child.on("close", () => {
      if (this.kernel === kernel) this.kernel = undefined;
      finish();
    });
    return kernel;
  }
}

export class CodeInterpreter {
  readonly contexts = new Map<string, Context>();
  /** Every cell asked for, in order. */
  readonly code: string[] = [];

  constructor(private readonly machine: Machine) {
    const python = new Context(machine);
    this.contexts.set(python.id, python);
  }

  /** Restarts across all contexts, for tests. */
  get restarts(): number {
    return [...this.contexts.values()].reduce((sum, c) => sum + c.restarts, 0);
  }

  async handle(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const summary = (c: Context) => ({ id: c.id, language: c.language, cwd: c.cwd });
    if (request.method === "POST" && pathname === "/execute") {
      const body = (await request.json()) as { code: string; context_id?: string };
      const context = body.context_id
        ? this.contexts.get(body.context_id)
        : this.contexts.values().next().value;
      if (!context) return new Response(`context ${body.context_id} not found`, { status: 404 });
      this.code.push(body.code);
      return new Response(context.execute(body.code), {
        headers: { "content-type": "application/x-ndjson" },
      });
    }
    if (pathname === "/contexts" && request.method === "GET") {
      return Response.json([...this.contexts.values()].map(summary));
    }
    if (pathname === "/contexts" && request.method === "POST") {
      const context = new Context(this.machine);
      this.contexts.set(context.id, context);
      return Response.json(summary(context));
    }
    const [, , id, action] = pathname.split("/");
    const context = this.contexts.get(id ?? "");
    if (!context) return new Response(`context ${id} not found`, { status: 404 });
    if (request.method === "POST" && action === "restart") {
      context.restart();
      return new Response(null, { status: 204 });
    }
    if (request.method === "DELETE" && action === undefined) {
      context.restart();
      this.contexts.delete(context.id);
      return new Response(null, { status: 204 });
    }
    return new Response("not found", { status: 404 });
  }
}
