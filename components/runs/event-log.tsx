import type { StreamedEvent } from "@/hooks/use-event-stream";

const detailKeys = ["slug", "path", "status", "message", "line", "error", "reason"];

/** What an event says beyond its type, in a few words. */
function detail(event: StreamedEvent): string {
  return detailKeys
    .flatMap((key) => (event.data[key] === undefined ? [] : [String(event.data[key])]))
    .join(" · ");
}

/** The run's events as they arrive, newest last. */
export function EventLog({ events, state }: { events: StreamedEvent[]; state: string }) {
  return (
    <section aria-labelledby="events-title" className="min-w-0 space-y-3">
      <div className="flex items-baseline justify-between gap-3">
        <h2 id="events-title" className="text-lg font-semibold">
          Events
        </h2>
        <span className="text-xs text-zinc-400" data-testid="stream-state">
          {state === "live" ? "Live" : state === "ended" ? "Ended" : "Connecting…"}
        </span>
      </div>
      <ol
        className="max-h-[28rem] overflow-y-auto rounded-lg border border-zinc-800 font-mono text-xs"
        aria-live="polite"
        data-testid="event-log"
      >
        {events.length === 0 ? <li className="px-3 py-2 text-zinc-400">No events yet.</li> : null}
        {events.map((event) => (
          <li
            key={event.seq}
            className="flex flex-wrap gap-x-3 border-b border-zinc-900 px-3 py-1.5 last:border-0"
          >
            <span className="w-8 shrink-0 text-right text-zinc-500">{event.seq}</span>
            <span className="text-orange-300">{event.eventType}</span>
            <span className="min-w-0 break-all text-zinc-300">{detail(event)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
