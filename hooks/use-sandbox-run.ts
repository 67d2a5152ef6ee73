"use client";

import { useCallback, useRef, useState } from "react";
import { postEventStream } from "@/lib/client/event-stream";
import { ApiError, apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { FragmentView, RunResultView, SandboxRunState } from "@/lib/client/ide-types";
import { recallRun, rememberRun } from "@/lib/client/run-memory";
import type { SandboxList } from "@/lib/sandbox/schemas";

// Running fragments, kept by chat (the key of use-chat-session): each chat's progress lines,
// output and result, and the sandbox it runs in, which Kiln keeps with the chat. A chat's last
// run is remembered in this browser, so a reload shows it again while its sandbox still runs.

export type { RunResultView, SandboxRunState };

const maxLogLines = 400;
const idle: SandboxRunState = { status: "idle", log: [] };

export function useSandboxRun() {
  const [runs, setRuns] = useState<Record<string, SandboxRunState>>({});
  // The runs as they are now, for the updates below; `runs` is what the last render saw.
  const store = useRef<Record<string, SandboxRunState>>({});
  const aborts = useRef(new Map<string, AbortController>());

  const replace = useCallback((all: Record<string, SandboxRunState>) => {
    store.current = all;
    setRuns(all);
  }, []);
  const patch = useCallback(
    (key: string, change: (run: SandboxRunState) => SandboxRunState) => {
      const next = change(store.current[key] ?? idle);
      replace({ ...store.current, [key]: next });
      return next;
    },
    [replace],
  );

  const run = useCallback(
    async (key: string, chatId: string | undefined, fragment: FragmentView) => {
      aborts.current.get(key)?.abort();
      const controller = new AbortController();
      aborts.current.set(key, controller);
      patch(key, (previous) => ({ status: "running", log: [], sbxId: previous.sbxId, fragment }));
      const append = (line: string) =>
        patch(key, (s) => ({ ...s, log: [...s.log, line].slice(-maxLogLines) }));
      try {
        await postEventStream(
          "/api/sandbox",
          { fragment, ...(chatId ? { chatId } : {}) },
          (event, data) => {
            const payload = data as { message?: string; text?: string };
            if (event === "progress" && payload.message) append(payload.message);
            else if ((event === "stdout" || event === "stderr") && payload.text)
              append(payload.text);
            else if (event === "result") {
              const result = data as RunResultView;
              patch(key, (s) => ({ ...s, status: "done", result, sbxId: result.sbxId }));
            }
          },
          controller.signal,
        );
      } catch (error) {
        if (controller.signal.aborted) return;
        patch(key, (s) => ({
          ...s,
          status: "failed",
          error: errorMessage(error),
          errorCode: error instanceof ApiError ? error.code : undefined,
        }));
      } finally {
        if (aborts.current.get(key) === controller) aborts.current.delete(key);
      }
      const final = store.current[key];
      if (chatId && final) rememberRun(chatId, final);
    },
    [patch],
  );

  /** A sandbox stopped: the runs in it say so, and a chat runs in a new one next time. */
  const markGone = useCallback(
    (sbxId: string) =>
      replace(
        Object.fromEntries(
          Object.entries(store.current).map(([key, s]) => [
            key,
            s.sbxId === sbxId ? { ...s, isSandboxGone: true } : s,
          ]),
        ),
      ),
    [replace],
  );

  /**
   * A chat opened (or reopened after a reload): its last run as this browser remembers it, if
   * it ran in the sandbox the chat keeps, and whether that sandbox still runs.
   */
  const restore = useCallback(
    async (key: string, chatId: string, sbxId: string | null) => {
      if (aborts.current.has(key)) return;
      const remembered = sbxId ? recallRun(chatId) : undefined;
      const base: SandboxRunState =
        remembered && remembered.sbxId === sbxId
          ? remembered
          : { ...idle, sbxId: sbxId ?? undefined };
      if ((store.current[key]?.status ?? "idle") === "idle") patch(key, () => base);
      if (!sbxId) return;
      const live = await apiFetch<{ status: string }>(`/api/sandbox/${sbxId}`).then(
        (s) => s.status === "running",
        () => false,
      );
      if (!live) markGone(sbxId);
    },
    [patch, markGone],
  );

  /** At the sandbox limit: stops the caller's oldest sandbox, then runs the chat's again. */
  const stopOldestAndRun = useCallback(
    async (key: string, chatId: string | undefined, fragment: FragmentView) => {
      const { sandboxes } = await apiFetch<SandboxList>("/api/sandbox");
      const oldest = sandboxes[0];
      if (oldest) {
        await apiFetch(`/api/sandbox/${oldest.sbxId}`, { method: "DELETE" });
        markGone(oldest.sbxId);
      }
      await run(key, chatId, fragment);
    },
    [markGone, run],
  );

  /** A chat that is gone from the page: its run stops and its state goes. */
  const forget = useCallback(
    (key: string) => {
      aborts.current.get(key)?.abort();
      aborts.current.delete(key);
      const { [key]: _gone, ...rest } = store.current;
      replace(rest);
    },
    [replace],
  );

  const stateOf = (key: string) => runs[key] ?? idle;
  /** Changes whenever a run starts or ends, or a sandbox stops: when to list sandboxes again. */
  const signature = Object.values(runs)
    .map((s) => `${s.sbxId}:${s.status}:${s.isSandboxGone ?? false}`)
    .join(" ");

  return { stateOf, run, restore, markGone, stopOldestAndRun, forget, signature };
}

export type SandboxRuns = ReturnType<typeof useSandboxRun>;
