"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import type { ChatSummary } from "@/lib/chat/schemas";
import type { PublicTemplate } from "@/lib/templates/schemas";
import { HistoryItem } from "./history-item";

// Past chats, newest first, with a search by title. A click opens one; a deleted chat leaves
// the list at once and is only deleted when its Undo has run out.

export function HistorySidebar(props: {
  chats: ChatSummary[] | undefined;
  templates: PublicTemplate[];
  activeId: string | undefined;
  deleting: { id: string; title: string } | undefined;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (chat: ChatSummary) => void;
  onUndoDelete: () => void;
  onNew: () => void;
}) {
  const [query, setQuery] = useState("");
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = props.chats?.filter(
    (chat) =>
      chat.id !== props.deleting?.id &&
      words.every((word) => chat.title.toLowerCase().includes(word)),
  );

  return (
    <nav aria-label="Chat history" className="flex h-full min-h-0 flex-col">
      <div className="space-y-2 p-3">
        <Button variant="secondary" className="w-full" onClick={props.onNew}>
          New chat
        </Button>
        {(props.chats?.length ?? 0) > 0 ? (
          <input
            type="search"
            aria-label="Search chats"
            placeholder="Search chats"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            className="w-full rounded-md border border-zinc-800 bg-zinc-900 px-2 py-1.5 text-sm text-zinc-100 placeholder:text-zinc-400 focus:border-orange-400 focus:outline-none"
          />
        ) : null}
      </div>
      <ul className="min-h-0 flex-1 space-y-0.5 overflow-y-auto px-2 pb-3">
        {props.chats === undefined ? (
          <li className="px-2 text-xs text-zinc-400">Loading…</li>
        ) : null}
        {props.chats?.length === 0 ? (
          <li className="px-2 text-xs text-zinc-400">No chats yet</li>
        ) : null}
        {words.length > 0 && shown?.length === 0 ? (
          <li className="px-2 text-xs text-zinc-400">No chat title matches “{query.trim()}”</li>
        ) : null}
        {shown?.map((chat) => (
          <HistoryItem
            key={chat.id}
            chat={chat}
            templateName={props.templates.find((t) => t.id === chat.template)?.name}
            isActive={chat.id === props.activeId}
            onOpen={() => props.onOpen(chat.id)}
            onRename={(title) => props.onRename(chat.id, title)}
            onDelete={() => props.onDelete(chat)}
          />
        ))}
      </ul>
      {props.deleting ? (
        <div
          role="status"
          className="flex items-center gap-2 border-t border-zinc-800 px-3 py-2 text-xs text-zinc-300"
        >
          <span className="min-w-0 flex-1 truncate" title={props.deleting.title}>
            Deleted “{props.deleting.title}”
          </span>
          <button
            type="button"
            onClick={props.onUndoDelete}
            className="rounded px-2 py-1 font-medium text-orange-300 hover:bg-zinc-800"
          >
            Undo
          </button>
        </div>
      ) : null}
    </nav>
  );
}
