"use client";

import { useCallback, useRef, useState } from "react";
import { ApiError, apiFailure, apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { FragmentView, MessageView } from "@/lib/client/ide-types";
import { readUiStream } from "@/lib/client/ui-stream";
import { capitalise } from "@/lib/text";

// One chat in the IDE: its messages, the fragment on show, and sending a prompt. The first
// prompt of a chat has the model write a fragment (streamed as it grows); later prompts edit
// that fragment (morph) until the user starts a new chat.

type Status = "idle" | "writing" | "editing";

export interface Selection {
  model?: { id: string; providerId: string };
  template: string;
}

/** The note a reply stopped by the user ends with: no error, just where it stopped. */
export const stoppedNote = "Stopped.";

const localId = () => `local_${Math.random().toString(36).slice(2)}`;

/** The fragment later prompts edit: the newest one that was finished. */
const latestFragment = (messages: MessageView[]) =>
  [...messages].reverse().find((m) => m.fragment && m.status === "complete")?.fragment ?? undefined;

/** What the model is told about the conversation so far: prompts, and the fragments it wrote. */
function history(messages: MessageView[]) {
  return messages
    .filter((m) => m.status === "complete")
    .map((m) => ({
      role: m.role,
      content: m.role === "assistant" && m.fragment ? JSON.stringify(m.fragment) : m.content,
    }));
}

export function useChatSession(onChatSaved: () => void) {
  const [chatId, setChatId] = useState<string>();
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [status, setStatus] = useState<Status>("idle");
  const [error, setError] = useState<string>();
  const abort = useRef<AbortController | undefined>(undefined);

  const current = latestFragment(messages);
  const shown: FragmentView | undefined =
    [...messages].reverse().find((m) => m.fragment)?.fragment ?? undefined;

  const update = (id: string, change: Partial<MessageView>) =>
    setMessages((all) => all.map((m) => (m.id === id ? { ...m, ...change } : m)));

  async function sendFrom(base: MessageView[], prompt: string, selection: Selection) {
    {
      const text = prompt.trim();
      if (!text || status !== "idle") return;
      const editing = latestFragment(base);
      setError(undefined);
      const userMessage: MessageView = {
        id: localId(),
        role: "user",
        content: text,
        fragment: null,
        status: "complete",
        error: null,
      };
      const assistantId = localId();
      const conversation = [...history(base), { role: "user" as const, content: text }];
      setMessages([
        ...base,
        userMessage,
        {
          id: assistantId,
          role: "assistant",
          content: "",
          fragment: null,
          status: "streaming",
          error: null,
        },
      ]);
      const controller = new AbortController();
      abort.current = controller;
      const common = {
        messages: conversation,
        ...(selection.model ? { model: selection.model } : {}),
        ...(chatId ? { chatId } : {}),
      };
      try {
        if (editing) {
          setStatus("editing");
          const fragment = await apiFetch<FragmentView>("/api/chat/morph-chat", {
            method: "POST",
            json: { ...common, currentFragment: editing },
            signal: controller.signal,
          });
          update(assistantId, { fragment, content: fragment.commentary ?? "", status: "complete" });
        } else {
          setStatus("writing");
          await writeFragment(common, selection.template, controller.signal, assistantId);
        }
        onChatSaved();
      } catch (caught) {
        const isStopped = controller.signal.aborted;
        const message = isStopped ? stoppedNote : errorMessage(caught);
        update(assistantId, { status: "failed", error: message });
        if (!isStopped) setError(message);
      } finally {
        abort.current = undefined;
        setStatus("idle");
      }
    }
  }

  const send = (prompt: string, selection: Selection) => sendFrom(messages, prompt, selection);

  async function writeFragment(
    body: Record<string, unknown>,
    template: string,
    signal: AbortSignal,
    assistantId: string,
  ) {
    const response = await fetch("/api/chat", {
      method: "POST",
      // The UI message stream; without this Accept, /api/chat answers plain text.
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ ...body, template }),
      signal,
    });
    if (!response.ok) throw await apiFailure(response);
    const id = response.headers.get("x-chat-id");
    if (id) {
      setChatId(id);
      // A new chat joins the history as soon as it exists, not when its reply ends.
      if (id !== body.chatId) onChatSaved();
    }
    let failed: string | undefined;
    await readUiStream(response, (chunk) => {
      if (chunk.type !== "data-fragment") return;
      const data = chunk.data as { status: string; fragment?: FragmentView; reason?: string };
      if (data.status === "failed") failed = data.reason;
      else if (data.fragment) {
        update(assistantId, {
          fragment: data.fragment,
          content: data.fragment.commentary ?? "",
          status: data.status === "done" ? "complete" : "streaming",
        });
      }
    });
    if (failed !== undefined) {
      throw new ApiError(capitalise(failed), 502);
    }
  }

  const stop = () => abort.current?.abort();

  /** Sends the last prompt again in place of the failed attempt. */
  const retry = (selection: Selection) => {
    const index = messages.findLastIndex((m) => m.role === "user");
    const lastPrompt = messages[index]?.content;
    if (lastPrompt === undefined) return;
    void sendFrom(messages.slice(0, index), lastPrompt, selection);
  };

  const load = useCallback((id: string, loaded: MessageView[]) => {
    setChatId(id);
    setMessages(loaded);
    setError(undefined);
  }, []);

  /** A version saved outside a model turn (the user's own edit) joins the chat. */
  const appendMessage = useCallback(
    (message: MessageView) => setMessages((all) => [...all, message]),
    [],
  );

  const reset = () => {
    abort.current?.abort();
    setChatId(undefined);
    setMessages([]);
    setError(undefined);
  };

  return {
    chatId,
    messages,
    status,
    error,
    shown,
    hasFragment: Boolean(current),
    send,
    stop,
    retry,
    load,
    reset,
    appendMessage,
  };
}
