import { readEvents } from "./event-stream";

// Reads the AI SDK's UI message stream (server-sent events, one JSON chunk per event) as it
// arrives, calling `onChunk` for each chunk in order.

export type UiChunk = { type: string; [key: string]: unknown };

export async function readUiStream(
  response: Response,
  onChunk: (chunk: UiChunk) => void,
): Promise<void> {
  if (!response.body) return;
  await readEvents(response.body, (event) => {
    if (event.data === "[DONE]") return;
    let chunk: UiChunk;
    try {
      chunk = JSON.parse(event.data) as UiChunk;
    } catch {
      return; // an event that is not JSON is not ours to interpret
    }
    onChunk(chunk);
  });
}
