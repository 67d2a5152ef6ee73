"use client";

// The bar above the IDE on narrow screens: the history drawer's button and a switch between
// the one pane that fits (Chat, Code or Preview).

export type Pane = "chat" | "code" | "preview";

const panes: { id: Pane; label: string }[] = [
  { id: "chat", label: "Chat" },
  { id: "code", label: "Code" },
  { id: "preview", label: "Preview" },
];

export function PaneSwitch(props: {
  pane: Pane;
  onPane: (pane: Pane) => void;
  isWriting: boolean;
  isHistoryOpen: boolean;
  onHistory: () => void;
}) {
  return (
    <div className="flex items-center gap-2 border-b border-zinc-800 px-3 py-2 lg:hidden">
      <button
        type="button"
        aria-expanded={props.isHistoryOpen}
        aria-controls="chat-history"
        onClick={props.onHistory}
        className="rounded-md border border-zinc-700 px-3 py-1.5 text-sm text-zinc-200 hover:bg-zinc-800"
      >
        History
      </button>
      <fieldset className="ml-auto flex rounded-md border border-zinc-700 p-0.5">
        <legend className="sr-only">Pane</legend>
        {panes.map((p) => (
          <button
            key={p.id}
            type="button"
            aria-pressed={props.pane === p.id}
            onClick={() => props.onPane(p.id)}
            className={`relative rounded px-3 py-1 text-sm ${
              props.pane === p.id ? "bg-zinc-800 text-zinc-50" : "text-zinc-400 hover:text-zinc-100"
            }`}
          >
            {p.label}
            {p.id === "code" && props.isWriting && props.pane !== "code" ? (
              <span
                aria-hidden
                className="absolute top-1 right-1 size-1.5 animate-pulse rounded-full bg-orange-400"
              />
            ) : null}
          </button>
        ))}
      </fieldset>
    </div>
  );
}
