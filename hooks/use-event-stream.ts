"use client";

import { useEffect, useState } from "react";

export interface StreamedEvent {
  seq: number;
  eventType: string;
  taskId: string | null;
  createdAt: string;
  data: Record<string, unknown>;
}

const finalTypes = new Set(["RUN_SUCCEEDED", "RUN_FAILED", "RUN_CANCELLED"]);

/**
 * A run's events over SSE: every event once and in order, from the first. EventSource
 * reconnects by itself with Last-Event-ID; when it gives up (the server refused or went away),
 * this opens a new one with `?after=` the last sequence number seen, so nothing is missed, and
 * anything sent twice across a reconnect is dropped by its sequence number. The stream is
 * closed for good after the run's final event (EventSource would otherwise reopen it).
 */
export function useEventStream(url: string, types: readonly string[]) {
  const [events, setEvents] = useState<StreamedEvent[]>([]);
  const [state, setState] = useState<"connecting" | "live" | "ended">("connecting");

  useEffect(() => {
    let last = 0;
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    setEvents([]);
    const onEvent = (message: MessageEvent<string>) => {
      const seq = Number(message.lastEventId);
      if (!Number.isInteger(seq) || seq <= last) return;
      last = seq;
      const data = JSON.parse(message.data) as Record<string, unknown>;
      const event: StreamedEvent = {
        seq,
        eventType: message.type,
        taskId: (data.taskId as string | null) ?? null,
        createdAt: String(data.createdAt ?? ""),
        data,
      };
      setEvents((previous) => [...previous, event]);
      if (finalTypes.has(message.type)) {
        done = true;
        source?.close();
        setState("ended");
      }
    };
    const open = () => {
      source = new EventSource(`${url}${last ? `?after=${last}` : ""}`);
      source.onopen = () => setState("live");
      for (const type of types) source.addEventListener(type, onEvent);
      source.onerror = () => {
        if (done || source?.readyState !== EventSource.CLOSED) return;
        setState("connecting");
        retry = setTimeout(open, 2000);
      };
    };
    open();
    return () => {
      done = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [url, types]);

  return { events, state };
}
