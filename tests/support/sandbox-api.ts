import { EventSourceParserStream } from "eventsource-parser/stream";
import { TestClient } from "./client";

// The Sandbox and Terminal APIs as a test speaks them, over HTTP to a real Kiln.

export const fragment = (code: string, extra: Record<string, unknown> = {}) => ({
  commentary: "",
  template: "code-interpreter-v1",
  title: "Test",
  description: "",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: null,
  file_path: "script.py",
  code,
  ...extra,
});

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Response bodies are checked field by field with toMatchObject; their shapes live in the route
// contracts, not here.
export type Json = ReturnType<typeof JSON.parse>;

export async function signedIn(url: string) {
  const client = new TestClient(url);
  await client.signUp();
  return client;
}

export async function run(client: TestClient, body: unknown) {
  const response = await client.fetch("/api/sandbox", { method: "POST", json: body });
  return { status: response.status, body: (await response.json()) as Json };
}

export async function terminal(client: TestClient, body: Record<string, unknown>) {
  const response = await client.fetch("/api/terminal", { method: "POST", json: body });
  return { status: response.status, body: (await response.json()) as Json };
}

export async function readEvents(
  response: Response,
  onEvent?: (event: string, data: Json) => void,
) {
  const events: { event: string; data: Json }[] = [];
  const stream = response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of stream) {
    const entry = { event: message.event ?? "message", data: JSON.parse(message.data) };
    events.push(entry);
    onEvent?.(entry.event, entry.data);
  }
  return events;
}
