"use client";

import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { stoppedNote } from "@/hooks/use-chat-session";
import type { ModelInfo } from "@/lib/ai/schemas";
import { messageSchema } from "@/lib/chat/schemas";
import type { MessageView } from "@/lib/client/ide-types";
import type { TemplateListItem } from "@/lib/templates/schemas";
import { ChatExamples } from "./chat-examples";

const promptMax = messageSchema.shape.content.maxLength ?? Number.POSITIVE_INFINITY;

// The conversation: messages, the prompt box, and the choice of model and template.

export function ChatPanel(props: {
  messages: MessageView[];
  busy: "idle" | "writing" | "editing";
  error: string | undefined;
  hasFragment: boolean;
  models: ModelInfo[];
  model: string;
  onModel: (value: string) => void;
  templates: TemplateListItem[];
  template: string;
  onTemplate: (value: string) => void;
  /** A prompt to send; an example names the template it is meant for. */
  onSend: (prompt: string, template?: string) => void;
  onStop: () => void;
  onRetry: () => void;
}) {
  const [prompt, setPrompt] = useState("");
  const end = useRef<HTMLDivElement>(null);
  const busy = props.busy !== "idle";
  const lastMessage = props.messages.at(-1);
  const isTooLong = prompt.length > promptMax;

  // Follow the conversation as it grows.
  const growth = `${props.messages.length}:${lastMessage?.fragment?.commentary?.length ?? 0}:${lastMessage?.status}`;
  useEffect(() => {
    if (growth) end.current?.scrollIntoView?.({ block: "end" });
  }, [growth]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!prompt.trim() || busy || isTooLong) return;
    props.onSend(prompt);
    setPrompt("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey) submit(event);
  };

  return (
    <section aria-label="Chat" className="flex h-full min-h-0 flex-col">
      <div className="min-h-0 flex-1 space-y-4 overflow-y-auto p-4" role="log" aria-live="polite">
        {props.messages.length === 0 ? (
          <ChatExamples
            templates={props.templates}
            onExample={(example, template) => {
              if (!busy) props.onSend(example, template);
            }}
          />
        ) : null}
        {props.messages.map((message) => (
          <Message key={message.id} message={message} />
        ))}
        {lastMessage?.status === "failed" && !busy ? (
          <div className="flex justify-start">
            <Button variant="secondary" onClick={props.onRetry}>
              Retry
            </Button>
          </div>
        ) : null}
        <div ref={end} />
      </div>
      {props.error && lastMessage?.status !== "failed" ? (
        <Alert tone="error">{props.error}</Alert>
      ) : null}
      <form onSubmit={submit} className="space-y-2 border-t border-zinc-800 p-3">
        <div className="flex gap-2">
          <label className="sr-only" htmlFor="model">
            Model
          </label>
          <select
            id="model"
            value={props.model}
            onChange={(e) => props.onModel(e.target.value)}
            className="min-w-0 flex-1 rounded-md border border-zinc-700 bg-zinc-900 px-2 py-1.5 text-xs text-zinc-200"
          >
            {props.models.map((m) => (
              <option key={`${m.provider}:${m.id}`} value={`${m.provider}:${m.id}`}>
                {m.name} · {m.providerName}
              </option>
            ))}
          </select>
          <label className="sr-only" htmlFor="template">
            Template
          </label>
          <select
            id="template"
            value={props.template}
            onChange={(e) => props.onTemplate(e.target.value)}
            disabled={props.hasFragment}
            title={props.hasFragment ? "Start a new chat to change the template" : undefined}
            className="rounded-md border border-zinc-700 bg-zinc-900 px-2 py-1.5 text-xs text-zinc-200 disabled:opacity-50"
          >
            <option value="auto">Any template</option>
            {props.templates.map((t) => (
              <option key={t.id} value={t.id} disabled={!t.available} title={t.reason}>
                {t.available ? t.name : `${t.name} (not available here)`}
              </option>
            ))}
          </select>
        </div>
        <label className="sr-only" htmlFor="prompt">
          Prompt
        </label>
        <textarea
          id="prompt"
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={onKeyDown}
          rows={3}
          placeholder={props.hasFragment ? "Ask for a change…" : "Describe the app to build…"}
          className="w-full resize-none rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 placeholder:text-zinc-400 focus:border-orange-400 focus:outline-none"
        />
        <div className="flex items-center justify-between">
          <span className="text-xs text-zinc-400">
            {prompt.length > promptMax * 0.9 ? (
              <span
                data-testid="prompt-length"
                className={isTooLong ? "text-red-300" : "text-amber-300"}
              >
                {prompt.length.toLocaleString("en-US")} / {promptMax.toLocaleString("en-US")}{" "}
                characters{isTooLong ? ": shorten the prompt to send it" : ""}
              </span>
            ) : props.busy === "writing" ? (
              "The model is writing…"
            ) : props.busy === "editing" ? (
              "The model is editing…"
            ) : (
              "Enter to send, Shift+Enter for a new line"
            )}
          </span>
          {busy ? (
            <Button variant="secondary" onClick={props.onStop}>
              Stop
            </Button>
          ) : (
            <Button type="submit" disabled={!prompt.trim() || isTooLong}>
              {props.hasFragment ? "Edit" : "Build"}
            </Button>
          )}
        </div>
      </form>
    </section>
  );
}

function Message({ message }: { message: MessageView }) {
  if (message.role === "user") {
    return (
      <div className="flex justify-end">
        <p className="max-w-[85%] whitespace-pre-wrap rounded-lg bg-zinc-800 px-3 py-2 text-sm text-zinc-100">
          {message.content}
        </p>
      </div>
    );
  }
  return (
    <div className="max-w-[90%] space-y-1 text-sm" data-testid="assistant-message">
      {message.fragment?.commentary || message.content ? (
        <p className="whitespace-pre-wrap text-zinc-300">
          {message.fragment?.commentary || message.content}
        </p>
      ) : null}
      {message.fragment?.title ? (
        <p className="font-mono text-xs text-orange-300">
          {message.fragment.title}
          {message.fragment.template ? ` · ${message.fragment.template}` : ""}
        </p>
      ) : null}
      {message.status === "streaming" && !message.fragment ? (
        <p className="animate-pulse text-zinc-400">Thinking…</p>
      ) : null}
      {message.status === "failed" && message.error === stoppedNote ? (
        <p className="text-xs text-zinc-400">Stopped. Retry to write it again.</p>
      ) : message.status === "failed" ? (
        <Alert tone="error">{message.error}</Alert>
      ) : null}
    </div>
  );
}
