import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";
import { ApiError } from "./fetch-json";

// Server-sent events in the browser: one parser for Kiln's own streams and the AI SDK's. Read
// with a reader, not `for await`, which not every browser offers on a ReadableStream yet.

/** Calls `onEvent` for each event of `body` as it arrives, in order. */
export async function readEvents(
  body: NonNullable<Response["body"]>,
  onEvent: (event: EventSourceMessage) => void,
): Promise<void> {
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onEvent(value);
  }
}

/** POSTs JSON to a streamed endpoint, asking for its text/event-stream form. */
export function postForEvents(path: string, body: unknown, signal?: AbortSignal) {
  return fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
}

/**
 * POSTs JSON to one of Kiln's streamed endpoints (Accept: text/event-stream) and hands each
 * event to `onEvent` as it arrives. A refusal before the stream starts (400, 404, 429...)
 * throws the server's message; an `error` event in the stream throws it as well.
 */
export async function postEventStream(
  path: string,
  body: unknown,
  onEvent: (event: string, data: unknown) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await postForEvents(path, body, signal);
  if (!response.ok || !response.body) {
    const error = await response.json().catch(() => null);
    throw new ApiError(error?.message ?? `Request failed (${response.status})`, response.status);
  }
  await readEvents(response.body, (message) => {
    const data = JSON.parse(message.data);
    if (message.event === "error") throw new ApiError(data.message, data.status ?? 500, data.code);
    onEvent(message.event ?? "message", data);
  });
}
