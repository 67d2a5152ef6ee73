"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { plainError, postV1Step } from "@/lib/client/v1-event-stream";

// A step where a model writes (questions, a spec): it can take tens of seconds, so the page
// follows its progress over SSE, refuses a second submit while it runs, and keeps the error in
// plain words. Leaving the page stops following it; the server finishes or stops on its own.

interface Progress {
  step?: string;
  attempt?: number;
  attempts?: number;
  problems?: string[];
  name?: string;
}

function progressLine(event: string, data: Progress): string | undefined {
  if (event === "document" && data.name) return `Wrote ${data.name}`;
  if (data.step === "asking") {
    return data.attempt && data.attempt > 1
      ? `Asking the model again (attempt ${data.attempt} of ${data.attempts})`
      : "Asking the model";
  }
  if (data.step === "rejected") {
    const count = data.problems?.length ?? 0;
    return `The model's answer had ${count} ${count === 1 ? "problem" : "problems"}; sending ${count === 1 ? "it" : "them"} back`;
  }
  return undefined;
}

export function useModelStep() {
  const [busyLabel, setBusyLabel] = useState<string>();
  const [progress, setProgress] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const running = useRef<AbortController | null>(null);

  useEffect(() => () => running.current?.abort(), []);

  /** Runs the step; undefined when it failed (the error is then in `error`) or is running. */
  const run = useCallback(async <T>(label: string, path: string, body: unknown) => {
    if (running.current) return undefined;
    const controller = new AbortController();
    running.current = controller;
    setBusyLabel(label);
    setProgress([]);
    setError(undefined);
    try {
      return await postV1Step<T>(
        path,
        body,
        (event, data) => {
          const line = progressLine(event, data as Progress);
          if (line) setProgress((lines) => [...lines, line]);
        },
        controller.signal,
      );
    } catch (caught) {
      if (!controller.signal.aborted) setError(plainError(caught));
      return undefined;
    } finally {
      running.current = null;
      setBusyLabel(undefined);
    }
  }, []);

  return { run, busyLabel, isBusy: busyLabel !== undefined, progress, error, setError };
}
