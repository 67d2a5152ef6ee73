"use client";

import { useSyncExternalStore } from "react";

// Whether the reader's system asks for a dark colour scheme, followed as it changes. The page's
// own colours follow it in CSS (app/globals.css); this is for what draws its own (the code
// editor, the terminal). Before hydration it says dark, Kiln's first theme.

const query = "(prefers-color-scheme: dark)";

function subscribe(onChange: () => void) {
  const media = window.matchMedia(query);
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
}

export function usePrefersDark(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(query).matches,
    () => true,
  );
}
