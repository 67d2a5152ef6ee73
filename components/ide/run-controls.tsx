"use client";

import type { FragmentView } from "@/lib/client/ide-types";

// Run, on the fragment's card: "Writing…" while the model writes, disabled with the reason on
// a version that failed or was stopped half-written (the last valid version stays runnable),
// and the Auto-run switch; Deploy beside Run for an app that serves a page.

export function RunControls({
  fragment,
  streaming,
  isRunning,
  unrunnable,
  current,
  autoRun,
  onAutoRun,
  onRun,
  onShowOutput,
  onDeploy,
  isDeploying,
}: {
  fragment: FragmentView;
  streaming: boolean;
  isRunning: boolean;
  unrunnable: string | undefined;
  current: FragmentView | undefined;
  autoRun: boolean;
  onAutoRun: (on: boolean) => void;
  onRun: (fragment: FragmentView) => void;
  /** Run pressed while a run (an auto-run, say) is going: it shows that run's output. */
  onShowOutput: () => void;
  /** Deploys the newest valid version; absent for an app that serves no page. */
  onDeploy?: ((fragment: FragmentView) => void) | undefined;
  isDeploying: boolean;
}) {
  const button =
    "rounded bg-orange-500 px-3 py-1 text-sm font-medium text-black hover:bg-orange-400 disabled:cursor-not-allowed disabled:opacity-50";
  return (
    <div className="ml-auto flex shrink-0 items-center gap-3">
      <label className="flex items-center gap-1.5 text-xs text-zinc-400">
        <input
          type="checkbox"
          checked={autoRun}
          onChange={(event) => onAutoRun(event.target.checked)}
          className="accent-orange-500"
        />
        Auto-run
      </label>
      {onDeploy && current && !streaming ? (
        <button
          type="button"
          onClick={() => onDeploy(current)}
          disabled={isDeploying}
          title="Keep this app running at an address of its own (Deployments lists it)"
          className="rounded border border-zinc-700 px-3 py-1 text-sm font-medium text-zinc-200 hover:bg-zinc-800 disabled:cursor-progress disabled:opacity-60"
        >
          {isDeploying ? "Deploying…" : "Deploy"}
        </button>
      ) : null}
      {streaming ? (
        <span role="status" className="inline-flex items-center gap-1.5 text-xs text-orange-300">
          {/* Only the dot pulses: text fading in and out would drop below readable contrast. */}
          <span
            aria-hidden="true"
            className="h-1.5 w-1.5 animate-pulse rounded-full bg-orange-400"
          />
          Writing…
        </span>
      ) : unrunnable ? (
        <>
          <span id="run-disabled-reason" className="max-w-56 text-xs text-zinc-400">
            This version can’t run: {unrunnable}
          </span>
          {current ? (
            <button
              type="button"
              onClick={() => (isRunning ? onShowOutput() : onRun(current))}
              aria-disabled={isRunning}
              className={`${button} aria-disabled:cursor-progress aria-disabled:opacity-60`}
            >
              {isRunning ? "Running…" : "Run last valid version"}
            </button>
          ) : (
            <button
              type="button"
              disabled
              aria-describedby="run-disabled-reason"
              className={button}
            >
              Run
            </button>
          )}
        </>
      ) : (
        // aria-disabled rather than disabled while it runs: a disabled button drops the
        // keyboard focus to the page, and the focus stays on Run.
        <button
          type="button"
          onClick={() => (isRunning ? onShowOutput() : onRun(fragment))}
          aria-disabled={isRunning}
          className={`${button} aria-disabled:cursor-progress aria-disabled:opacity-60`}
        >
          {isRunning ? "Running…" : "Run"}
        </button>
      )}
    </div>
  );
}
