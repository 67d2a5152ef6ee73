"use client";

import { useEffect, useRef } from "react";
import { useEventStream } from "@/hooks/use-event-stream";

// One array for every render: the stream is opened again whenever its types change.
const logTypes = ["log"] as const;

/** A deployment's build and app output, replayed and then followed live (reconnects resume). */
export function DeploymentLogs({ id, name }: { id: string; name: string }) {
  const { events, state } = useEventStream(`/api/v1/deployments/${id}/logs`, logTypes);
  const end = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (events.length) end.current?.lastElementChild?.scrollIntoView({ block: "nearest" });
  }, [events.length]);
  return (
    <section aria-label={`Logs of ${name}`} className="space-y-2">
      <div className="flex items-baseline justify-between gap-3">
        <h3 className="text-sm font-semibold text-zinc-200">Logs</h3>
        <span className="text-xs text-zinc-400" data-testid="logs-state">
          {state === "live" ? "Live" : "Connecting…"}
        </span>
      </div>
      <ol
        ref={end}
        // Scrollable, so it takes the keyboard's focus to be scrolled.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region is reached by keyboard
        tabIndex={0}
        data-testid="deployment-logs"
        className="max-h-72 overflow-y-auto rounded-md border border-zinc-800 bg-zinc-950 p-2 font-mono text-xs text-zinc-300 focus-visible:outline-2 focus-visible:outline-orange-400"
      >
        {events.length === 0 ? <li className="text-zinc-400">No output yet.</li> : null}
        {events.map((event) => (
          <li key={event.seq} className="whitespace-pre-wrap break-all">
            <span className="text-zinc-500">{String(event.data.step ?? "")} </span>
            <span className={event.data.stream === "stderr" ? "text-red-300" : undefined}>
              {String(event.data.text ?? "")}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
