"use client";

import { useEffect, useState } from "react";

/** What the page shows while a model works: what it is doing, for how long, and each step. */
export function BusyPanel({
  label,
  progress,
  isModelWriting = true,
}: {
  label: string;
  progress: string[];
  /** False for a quick read that asks no model (stored questions). */
  isModelWriting?: boolean;
}) {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    const started = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="busy-panel"
      className="rounded-lg border border-orange-900/60 bg-orange-950/20 p-4"
    >
      <div className="flex items-center gap-3">
        <span
          aria-hidden="true"
          className="h-4 w-4 shrink-0 animate-spin rounded-full border-2 border-orange-400 border-t-transparent"
        />
        <p className="font-medium text-orange-100">{label}…</p>
        <span className="ml-auto text-sm tabular-nums text-orange-200/70">{seconds} s</span>
      </div>
      {isModelWriting ? (
        <p className="mt-2 text-sm text-zinc-400">
          A model is writing; with a real model this takes from a few seconds to a minute. Keep this
          page open.
        </p>
      ) : null}
      {progress.length > 0 ? (
        <ul className="mt-3 space-y-1 text-sm text-zinc-300">
          {progress.map((line, index) => (
            // Lines only ever append, so their position is their identity.
            // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
            <li key={index}>· {line}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
