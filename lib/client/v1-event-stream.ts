import { postForEvents, readEvents } from "./event-stream";
import { ApiError } from "./fetch-json";

// /api/v1's streamed steps in the browser: the same POST as the JSON form, with
// Accept: text/event-stream, so the page can say what the server is doing while a model writes.
// The step's answer arrives as a `result` event; a failure, before or during the stream, in
// /api/v1's error envelope.

interface V1Failure {
  error?: { code?: string; message?: string };
  status?: number;
}

const failure = (body: V1Failure | null, status: number) =>
  new ApiError(body?.error?.message ?? `Request failed (${status})`, status, body?.error?.code);

/** POSTs `body` to a streamed /api/v1 step; `onEvent` sees each event before the result. */
export async function postV1Step<T>(
  path: string,
  body: unknown,
  onEvent: (event: string, data: unknown) => void,
  signal?: AbortSignal,
): Promise<T> {
  const response = await postForEvents(path, body, signal);
  if (!response.ok || !response.body) {
    throw failure(await response.json().catch(() => null), response.status);
  }
  let result: { data: T } | undefined;
  await readEvents(response.body, (message) => {
    const data = JSON.parse(message.data);
    if (message.event === "error") throw failure(data, data.status ?? 500);
    if (message.event === "result") result = { data };
    else onEvent(message.event ?? "message", data);
  });
  if (!result) throw new ApiError("The server stopped before it answered. Try again.", 502);
  return result.data;
}

/**
 * An error as a sentence for the page: the server's message without the field path a
 * validation error starts with ("body.name: is required" reads "Name is required").
 */
export function plainError(error: unknown): string {
  if (!(error instanceof ApiError)) return "Kiln could not be reached. Try again.";
  const match = /^([\w.[\]]+): (.+)$/s.exec(error.message);
  if (error.code !== "VALIDATION_ERROR" || !match) return error.message;
  const field = match[1]!.split(".").filter((part) => !/^(body|query|params|\d+)$/.test(part));
  const name = (field.at(-1) ?? "").replace(/([a-z])([A-Z])/g, "$1 $2").replace(/_/g, " ");
  // Answers name their questions in the message itself ("answers: q2: ...").
  const rest = match[2]!.replace(/\bq(\d+):/g, "question $1:");
  const sentence = name && name !== "answers" ? `${name} ${rest}` : rest;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
