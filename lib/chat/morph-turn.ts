import "server-only";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import type { Fragment } from "@/lib/fragments/schema";
import { appendAnswer, appendMessage, getChat } from "./chats";
import { morphFragment } from "./morph";
import type { MorphRequest } from "./morph-schemas";

// One morph turn: the model changes the current fragment as the last message asks, and when the
// request names a chat, the turn is stored in it. Nothing is stored for a turn that failed: the
// caller hears why and the chat stays as it was.

export async function morphTurn(options: {
  userId: string;
  body: MorphRequest;
  resolved: ResolvedModel;
  signal: AbortSignal;
}): Promise<Fragment> {
  const { userId, body, resolved } = options;
  // Someone else's chat is refused before any model time is spent on it.
  if (body.chatId) await getChat(userId, body.chatId);
  const fragment = await morphFragment({
    userId,
    chatId: body.chatId,
    fragment: body.currentFragment,
    messages: body.messages.map((m) => ({ role: m.role, content: m.content })),
    resolved,
    signal: options.signal,
  });
  if (body.chatId) {
    await appendMessage(body.chatId, {
      role: "user",
      content: body.messages.at(-1)?.content ?? "",
    });
    await appendAnswer(body.chatId, {
      model: resolved.modelId,
      outcome: { ok: true, fragment },
    });
  }
  return fragment;
}
