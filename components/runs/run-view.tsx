"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useEventStream } from "@/hooks/use-event-stream";
import { errorMessage, v1Fetch } from "@/lib/client/fetch-json";
import { runEventTypes } from "@/lib/runs/event-types";
import { activeRunStatuses, type RunDetail } from "@/lib/runs/schemas";
import { EventLog } from "./event-log";
import { RunExport } from "./run-export";
import { RunFiles } from "./run-files";
import { RunStatusBadge } from "./run-status-badge";
import { TaskList } from "./task-list";

/**
 * A build run: its tasks and their progress, its events live, and cancel, retry or replay (a new
 * run answered from this one's recorded model answers: the same tasks and files, no tokens).
 */
export function RunView({ initial }: { initial: RunDetail }) {
  const router = useRouter();
  const [run, setRun] = useState(initial);
  const [error, setError] = useState<string>();
  const [isBusy, setIsBusy] = useState(false);
  const base = `/api/v1/projects/${run.projectId}/runs/${run.id}`;
  const { events, state } = useEventStream(`${base}/events/stream`, runEventTypes);

  const reload = useCallback(async () => {
    try {
      setRun(await v1Fetch<RunDetail>(base));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, [base]);

  // Statuses change with the events: read the run again after each burst of them.
  const seen = useRef(0);
  useEffect(() => {
    if (events.length === seen.current) return;
    seen.current = events.length;
    const timer = setTimeout(reload, 250);
    return () => clearTimeout(timer);
  }, [events.length, reload]);

  async function act(action: "cancel" | "retry" | "replay") {
    setIsBusy(true);
    setError(undefined);
    try {
      const result = await v1Fetch<{ id: string }>(`${base}/${action}`, {
        method: "POST",
        json: {},
      });
      if (action === "cancel") await reload();
      else router.push(`/projects/${run.projectId}/runs/${result.id}`);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setIsBusy(false);
    }
  }

  const isActive = activeRunStatuses.includes(run.status);
  return (
    <div className="min-w-0 space-y-8">
      <header className="space-y-3">
        <Link
          href={`/projects/${run.projectId}`}
          className="text-sm text-zinc-400 hover:text-zinc-100"
        >
          ← Project
        </Link>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-2xl font-semibold tracking-tight">Build #{run.runNumber}</h1>
            <RunStatusBadge status={run.status} />
          </div>
          <div className="flex gap-2">
            {isActive ? (
              <Button variant="danger" disabled={isBusy} onClick={() => act("cancel")}>
                Cancel build
              </Button>
            ) : null}
            {run.status === "failed" || run.status === "cancelled" ? (
              <Button disabled={isBusy} onClick={() => act("retry")}>
                Retry
              </Button>
            ) : null}
            {isActive ? null : (
              <Button
                variant="secondary"
                disabled={isBusy}
                title="Build again from this run's recorded model answers, without asking the model"
                onClick={() => act("replay")}
              >
                Replay
              </Button>
            )}
          </div>
        </div>
        <p className="text-xs text-zinc-400">
          From spec version {run.specVersion} · {run.tokensUsed.toLocaleString()} tokens used
          {run.replayOf ? (
            <>
              {" · "}
              <Link
                href={`/projects/${run.projectId}/runs/${run.replayOf}`}
                className="underline hover:text-zinc-100"
              >
                replays an earlier build
              </Link>{" "}
              from its recorded model answers
            </>
          ) : null}
        </p>
      </header>
      {error ? <Alert tone="error">{error}</Alert> : null}
      {run.error ? (
        <Alert tone={run.status === "cancelled" ? "warning" : "error"}>{run.error}</Alert>
      ) : null}
      <div className="grid min-w-0 gap-8 lg:grid-cols-2">
        <TaskList run={run} />
        <EventLog events={events} state={state} />
      </div>
      <RunFiles run={run} />
      <RunExport run={run} />
    </div>
  );
}
