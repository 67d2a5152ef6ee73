// The small buttons of the code pane's bar.
export const barButton =
  "rounded px-2 py-1 text-xs text-zinc-300 hover:bg-zinc-800 hover:text-zinc-50 disabled:opacity-50 disabled:hover:bg-transparent";
