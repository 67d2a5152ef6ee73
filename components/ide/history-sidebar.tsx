"use client";

import { Button } from "@/components/ui/button";
import type { ChatSummary } from "@/lib/chat/schemas";

// Past chats, newest first; a click opens one, the × deletes it.

export function HistorySidebar(props: {
  chats: ChatSummary[] | undefined;
  activeId: string | undefined;
  onOpen: (id: string) => void;
  onDelete: (id: string) => void;
  onNew: () => void;
}) {
  return (
    <nav aria-label="Chat history" className="flex h-full min-h-0 flex-col">
      <div className="p-3">
        <Button variant="secondary" className="w-full" onClick={props.onNew}>
          New chat
        </Button>
      </div>
      <ul className="min-h-0 flex-1 space-y-0.5 overflow-y-auto px-2 pb-3">
        {props.chats === undefined ? (
          <li className="px-2 text-xs text-zinc-500">Loading…</li>
        ) : null}
        {props.chats?.length === 0 ? (
          <li className="px-2 text-xs text-zinc-500">No chats yet</li>
        ) : null}
        {props.chats?.map((chat) => (
          <li key={chat.id} className="group flex items-center">
            <button
              type="button"
              onClick={() => props.onOpen(chat.id)}
              aria-current={chat.id === props.activeId ? "page" : undefined}
              className={`min-w-0 flex-1 truncate rounded px-2 py-1.5 text-left text-sm ${
                chat.id === props.activeId
                  ? "bg-zinc-800 text-zinc-100"
                  : "text-zinc-400 hover:bg-zinc-900 hover:text-zinc-200"
              }`}
            >
              {chat.title}
            </button>
            <button
              type="button"
              onClick={() => props.onDelete(chat.id)}
              aria-label={`Delete chat ${chat.title}`}
              className="invisible rounded px-1.5 text-zinc-500 hover:text-red-300 group-hover:visible"
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
