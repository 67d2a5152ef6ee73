import "server-only";
import { KilnError } from "@/lib/errors";
import { errorBody } from "./responses";

// Server-sent events with the frame format exactly right: an optional `id:` line, then the
// `event:` and `data:` lines, a blank line after each event, a comment as heartbeat so proxies
// do not time the stream out, and a stream that always closes.

export interface SseWriter {
  /** `id` becomes the frame's `id:` line, what a reconnecting client sends as Last-Event-ID. */
  send(event: string, data: unknown, options?: { id?: string }): void;
  /**
   * Sends a frame `sseFrame` made: one frame for many clients is serialized once, and when given
   * as bytes (`encodeFrame`), encoded once too.
   */
  sendFrame(frame: string | Uint8Array): void;
  /** True once the client went away or the stream was closed. */
  readonly closed: boolean;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
}

const encoder = new TextEncoder();
const heartbeatMs = 15_000;

export function sseFrame(event: string, data: unknown, id?: string): string {
  // A line break in either would end the line early and let the rest be read as fields.
  for (const field of [event, id ?? ""]) {
    if (/[\r\n]/.test(field)) throw new Error("SSE event names and ids are single lines");
  }
  const payload = JSON.stringify(data) ?? "null";
  // JSON.stringify never emits a raw newline, so one data line always suffices.
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${payload}\n\n`;
}

/** A frame as the bytes every stream sends, for a frame that goes to many clients. */
export const encodeFrame = (frame: string): Uint8Array => encoder.encode(frame);

/** Whether the client asked for the streamed (text/event-stream) form of an endpoint. */
export function wantsEventStream(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/event-stream");
}

/**
 * Runs `produce` while streaming what it sends. A KilnError it throws becomes an `error` event
 * in the seed's shape plus its status ({ error, message, status, code? }); anything else a
 * generic one, logged by the caller's `onUnexpected`. The stream ends when `produce` settles
 * or, at once, when the client leaves: `signal` tells `produce` to stop, and what it sends
 * after that is dropped.
 */
export function eventStream(
  request: Request,
  produce: (writer: SseWriter) => Promise<void>,
  options: {
    onUnexpected?(error: unknown): void;
    headers?: Headers;
    /** "v1": error events in /api/v1's envelope; seed 000's shape otherwise. */
    surface?: "api" | "v1";
    /** How often a quiet stream sends a heartbeat comment; 15 s unless set. */
    heartbeatMs?: number;
  } = {},
): Response {
  const abort = new AbortController();
  let closed = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  // Frames written in one turn of the event loop (a follower's batch) go out as one chunk: each
  // chunk costs a trip through the response's streams, whatever its size. Text is encoded here;
  // frames that come as bytes (shared by every client of a run) are copied, not encoded again.
  let parts: Uint8Array[] = [];
  let text = "";
  let isScheduled = false;
  const flush = () => {
    isScheduled = false;
    if (text) parts.push(encoder.encode(text));
    const chunk = parts.length === 1 ? parts[0] : parts.length > 1 ? Buffer.concat(parts) : null;
    parts = [];
    text = "";
    if (!chunk || closed) return;
    try {
      controller.enqueue(chunk);
    } catch {
      closed = true;
    }
  };
  const finish = () => {
    clearInterval(heartbeat);
    flush();
    request.signal.removeEventListener("abort", onClientGone);
    if (closed) return;
    closed = true;
    try {
      controller.close();
    } catch {}
  };
  function onClientGone() {
    abort.abort();
    finish();
  }
  const write = (frame: string | Uint8Array) => {
    if (closed) return;
    if (!isScheduled) {
      isScheduled = true;
      queueMicrotask(flush);
    }
    if (typeof frame === "string") text += frame;
    else {
      if (text) parts.push(encoder.encode(text));
      text = "";
      parts.push(frame);
    }
  };
  const writer: SseWriter = {
    send: (event, data, sendOptions) => write(sseFrame(event, data, sendOptions?.id)),
    sendFrame: (frame) => write(frame),
    get closed() {
      return closed || abort.signal.aborted;
    },
    signal: abort.signal,
  };

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (request.signal.aborted) return onClientGone();
      request.signal.addEventListener("abort", onClientGone, { once: true });
      write(": stream open\n\n");
      heartbeat = setInterval(() => write(": keep-alive\n\n"), options.heartbeatMs ?? heartbeatMs);
      produce(writer)
        .catch((error) => {
          const known =
            error instanceof KilnError
              ? error
              : new KilnError("INTERNAL_ERROR", "Internal server error");
          // A producer that fails because the client went away (its work aborted) is expected.
          if (!(error instanceof KilnError) && !abort.signal.aborted) options.onUnexpected?.(error);
          if (options.surface === "v1") {
            // /api/v1's error envelope, with the status the plain form would have answered.
            writer.send("error", { ...errorBody("v1", known), status: known.status });
          } else {
            // The status the plain form would have answered, so clients can act the same.
            writer.send("error", {
              error: true,
              message: known.message,
              status: known.status,
              ...(known.reason ? { code: known.reason } : {}),
            });
          }
        })
        .finally(finish);
    },
    cancel() {
      abort.abort();
      finish();
    },
  });

  const headers = new Headers(options.headers);
  headers.set("Content-Type", "text/event-stream; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  headers.set("X-Accel-Buffering", "no");
  return new Response(stream, { headers });
}

/**
 * A step that answers JSON, or, for a client that accepts text/event-stream, streams what it
 * reports while it runs and then its answer as a `result` event (errors as `error` events in
 * the surface's shape: /api/v1's envelope unless `surface` is "api"). `run` gets the writer
 * only when streaming.
 */
export async function jsonOrEventStream<T>(
  request: Request,
  run: (events?: SseWriter) => Promise<T>,
  options: { onUnexpected?(error: unknown): void; surface?: "api" | "v1" } = {},
): Promise<T | Response> {
  if (!wantsEventStream(request)) return run();
  return eventStream(request, async (events) => events.send("result", await run(events)), {
    ...options,
    surface: options.surface ?? "v1",
  });
}
