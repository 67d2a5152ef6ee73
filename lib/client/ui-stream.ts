// Reads the AI SDK's UI message stream (server-sent events, one JSON chunk per `data:` line)
// as it arrives, calling `onChunk` for each chunk in order.

export type UiChunk = { type: string; [key: string]: unknown };

export async function readUiStream(
  response: Response,
  onChunk: (chunk: UiChunk) => void,
): Promise<void> {
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") continue;
        try {
          onChunk(JSON.parse(data) as UiChunk);
        } catch {
          // A line that is not JSON is not ours to interpret.
        }
      }
      end = buffer.indexOf("\n\n");
    }
  }
}
