"use client";

import { type FormEvent, useState } from "react";
import type { ChatSummary } from "@/lib/chat/schemas";

// One past chat: its template's mark, its title (in full on hover), when it was last active,
// and Rename and Delete, shown on hover, on keyboard focus, on the open chat, and always on a
// touch screen (which has no hover), there as large as a finger.

const marks: Record<string, string> = {
  "code-interpreter-v1": "Py",
  "nextjs-developer": "N",
  "vue-developer": "V",
  "streamlit-developer": "St",
  "gradio-developer": "Gr",
  "static-html": "<>",
  "node-server": "JS",
};

function when(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (date.toDateString() === now.toDateString())
    return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  return date.toLocaleDateString("en-GB", {
    day: "numeric",
    month: "short",
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: "numeric" }),
  });
}

export function HistoryItem(props: {
  chat: ChatSummary;
  templateName: string | undefined;
  isActive: boolean;
  onOpen: () => void;
  onRename: (title: string) => Promise<void>;
  onDelete: () => void;
}) {
  const { chat } = props;
  const [draft, setDraft] = useState<string>();
  const [error, setError] = useState<string>();

  const save = (event: FormEvent) => {
    event.preventDefault();
    const title = draft?.trim();
    if (!title || title === chat.title) return setDraft(undefined);
    props.onRename(title).then(
      () => setDraft(undefined),
      (caught: Error) => setError(caught.message),
    );
  };

  if (draft !== undefined) {
    return (
      <li className="px-1 py-1">
        <form onSubmit={save}>
          <label className="sr-only" htmlFor={`rename-${chat.id}`}>
            New title
          </label>
          <input
            id={`rename-${chat.id}`}
            // biome-ignore lint/a11y/noAutofocus: the field the Rename button just opened
            autoFocus
            value={draft}
            maxLength={200}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Escape") setDraft(undefined);
            }}
            onBlur={save}
            className="w-full rounded border border-orange-400 bg-zinc-900 px-2 py-1 text-sm text-zinc-100 focus:outline-none"
          />
        </form>
        {error ? <p className="px-1 pt-1 text-xs text-red-300">{error}</p> : null}
      </li>
    );
  }

  return (
    <li
      className={`group flex items-center rounded ${
        props.isActive ? "bg-zinc-800" : "hover:bg-zinc-900"
      }`}
    >
      <button
        type="button"
        onClick={props.onOpen}
        aria-current={props.isActive ? "page" : undefined}
        title={chat.title}
        className={`flex min-w-0 flex-1 items-center gap-2 px-2 py-1.5 text-left text-sm ${
          props.isActive ? "text-zinc-100" : "text-zinc-400 group-hover:text-zinc-200"
        }`}
      >
        <span
          aria-hidden
          title={props.templateName}
          className="w-6 shrink-0 rounded bg-zinc-800 py-0.5 text-center font-mono text-[10px] text-orange-300"
        >
          {(chat.template && marks[chat.template]) ?? "·"}
        </span>
        <span className="min-w-0 flex-1 truncate">{chat.title}</span>
        <time
          dateTime={chat.updatedAt}
          className={`shrink-0 text-xs text-zinc-400 ${
            props.isActive
              ? "hidden"
              : "group-focus-within:hidden group-hover:hidden pointer-coarse:hidden"
          }`}
        >
          {when(chat.updatedAt)}
        </time>
      </button>
      <span
        className={`${
          props.isActive
            ? "flex"
            : "hidden group-focus-within:flex group-hover:flex pointer-coarse:flex"
        } shrink-0 items-center pr-1`}
      >
        <button
          type="button"
          onClick={() => {
            setError(undefined);
            setDraft(chat.title);
          }}
          aria-label={`Rename chat ${chat.title}`}
          title="Rename"
          className="rounded px-1 text-zinc-400 hover:text-zinc-100 pointer-coarse:min-h-11 pointer-coarse:min-w-11"
        >
          ✎
        </button>
        <button
          type="button"
          onClick={props.onDelete}
          aria-label={`Delete chat ${chat.title}`}
          title="Delete"
          className="rounded px-1 text-zinc-400 hover:text-red-300 pointer-coarse:min-h-11 pointer-coarse:min-w-11"
        >
          ×
        </button>
      </span>
    </li>
  );
}
