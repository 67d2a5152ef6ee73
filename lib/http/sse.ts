import "server-only";
import { KilnError } from "@/lib/errors";

// Server-sent events with the frame format exactly right: `event:` and `data:` lines, one
// `data:` line per line of payload, a blank line after each event, a comment as heartbeat so
// proxies do not time the stream out, and a stream that always closes.

export interface SseWriter {
  send(event: string, data: unknown): void;
  /** True once the client went away or the stream was closed. */
  readonly closed: boolean;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
}

const encoder = new TextEncoder();
const heartbeatMs = 15_000;

export function sseFrame(event: string, data: unknown): string {
  const payload = JSON.stringify(data) ?? "null";
  // JSON.stringify never emits a raw newline, so one data line always suffices.
  return `event: ${event}\ndata: ${payload}\n\n`;
}

/** Whether the client asked for the streamed (text/event-stream) form of an endpoint. */
export function wantsEventStream(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/event-stream");
}

/**
 * Runs `produce` while streaming what it sends. A KilnError it throws becomes an `error` event
 * in the seed's shape plus its status ({ error, message, status, code? }); anything else a
 * generic one, logged by the caller's `onUnexpected`. The stream ends when `produce` settles or the client leaves.
 */
export function eventStream(
  request: Request,
  produce: (writer: SseWriter) => Promise<void>,
  options: { onUnexpected?(error: unknown): void; headers?: Headers } = {},
): Response {
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  request.signal.addEventListener("abort", onClientGone, { once: true });
  let closed = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const write = (text: string) => {
    if (closed) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      closed = true;
    }
  };
  const writer: SseWriter = {
    send: (event, data) => write(sseFrame(event, data)),
    get closed() {
      return closed || abort.signal.aborted;
    },
    signal: abort.signal,
  };

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      write(": stream open\n\n");
      const heartbeat = setInterval(() => write(": keep-alive\n\n"), heartbeatMs);
      produce(writer)
        .catch((error) => {
          if (error instanceof KilnError) {
            // The status the plain form would have answered, so clients can act the same.
            writer.send("error", {
              error: true,
              message: error.message,
              status: error.status,
              ...(error.reason ? { code: error.reason } : {}),
            });
          } else {
            options.onUnexpected?.(error);
            writer.send("error", { error: true, message: "Internal server error", status: 500 });
          }
        })
        .finally(() => {
          clearInterval(heartbeat);
          request.signal.removeEventListener("abort", onClientGone);
          if (!closed) {
            closed = true;
            try {
              controller.close();
            } catch {}
          }
        });
    },
    cancel() {
      closed = true;
      abort.abort();
    },
  });

  const headers = new Headers(options.headers);
  headers.set("Content-Type", "text/event-stream; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  headers.set("X-Accel-Buffering", "no");
  return new Response(stream, { headers });
}
