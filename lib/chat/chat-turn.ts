import "server-only";
import { createUIMessageStream, createUIMessageStreamResponse, type ModelMessage } from "ai";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";
import { systemPromptFor } from "@/lib/templates/prompt";
import { appendMessage, createChat, getChat, titleFrom } from "./chats";
import { type FragmentOutcome, startFragment } from "./fragment-stream";
import type { ChatRequest } from "./schemas";

// One turn of a chat: store the user's message, have the model write a fragment, relay it as
// it grows over the AI SDK's UI message stream (or, for Accept: application/json, answer once
// it is done), and store the outcome.

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
  const chat = body.chatId
    ? await getChat(userId, body.chatId)
    : await createChat({ userId, title: titleFrom(last), template, model: resolved.modelId });
  await appendMessage(chat.id, { role: "user", content: last });
  const messageId = prefixedId("msg");
  const messages: ModelMessage[] = body.messages.map((m) => ({ role: m.role, content: m.content }));

  let run: Awaited<ReturnType<typeof startFragment>>;
  try {
    run = await startFragment({
      resolved,
      template,
      system,
      messages,
      abortSignal: options.signal,
      record: { userId, chatId: chat.id },
    });
  } catch (error) {
    await store(chat.id, messageId, resolved, { ok: false, reason: (error as Error).message });
    throw error;
  }

  const headers = { "X-Chat-Id": chat.id, "X-Message-Id": messageId };
  if (options.wantsJson) {
    for await (const _ of run.partials());
    const outcome = await run.outcome();
    await store(chat.id, messageId, resolved, outcome);
    if (!outcome.ok) {
      throw new KilnError("BAD_GATEWAY", capitalise(outcome.reason), { reason: outcome.outcome });
    }
    return Response.json(
      { chatId: chat.id, messageId, fragment: outcome.fragment },
      { headers: { ...headers, "Cache-Control": "no-store" } },
    );
  }

  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      writer.write({ type: "start", messageId });
      writer.write({
        type: "data-chat",
        data: { chatId: chat.id, messageId, model: resolved.modelId },
      });
      for await (const partial of run.partials()) {
        writer.write({
          type: "data-fragment",
          id: messageId,
          data: { status: "streaming", fragment: partial },
        });
      }
      const outcome = await run.outcome();
      await store(chat.id, messageId, resolved, outcome);
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
  return createUIMessageStreamResponse({
    stream,
    headers: { ...headers, "Cache-Control": "no-store" },
  });
}

async function store(
  chatId: string,
  messageId: string,
  resolved: ResolvedModel,
  outcome: FragmentOutcome | { ok: false; reason: string },
) {
  await appendMessage(chatId, {
    id: messageId,
    role: "assistant",
    content: outcome.ok ? outcome.fragment.commentary : "",
    fragment: outcome.ok ? outcome.fragment : null,
    status: outcome.ok ? "complete" : "failed",
    error: outcome.ok ? null : capitalise(outcome.reason),
    model: resolved.modelId,
  });
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
