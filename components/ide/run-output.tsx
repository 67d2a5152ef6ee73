"use client";

import type { SandboxRunState } from "@/hooks/use-sandbox-run";
import { PreviewPane } from "./preview-pane";

// What a run produced: its progress while it runs, then either the live preview of a web app
// (on its own origin, so the app can never act as the signed-in user: preview-pane.tsx) or the
// output cells of a code-interpreter run.

export function RunOutput({
  run,
  isOutdated = false,
  onStopOldest,
}: {
  run: SandboxRunState;
  /** The output is of an older version than the one on show. */
  isOutdated?: boolean;
  /** At the sandbox limit: stop the oldest sandbox and run again. */
  onStopOldest?: () => void;
}) {
  if (run.status === "idle") {
    return (
      <p className="p-8 text-center text-sm text-zinc-400">
        Press Run to start the app in a sandbox.
      </p>
    );
  }
  const result = run.result;
  if (run.status !== "done" || !result) {
    return (
      <div className="flex h-full flex-col gap-2 p-4">
        {run.status === "failed" ? (
          <div role="alert" className="rounded bg-red-950 px-3 py-2 text-sm text-red-200">
            <p>{run.error}</p>
            {run.errorCode === "sandbox_limit" && onStopOldest ? (
              <button
                type="button"
                onClick={onStopOldest}
                className="mt-2 rounded bg-red-200 px-3 py-1 text-xs font-medium text-red-950 hover:bg-white"
              >
                Stop the oldest
              </button>
            ) : null}
          </div>
        ) : (
          <p role="status" className="flex items-center gap-2 text-sm text-orange-300">
            <span aria-hidden="true" className="h-2 w-2 animate-pulse rounded-full bg-orange-400" />
            Starting…
          </p>
        )}
        <RunLog lines={run.log} />
      </div>
    );
  }
  return (
    <div className="flex h-full min-h-0 flex-col">
      {isOutdated || run.isSandboxGone ? (
        <p
          role="status"
          data-testid="run-outdated"
          className="border-b border-zinc-800 bg-zinc-900 px-3 py-1.5 text-xs text-zinc-300"
        >
          {run.isSandboxGone
            ? "This output’s sandbox has stopped. Run starts a new one."
            : "Out of date: this output is of an older version. Run to update it."}
        </p>
      ) : null}
      {result.warnings.map((warning) => (
        <p key={warning} className="bg-amber-950 px-3 py-1 text-xs text-amber-200">
          {warning}
        </p>
      ))}
      {result.url ? (
        run.isSandboxGone ? null : (
          <PreviewPane url={result.url} />
        )
      ) : (
        <Cells result={result} />
      )}
    </div>
  );
}

function Cells({ result }: { result: NonNullable<SandboxRunState["result"]> }) {
  const error = result.runtimeError;
  return (
    <div className="min-h-0 flex-1 space-y-3 overflow-auto p-4 font-mono text-xs">
      {result.stdout ? (
        <pre data-testid="run-stdout" className="whitespace-pre-wrap text-zinc-200">
          {result.stdout}
        </pre>
      ) : null}
      {result.stderr ? (
        <pre className="whitespace-pre-wrap text-amber-300">{result.stderr}</pre>
      ) : null}
      {error ? (
        <pre role="alert" className="whitespace-pre-wrap rounded bg-red-950 p-2 text-red-200">
          {`${error.name}: ${error.value}\n${error.traceback}`}
        </pre>
      ) : null}
      {(result.cellResults ?? []).map((cell, index) =>
        "png" in cell ? (
          // biome-ignore lint/performance/noImgElement: a data URL chart, nothing to optimise
          <img
            // biome-ignore lint/suspicious/noArrayIndexKey: cells have no identity but order
            key={index}
            alt={`Chart ${index + 1}`}
            src={`data:image/png;base64,${cell.png}`}
            className="max-w-full rounded bg-white"
          />
        ) : (
          <pre
            // biome-ignore lint/suspicious/noArrayIndexKey: cells have no identity but order
            key={index}
            data-testid="run-cell"
            className="whitespace-pre-wrap rounded bg-zinc-900 p-2 text-emerald-300"
          >
            {cell.text}
          </pre>
        ),
      )}
      {!result.stdout && !result.stderr && !error && (result.cellResults ?? []).length === 0 ? (
        <p className="text-zinc-400">The code ran and printed nothing.</p>
      ) : null}
    </div>
  );
}

function RunLog({ lines }: { lines: string[] }) {
  if (lines.length === 0) return null;
  return (
    <pre className="min-h-0 flex-1 overflow-auto whitespace-pre-wrap rounded bg-zinc-900 p-2 font-mono text-xs text-zinc-400">
      {lines.join("\n")}
    </pre>
  );
}
