"use client";

import { useEffect, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { errorMessage, v1Fetch } from "@/lib/client/fetch-json";
import { formatSize } from "@/lib/client/format-size";
import type { Export } from "@/lib/exports/schemas";
import type { RunDetail } from "@/lib/runs/schemas";

// Export as zip: asks for the export, follows it while it is made (the time it has taken so
// far, with an indeterminate bar: the zip's size is known only at the end), then offers the
// download with its size.

export function RunExport({ run }: { run: RunDetail }) {
  const [made, setMade] = useState<Export>();
  const [error, setError] = useState<string>();
  const [isAsking, setIsAsking] = useState(false);
  const [seconds, setSeconds] = useState(0);
  const projectBase = `/api/v1/projects/${run.projectId}`;
  const isProcessing = made?.status === "processing";

  // While the zip is made: read its status twice a second and count the seconds.
  useEffect(() => {
    if (made?.status !== "processing") return;
    const started = Date.now();
    const tick = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    const poll = setInterval(async () => {
      try {
        const now = await v1Fetch<Export>(`${projectBase}/exports/${made.id}`);
        if (now.status !== "processing") setMade(now);
      } catch (caught) {
        setError(errorMessage(caught));
        setMade(undefined);
      }
    }, 500);
    return () => {
      clearInterval(tick);
      clearInterval(poll);
    };
  }, [made, projectBase]);

  async function ask() {
    setIsAsking(true);
    setError(undefined);
    setSeconds(0);
    try {
      setMade(
        await v1Fetch<Export>(`${projectBase}/export`, {
          method: "POST",
          json: { runId: run.id, format: "zip" },
        }),
      );
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setIsAsking(false);
    }
  }

  return (
    <section aria-labelledby="export-title" className="min-w-0 space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="export-title" className="text-lg font-semibold">
          Export
        </h2>
        <Button variant="secondary" disabled={isAsking || isProcessing} onClick={() => void ask()}>
          {made?.status === "completed" ? "Export again" : "Export as zip"}
        </Button>
      </div>
      {error ? <Alert tone="error">{error}</Alert> : null}
      {isProcessing ? (
        <div className="space-y-2" data-testid="export-progress">
          <p className="text-sm text-zinc-300" aria-live="polite">
            Making {made.fileName}… {seconds > 0 ? `${seconds} s` : ""}
          </p>
          <div
            className="h-2 overflow-hidden rounded-full bg-zinc-800"
            role="progressbar"
            aria-label="Making the zip"
            aria-valuetext="in progress"
          >
            <div className="h-full w-1/3 animate-pulse rounded-full bg-orange-400" />
          </div>
        </div>
      ) : null}
      {made?.status === "completed" && made.downloadUrl ? (
        <p className="flex flex-wrap items-center gap-3 text-sm text-zinc-300" aria-live="polite">
          <span>
            {made.fileName} is ready
            {made.sizeBytes !== null ? ` (${formatSize(made.sizeBytes)})` : ""}, until{" "}
            {new Date(made.expiresAt).toLocaleString()}.
          </span>
          <a
            href={made.downloadUrl}
            download={made.fileName}
            className="rounded-md bg-orange-500 px-3 py-2 font-medium text-black hover:bg-orange-400"
          >
            Download
          </a>
        </p>
      ) : null}
      {made?.status === "failed" ? (
        <Alert tone="error">The zip could not be made: {made.error ?? "unknown reason"}</Alert>
      ) : null}
    </section>
  );
}
