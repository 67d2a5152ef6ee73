import "server-only";
import { createUIMessageStream, createUIMessageStreamResponse, type ModelMessage } from "ai";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";
import { systemPromptFor } from "@/lib/fragments/prompt";
import { prefixedId } from "@/lib/ids";
import { unavailableTemplates } from "@/lib/sandbox/template-availability";
import { appendAnswer, appendMessage, createChatWithMessage, getChat, titleFrom } from "./chats";
import { type FragmentOutcome, type FragmentRun, startFragment } from "./fragment-stream";
import { fragmentText } from "./fragment-text";
import type { ChatRequest } from "./schemas";

// One turn of a chat: have the model write a fragment, relay it as it grows, and store the
// turn. Three answers, by what the client accepts: the AI SDK's UI message stream (the IDE),
// one JSON document once the fragment is done, or the fragment's JSON as plain text, growing
// (what the AI SDK's useObject reads). The model starts first and the first output goes out
// before anything is written to the database: storing is not on the path to the first byte
// the user sees.

export type ChatAnswer = "ui-stream" | "json" | "text";

/** The answer a request's Accept header asks for; plain text unless it names another. */
export function chatAnswerFor(accept: string | null): ChatAnswer {
  const ranked = (accept ?? "")
    .split(",")
    .map((entry, index) => {
      const [type = "", ...params] = entry.split(";").map((p) => p.trim().toLowerCase());
      const q = Number(params.find((p) => p.startsWith("q="))?.slice(2) ?? 1);
      return { type, q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranked) {
    if (type === "text/event-stream") return "ui-stream";
    if (type === "application/json") return "json";
    if (type === "text/plain" || type === "text/*" || type === "*/*") return "text";
  }
  return "text";
}

export async function chatTurn(options: {
  userId: string;
  body: ChatRequest;
  resolved: ResolvedModel;
  signal: AbortSignal;
  answer: ChatAnswer;
}): Promise<Response> {
  const { userId, body, resolved } = options;
  const template = body.template && body.template !== "auto" ? body.template : undefined;
  const unavailable = await unavailableTemplates();
  const refusal = template ? unavailable.get(template) : undefined;
  if (refusal !== undefined) {
    throw new KilnError("SERVICE_UNAVAILABLE", refusal, {
      reason: "template_unavailable",
      details: { template },
    });
  }
  const system = systemPromptFor({ template, unavailable: [...unavailable.keys()] });
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
    await appendAnswer(chatId, { id: messageId, model: resolved.modelId, outcome });
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
  if (options.answer === "json") {
    for await (const _ of run.partials());
    const outcome = await run.outcome();
    await storeEnd(outcome);
    if (!outcome.ok) {
      throw new KilnError("BAD_GATEWAY", capitalise(outcome.reason), { reason: outcome.outcome });
    }
    return Response.json({ chatId, messageId, fragment: outcome.fragment }, { headers });
  }

  if (options.answer === "text") {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        void (async () => {
          const pieces = fragmentText(run);
          let next = await pieces.next();
          for (; !next.done; next = await pieces.next()) {
            send(controller, encoder.encode(next.value));
            // After the first text is on its way, store the start of the turn.
            storeStart().catch(() => cancel.abort());
          }
          const outcome = next.value;
          await storeEnd(outcome).catch(() => {});
          // Breaking the stream off is how a plain reader learns there is no fragment. Named as
          // an abort, it is not mistaken (and logged) for a fault of the server's.
          if (outcome.isComplete) controller.close();
          else controller.error(new DOMException("no valid fragment", "AbortError"));
        })().catch((error: unknown) => controller.error(error));
      },
      cancel: () => cancel.abort(),
    });
    return new Response(body, {
      headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
    });
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

/** Enqueues unless the reader has gone (the turn still runs to its end and is stored). */
function send(controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array) {
  try {
    controller.enqueue(chunk);
  } catch {}
}
