/** What a request must send to be answered with a UI message stream (as the IDE does). */
export const uiStreamHeaders = { accept: "text/event-stream" };

/** The chunks of an AI SDK UI message stream (server-sent events of JSON), in order. */
export async function readUiStream(response: Response): Promise<Record<string, unknown>[]> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream")) {
    throw new Error(`expected a UI message stream, got ${response.status} ${type}`);
  }
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
}

/** The fragment states (data-fragment parts) of a UI message stream. */
export function fragmentStates(chunks: Record<string, unknown>[]) {
  return chunks
    .filter((c) => c.type === "data-fragment")
    .map((c) => c.data as { status: string; fragment?: Record<string, unknown>; reason?: string });
}
