import "server-only";
import { createUIMessageStream, createUIMessageStreamResponse, type ModelMessage } from "ai";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";
import { systemPromptFor } from "@/lib/fragments/prompt";
import { prefixedId } from "@/lib/ids";
import { appendMessage, createChatWithMessage, getChat, titleFrom } from "./chats";
import { type FragmentOutcome, type FragmentRun, startFragment } from "./fragment-stream";
import type { ChatRequest } from "./schemas";

// One turn of a chat: have the model write a fragment, relay it as it grows over the AI SDK's
// UI message stream (or, for Accept: application/json, answer once it is done), and store the
// turn. The model starts first and the first partial goes out before anything is written to
// the database: storing is not on the path to the first byte the user sees.

export async function chatTurn(options: {
  userId: string;
  body: ChatRequest;
  resolved: ResolvedModel;
  signal: AbortSignal;
  wantsJson: boolean;
}): Promise<Response> {
  const { userId, body, resolved } = options;
  const template = body.template && body.template !== "auto" ? body.template : undefined;
  const system = systemPromptFor({ template });
  const last = body.messages.at(-1)?.content ?? "";
  // Someone else's chat is refused before any model time is spent on it.
  const existing = body.chatId ? await getChat(userId, body.chatId) : undefined;
  const chatId = existing?.id ?? prefixedId("chat");
  const messageId = prefixedId("msg");
  const messages: ModelMessage[] = body.messages.map((m) => ({ role: m.role, content: m.content }));
  const cancel = new AbortController();
  const signal = AbortSignal.any([options.signal, cancel.signal]);

  let stored: Promise<void> | undefined;
  /** The chat (when new) and the user's message; once, whenever first needed. */
  const storeStart = () => {
    stored ??= (async () => {
      if (existing) await appendMessage(chatId, { role: "user", content: last });
      else {
        await createChatWithMessage({
          id: chatId,
          userId,
          title: titleFrom(last),
          template,
          model: resolved.modelId,
          content: last,
        });
      }
    })();
    return stored;
  };
  const storeEnd = async (outcome: FragmentOutcome | { ok: false; reason: string }) => {
    await storeStart();
    await appendMessage(chatId, {
      id: messageId,
      role: "assistant",
      content: outcome.ok ? outcome.fragment.commentary : "",
      fragment: outcome.ok ? outcome.fragment : null,
      status: outcome.ok ? "complete" : "failed",
      error: outcome.ok ? null : capitalise(outcome.reason),
      model: resolved.modelId,
    });
  };

  let run: FragmentRun;
  try {
    run = await startFragment({
      resolved,
      template,
      system,
      messages,
      abortSignal: signal,
      // The llm_calls row points at the chat; it is written after the chat exists.
      record: { userId, chatId },
      beforeRecord: storeStart,
    });
  } catch (error) {
    await storeEnd({ ok: false, reason: (error as Error).message });
    throw error;
  }

  const headers = { "X-Chat-Id": chatId, "X-Message-Id": messageId, "Cache-Control": "no-store" };
  if (options.wantsJson) {
    for await (const _ of run.partials());
    const outcome = await run.outcome();
    await storeEnd(outcome);
    if (!outcome.ok) {
      throw new KilnError("BAD_GATEWAY", capitalise(outcome.reason), { reason: outcome.outcome });
    }
    return Response.json({ chatId, messageId, fragment: outcome.fragment }, { headers });
  }

  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      writer.write({ type: "start", messageId });
      writer.write({ type: "data-chat", data: { chatId, messageId, model: resolved.modelId } });
      for await (const partial of run.partials()) {
        writer.write({
          type: "data-fragment",
          id: messageId,
          data: { status: "streaming", fragment: partial },
        });
        // After the first partial is on its way, store the start of the turn.
        storeStart().catch(() => cancel.abort());
      }
      const outcome = await run.outcome();
      await storeEnd(outcome);
      if (outcome.ok) {
        writer.write({
          type: "data-fragment",
          id: messageId,
          data: { status: "done", fragment: outcome.fragment },
        });
      } else {
        writer.write({
          type: "data-fragment",
          id: messageId,
          data: { status: "failed", reason: outcome.reason },
        });
        writer.write({ type: "error", errorText: capitalise(outcome.reason) });
      }
      writer.write({ type: "finish" });
    },
    onError: () => "Kiln could not finish this response",
  });
  return createUIMessageStreamResponse({ stream, headers });
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
