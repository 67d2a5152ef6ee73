"use client";

import { useCallback, useRef, useState } from "react";
import { ApiError, apiFailure, apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { FragmentView, MessageView } from "@/lib/client/ide-types";
import { readUiStream } from "@/lib/client/ui-stream";
import { capitalise } from "@/lib/text";

// The chats open in the IDE: each one's messages, whether the model is writing, its error and
// its template, kept by chat. The first prompt of a chat has the model write a fragment
// (streamed as it grows); later prompts edit that fragment (morph). A chat keeps streaming
// while another one is on show, and opening it again shows where it is.

type Status = "idle" | "writing" | "editing";

export interface Selection {
  model?: { id: string; providerId: string };
  template: string;
}

export interface ChatState {
  /** Stable for the page's life: the chat id, or a local one for a chat not saved yet. */
  key: string;
  chatId?: string;
  messages: MessageView[];
  status: Status;
  error?: string;
  template: string;
}

/** What the IDE hears of every chat, on show or not. */
export interface SessionEvents {
  onChatSaved(): void;
  /** A fragment was finished or edited: the new version, for the chat under `key`. */
  onFragmentDone(key: string, chatId: string | undefined, fragment: FragmentView): void;
}

/** The note a reply stopped by the user ends with: no error, just where it stopped. */
export const stoppedNote = "Stopped.";

const localId = () => `local_${Math.random().toString(36).slice(2)}`;
const blank = (key: string): ChatState => ({ key, messages: [], status: "idle", template: "auto" });

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

export function useChatSession(events: SessionEvents) {
  const [firstKey] = useState(localId);
  const [chats, setChats] = useState<Record<string, ChatState>>(() => ({
    [firstKey]: blank(firstKey),
  }));
  const [activeKey, setActiveKey] = useState(firstKey);
  const aborts = useRef(new Map<string, AbortController>());
  const known = useRef(chats);
  known.current = chats;
  const listener = useRef(events);
  listener.current = events;
  const active = chats[activeKey] ?? blank(activeKey);

  const patch = useCallback(
    (key: string, change: (chat: ChatState) => Partial<ChatState>) =>
      setChats((all) => {
        const chat = all[key];
        return chat ? { ...all, [key]: { ...chat, ...change(chat) } } : all;
      }),
    [],
  );
  const update = (key: string, id: string, change: Partial<MessageView>) =>
    patch(key, (chat) => ({
      messages: chat.messages.map((m) => (m.id === id ? { ...m, ...change } : m)),
    }));

  async function sendFrom(
    chat: ChatState,
    base: MessageView[],
    prompt: string,
    selection: Selection,
  ) {
    const text = prompt.trim();
    if (!text || chat.status !== "idle") return;
    const { key } = chat;
    const editing = latestFragment(base);
    const assistantId = localId();
    const conversation = [...history(base), { role: "user" as const, content: text }];
    patch(key, () => ({
      error: undefined,
      status: editing ? "editing" : "writing",
      messages: [
        ...base,
        {
          id: localId(),
          role: "user",
          content: text,
          fragment: null,
          status: "complete",
          error: null,
        },
        {
          id: assistantId,
          role: "assistant",
          content: "",
          fragment: null,
          status: "streaming",
          error: null,
        },
      ],
    }));
    const controller = new AbortController();
    aborts.current.set(key, controller);
    let chatId = chat.chatId;
    const common = {
      messages: conversation,
      ...(selection.model ? { model: selection.model } : {}),
      ...(chatId ? { chatId } : {}),
    };
    try {
      let done: FragmentView | undefined;
      if (editing) {
        done = await apiFetch<FragmentView>("/api/chat/morph-chat", {
          method: "POST",
          json: { ...common, currentFragment: editing },
          signal: controller.signal,
        });
        update(key, assistantId, {
          fragment: done,
          content: done.commentary ?? "",
          status: "complete",
        });
      } else {
        const response = await fetch("/api/chat", {
          method: "POST",
          // The UI message stream; without this Accept, /api/chat answers plain text.
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({ ...common, template: selection.template }),
          signal: controller.signal,
        });
        if (!response.ok) throw await apiFailure(response);
        const id = response.headers.get("x-chat-id");
        if (id && id !== chatId) {
          chatId = id;
          patch(key, () => ({ chatId: id }));
          // A new chat joins the history as soon as it exists, not when its reply ends.
          listener.current.onChatSaved();
        }
        done = await readFragment(response, (fragment, isDone) =>
          update(key, assistantId, {
            fragment,
            content: fragment.commentary ?? "",
            status: isDone ? "complete" : "streaming",
          }),
        );
      }
      listener.current.onChatSaved();
      if (done) listener.current.onFragmentDone(key, chatId, done);
    } catch (caught) {
      const isStopped = controller.signal.aborted;
      const message = isStopped ? stoppedNote : errorMessage(caught);
      update(key, assistantId, { status: "failed", error: message });
      if (!isStopped) patch(key, () => ({ error: message }));
    } finally {
      if (aborts.current.get(key) === controller) aborts.current.delete(key);
      patch(key, () => ({ status: "idle" }));
    }
  }

  const send = (prompt: string, selection: Selection) =>
    sendFrom(active, active.messages, prompt, selection);

  const stop = () => aborts.current.get(activeKey)?.abort();

  /** Sends the last prompt again in place of the failed attempt. */
  const retry = (selection: Selection) => {
    const index = active.messages.findLastIndex((m) => m.role === "user");
    const lastPrompt = active.messages[index]?.content;
    if (lastPrompt === undefined) return;
    void sendFrom(active, active.messages.slice(0, index), lastPrompt, selection);
  };

  /** The key a chat is kept under, if it is open in this page. */
  const keyOf = useCallback(
    (chatId: string) => Object.values(known.current).find((c) => c.chatId === chatId)?.key,
    [],
  );

  /**
   * Shows a chat. One the model is writing in is shown as it is; otherwise with `loaded`, its
   * stored messages. Answers the chat's key.
   */
  const load = useCallback((chatId: string, loaded: MessageView[], template: string | null) => {
    const existing = Object.values(known.current).find((c) => c.chatId === chatId);
    const key = existing?.key ?? chatId;
    setChats((all) => {
      const chat = all[key];
      if (chat && chat.status !== "idle") return all;
      return {
        ...all,
        [key]: {
          ...(chat ?? blank(key)),
          chatId,
          messages: loaded,
          error: undefined,
          template: chat?.template ?? template ?? "auto",
        },
      };
    });
    setActiveKey(key);
    return key;
  }, []);

  /** A version saved outside a model turn (the user's own edit) joins the chat on show. */
  const appendMessage = (message: MessageView) =>
    patch(activeKey, (chat) => ({ messages: [...chat.messages, message] }));

  /** A new, empty chat on show; the one left keeps running if the model is writing in it. */
  const reset = () => {
    const key = localId();
    setChats((all) => ({ ...all, [key]: blank(key) }));
    setActiveKey(key);
  };

  /** A deleted chat: its reply stops and its state goes; a new chat is shown in its place. */
  const remove = (chatId: string) => {
    const key = keyOf(chatId);
    if (!key) return;
    aborts.current.get(key)?.abort();
    setChats(({ [key]: _removed, ...rest }) => rest);
    if (key === activeKey) reset();
  };

  const shownMessage = [...active.messages].reverse().find((m) => m.fragment);
  const current = latestFragment(active.messages);

  return {
    key: activeKey,
    chatId: active.chatId,
    messages: active.messages,
    status: active.status,
    error: active.error,
    template: active.template,
    setTemplate: (template: string) => patch(activeKey, () => ({ template })),
    shown: shownMessage?.fragment ?? undefined,
    /** Why the fragment on show cannot run, when it is a failed or stopped attempt. */
    unrunnable:
      shownMessage?.status === "failed"
        ? shownMessage.error === stoppedNote
          ? "it was stopped half-written."
          : "it did not pass validation."
        : undefined,
    /** The newest finished version, which runs even when a later attempt failed. */
    current,
    /** The finished version before the one on show: what an edit changed. */
    previous: previousVersion(active.messages, shownMessage),
    hasFragment: Boolean(current),
    send,
    stop,
    retry,
    keyOf,
    load,
    reset,
    remove,
    appendMessage,
  };
}

function previousVersion(messages: MessageView[], shown: MessageView | undefined) {
  if (shown?.status !== "complete") return undefined;
  const index = messages.indexOf(shown);
  return latestFragment(messages.slice(0, index));
}

/** Reads the UI message stream of /api/chat: each version as it grows, then the finished one. */
async function readFragment(
  response: Response,
  onVersion: (fragment: FragmentView, isDone: boolean) => void,
): Promise<FragmentView | undefined> {
  let failed: string | undefined;
  let done: FragmentView | undefined;
  await readUiStream(response, (chunk) => {
    if (chunk.type !== "data-fragment") return;
    const data = chunk.data as { status: string; fragment?: FragmentView; reason?: string };
    if (data.status === "failed") failed = data.reason;
    else if (data.fragment) {
      if (data.status === "done") done = data.fragment;
      onVersion(data.fragment, data.status === "done");
    }
  });
  if (failed !== undefined) throw new ApiError(capitalise(failed), 502);
  return done;
}
