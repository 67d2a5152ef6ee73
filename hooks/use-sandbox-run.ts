"use client";

import { useCallback, useRef, useState } from "react";
import { postEventStream } from "@/lib/client/event-stream";
import { ApiError, errorMessage } from "@/lib/client/fetch-json";
import type { FragmentView } from "@/lib/client/ide-types";
import type {
  InterpreterRunResult,
  RunFragmentResult,
  WebRunResult,
} from "@/lib/sandbox/result-schemas";

// Running the fragment on show: POST /api/sandbox in its streamed form, keeping the progress
// lines and output as they come, then the result (output cells or a preview URL). The sandbox
// is reused for the next run of the same template, so state and installed packages carry over.

/** A run's result (lib/sandbox/result-schemas.ts), either shape; the other's fields are absent. */
export type RunResultView = RunFragmentResult & Partial<InterpreterRunResult & WebRunResult>;

export interface SandboxRunState {
  status: "idle" | "running" | "done" | "failed";
  log: string[];
  result?: RunResultView;
  error?: string;
  sbxId?: string;
}

const maxLogLines = 400;

export function useSandboxRun() {
  const [state, setState] = useState<SandboxRunState>({ status: "idle", log: [] });
  const abort = useRef<AbortController | null>(null);
  const sandboxes = useRef(new Map<string, string>());

  const run = useCallback(async (fragment: FragmentView) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    const template = fragment.template ?? "";
    setState((previous) => ({ status: "running", log: [], sbxId: previous.sbxId }));
    const append = (line: string) =>
      setState((s) => ({ ...s, log: [...s.log, line].slice(-maxLogLines) }));
    const attempt = (sbxId: string | undefined) =>
      postEventStream(
        "/api/sandbox",
        { fragment, ...(sbxId ? { sbxId } : {}) },
        (event, data) => {
          const payload = data as { message?: string; text?: string };
          if (event === "progress" && payload.message) append(payload.message);
          else if ((event === "stdout" || event === "stderr") && payload.text) append(payload.text);
          else if (event === "result") {
            const result = data as RunResultView;
            sandboxes.current.set(result.template, result.sbxId);
            setState((s) => ({ ...s, status: "done", result, sbxId: result.sbxId }));
          }
        },
        controller.signal,
      );
    const sbxId = sandboxes.current.get(template);
    try {
      try {
        await attempt(sbxId);
      } catch (error) {
        // The sandbox expired or was deleted since the last run: run in a new one.
        if (!sbxId || !(error instanceof ApiError) || error.status !== 404) throw error;
        sandboxes.current.delete(template);
        await attempt(undefined);
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      sandboxes.current.delete(template);
      setState((s) => ({ ...s, status: "failed", error: errorMessage(error) }));
    }
  }, []);

  const reset = useCallback(() => {
    abort.current?.abort();
    setState((s) => ({ status: "idle", log: [], sbxId: s.sbxId }));
  }, []);

  return { ...state, run, reset };
}
