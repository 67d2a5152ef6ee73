import "server-only";
import { KilnError } from "@/lib/errors";
import { fragmentFiles } from "@/lib/fragments/files";
import type { Fragment } from "@/lib/fragments/schema";
import { appendMessage, latestApp } from "./chats";
import type { ChatMessage } from "./schemas";

// A change the user made by hand to the chat's fragment becomes its next version: an assistant
// message like the model's, so the chat, a reload and the next edit by chat all start from it.
// It changes files only; the template stays the chat's.

/** The paths whose content differs between two versions, added and removed files included. */
export function changedPaths(before: Fragment, after: Fragment): string[] {
  const old = new Map(fragmentFiles(before).map((f) => [f.file_path, f.code]));
  const now = fragmentFiles(after);
  const changed = now.filter((f) => old.get(f.file_path) !== f.code).map((f) => f.file_path);
  const kept = new Set(now.map((f) => f.file_path));
  return [...changed, ...[...old.keys()].filter((path) => !kept.has(path))];
}

export async function saveFragmentVersion(options: {
  userId: string;
  chatId: string;
  fragment: Fragment;
}): Promise<ChatMessage> {
  const latest = await latestApp(options.userId, options.chatId);
  if (!latest) {
    throw new KilnError("CONFLICT", "This chat has no app yet: there is nothing to edit");
  }
  const { fragment } = options;
  if (fragment.template !== latest.template) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `fragment.template: must stay "${latest.template}"; start a new chat for another template`,
    );
  }
  const changed = changedPaths(latest, fragment);
  if (changed.length === 0) {
    throw new KilnError("VALIDATION_ERROR", "fragment: nothing changed since the last version");
  }
  const commentary = `Edited by hand: ${changed.join(", ")}.`;
  return appendMessage(options.chatId, {
    role: "assistant",
    content: commentary,
    fragment: { ...fragment, commentary },
  });
}
