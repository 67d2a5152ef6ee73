import "server-only";
import type { Fragment } from "@/lib/fragments/schema";
import type { FragmentOutcome, FragmentRun } from "./fragment-stream";

// The fragment as plain text, growing: the model's JSON as it writes it, which the AI SDK's
// useObject (or any reader of a growing JSON document) parses as it arrives. The document's
// closing brace is held back until the fragment is settled. A fragment that Kiln normalised or
// repaired ends with the fields that changed, written again (in JSON the last of two equal keys
// wins), so the whole body parses to the very fragment the other formats answer. When there
// is no valid fragment, or what was sent cannot be completed into it (the model's text was not
// one JSON object), the stream fails rather than ends: a reader sees an error, never a
// finished document.

const closing = new Set(["}", " ", "\n", "\r", "\t"]);

/** The text of the fragment as it grows; returns how the turn ended once it has. */
export async function* fragmentText(
  run: FragmentRun,
): AsyncGenerator<string, FragmentOutcome & { isComplete: boolean }> {
  let text = "";
  let sent = 0;
  for await (const piece of run.texts()) {
    text += piece;
    // Everything but a closing run of braces and spaces, scanned from the end: once per piece.
    let upTo = text.length;
    while (upTo > sent && closing.has(text[upTo - 1] as string)) upTo--;
    if (upTo > sent) {
      yield text.slice(sent, upTo);
      sent = upTo;
    }
  }
  const outcome = await run.outcome();
  if (!outcome.ok) return { ...outcome, isComplete: false };
  const rest = ending(text, sent, outcome.fragment);
  if (rest === undefined) return { ...outcome, isComplete: false };
  yield rest;
  return { ...outcome, isComplete: true };
}

/** What follows the `sent` characters of `text` so that the document parses to `fragment`. */
function ending(text: string, sent: number, fragment: Fragment): string | undefined {
  let written: unknown;
  try {
    written = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!written || typeof written !== "object" || Array.isArray(written)) return undefined;
  const before = written as Record<string, unknown>;
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fragment)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) changed[key] = value;
  }
  // Fields the fragment no longer has: only `files`, which it drops when empty.
  if (!("files" in fragment) && JSON.stringify(before.files ?? []) !== "[]") changed.files = [];
  const held = text.slice(sent);
  const close = held.lastIndexOf("}");
  if (Object.keys(changed).length === 0) return held;
  const fields = JSON.stringify(changed).slice(1, -1);
  const comma = Object.keys(before).length > 0 ? "," : "";
  return `${held.slice(0, close)}${comma}${fields}}`;
}
