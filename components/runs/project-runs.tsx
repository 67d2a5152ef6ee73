"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useLoaded } from "@/hooks/use-loaded";
import { errorMessage, v1Fetch, v1FetchPage } from "@/lib/client/fetch-json";
import type { RunListItem, StartedRun } from "@/lib/runs/schemas";
import { RunStatusBadge } from "./run-status-badge";

/** A project's builds, newest first, and a button to start one once its spec is approved. */
export function ProjectRuns({ projectId, canStart }: { projectId: string; canStart: boolean }) {
  const router = useRouter();
  const base = `/api/v1/projects/${projectId}/runs`;
  const load = useCallback(async () => (await v1FetchPage<RunListItem>(base)).items, [base]);
  const { data: runs, error } = useLoaded(load);
  const [startError, setStartError] = useState<string>();
  const [isStarting, setIsStarting] = useState(false);

  async function start() {
    setIsStarting(true);
    setStartError(undefined);
    try {
      const run = await v1Fetch<StartedRun>(base, { method: "POST", json: {} });
      router.push(`/projects/${projectId}/runs/${run.id}`);
    } catch (caught) {
      setStartError(errorMessage(caught));
      setIsStarting(false);
    }
  }

  if (!canStart && runs?.length === 0) return null;
  return (
    <section aria-labelledby="runs-title" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="runs-title" className="text-lg font-semibold">
          Builds
        </h2>
        {canStart ? (
          <Button disabled={isStarting} onClick={start}>
            {isStarting ? "Starting…" : "Start build"}
          </Button>
        ) : null}
      </div>
      {error || startError ? <Alert tone="error">{startError ?? error}</Alert> : null}
      {runs?.length ? (
        <ul className="divide-y divide-zinc-800 rounded-lg border border-zinc-800">
          {runs.map((run) => (
            <li key={run.id}>
              <Link
                href={`/projects/${projectId}/runs/${run.id}`}
                className="flex flex-wrap items-center gap-3 px-4 py-3 hover:bg-zinc-900"
              >
                <span className="font-medium">Build #{run.runNumber}</span>
                <RunStatusBadge status={run.status} />
                <span className="text-sm text-zinc-400">
                  {run.tasksSummary.succeeded} of {run.tasksSummary.total} tasks
                </span>
                <span className="ml-auto text-xs text-zinc-500">
                  {new Date(run.startedAt).toLocaleString()}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      ) : runs ? (
        <p className="text-sm text-zinc-400">No builds yet.</p>
      ) : null}
    </section>
  );
}
