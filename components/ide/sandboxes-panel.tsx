"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { SandboxList } from "@/lib/sandbox/schemas";

// The sandboxes that run for the user (GET /api/sandbox), oldest first, each with its chat and
// a Stop button. Read again when opened and whenever a run starts or ends (`refreshKey`).

export function SandboxesPanel({
  refreshKey,
  onStopped,
  onOpenChat,
}: {
  refreshKey: string;
  onStopped: (sbxId: string) => void;
  onOpenChat: (chatId: string) => void;
}) {
  const [isOpen, setIsOpen] = useState(false);
  const [list, setList] = useState<SandboxList["sandboxes"]>();
  const [error, setError] = useState<string>();

  const reload = useCallback(async () => {
    try {
      setList((await apiFetch<SandboxList>("/api/sandbox")).sandboxes);
      setError(undefined);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey says when to read again
  useEffect(() => {
    void reload();
  }, [reload, refreshKey]);

  const stop = async (sbxId: string) => {
    try {
      await apiFetch(`/api/sandbox/${sbxId}`, { method: "DELETE" });
      onStopped(sbxId);
    } catch (caught) {
      setError(errorMessage(caught));
    }
    await reload();
  };

  return (
    <details
      open={isOpen}
      onToggle={(event) => {
        setIsOpen(event.currentTarget.open);
        if (event.currentTarget.open) void reload();
      }}
      className="border-t border-zinc-800 text-sm"
    >
      <summary className="cursor-pointer px-3 py-2 text-xs font-medium text-zinc-300 hover:text-zinc-100">
        Sandboxes{list ? ` (${list.length} running)` : ""}
      </summary>
      <div className="max-h-64 overflow-y-auto px-2 pb-2">
        {error ? (
          <p role="alert" className="px-1 text-xs text-red-300">
            {error}
          </p>
        ) : null}
        {list?.length === 0 ? <p className="px-1 text-xs text-zinc-400">None running</p> : null}
        <ul aria-label="Running sandboxes" className="space-y-1">
          {list?.map((sandbox) => (
            <li
              key={sandbox.sbxId}
              className="flex items-center gap-2 rounded px-1 py-1 text-xs hover:bg-zinc-900"
            >
              <div className="min-w-0 flex-1">
                {sandbox.chatId ? (
                  <button
                    type="button"
                    onClick={() => sandbox.chatId && onOpenChat(sandbox.chatId)}
                    title={sandbox.chatTitle ?? undefined}
                    className="block w-full truncate text-left text-zinc-200 hover:text-orange-300"
                  >
                    {sandbox.chatTitle}
                  </button>
                ) : (
                  <span className="block truncate text-zinc-400">No chat</span>
                )}
                <span className="block truncate font-mono text-zinc-400">
                  {sandbox.template} · {since(sandbox.createdAt)}
                </span>
              </div>
              <button
                type="button"
                onClick={() => void stop(sandbox.sbxId)}
                aria-label={`Stop sandbox of ${sandbox.chatTitle ?? sandbox.template}`}
                className="rounded border border-zinc-700 px-2 py-0.5 text-zinc-200 hover:border-red-400 hover:text-red-300"
              >
                Stop
              </button>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}

/** How long ago, roughly: "just now", "4 min", "2 h". */
function since(iso: string): string {
  const minutes = Math.floor((Date.now() - Date.parse(iso)) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h`;
}
