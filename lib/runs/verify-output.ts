import "server-only";

// A verification's output as VERIFY_OUTPUT events: batched (a flush every 100 ms, or sooner
// once a batch holds 64 lines or 8 KiB) so that a chatty build writes a few rows a second, not
// one per chunk, and capped for the whole verification so that it cannot flood the event
// table. What is over the cap is counted and said in one last note per step.

export type OutputStream = "stdout" | "stderr";
export type EmitOutput = (payload: Record<string, unknown>) => Promise<void>;

const flushMs = 100;
const batchLines = 64;
const batchChars = 8 * 1024;

export class OutputBatcher {
  private buffers = new Map<OutputStream, string>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private sent = 0;
  private dropped = 0;
  private failure: unknown;

  private readonly step: string;
  private readonly emit: EmitOutput;
  /** Characters this step may still send; shared by the verification's steps. */
  private readonly budget: { remaining: number };

  // Plain fields, not parameter properties: `npm run worker` runs this file with Node's type
  // stripping, which does not support them.
  constructor(step: string, emit: EmitOutput, budget: { remaining: number }) {
    this.step = step;
    this.emit = emit;
    this.budget = budget;
  }

  write(stream: OutputStream, text: string) {
    if (!text) return;
    const room = this.budget.remaining;
    const kept = text.length > room ? text.slice(0, room) : text;
    this.dropped += text.length - kept.length;
    if (!kept) return;
    this.budget.remaining -= kept.length;
    const buffer = (this.buffers.get(stream) ?? "") + kept;
    this.buffers.set(stream, buffer);
    if (buffer.length >= batchChars || countLines(buffer) >= batchLines) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), flushMs);
  }

  private flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [stream, text] of this.buffers) {
      if (!text) continue;
      this.send({ step: this.step, stream, text });
    }
    this.buffers.clear();
  }

  private send(payload: Record<string, unknown>) {
    this.sent++;
    this.chain = this.chain.then(() =>
      this.emit(payload).catch((error) => {
        this.failure ??= error;
      }),
    );
  }

  /** Sends what is buffered, and the note of what the cap left out; rejects if an emit failed. */
  async close(): Promise<void> {
    this.flush();
    if (this.dropped > 0) {
      this.send({
        step: this.step,
        stream: "stderr",
        text: `[output truncated: ${this.dropped} more characters of ${this.step} output were not kept]\n`,
        truncated: true,
      });
    }
    await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Events sent so far, for tests of the batching. */
  get events() {
    return this.sent;
  }
}

function countLines(text: string) {
  let lines = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}
