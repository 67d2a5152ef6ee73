"use client";

import { useEffect, useMemo, useState } from "react";
import { changedLines } from "@/lib/client/changed-lines";
import type { FragmentView, SandboxRunState } from "@/lib/client/ide-types";
import { fragmentFiles } from "@/lib/fragments/files";
import { CodeView } from "./code-view";
import { RunControls } from "./run-controls";
import { RunOutput } from "./run-output";
import { TerminalPanel } from "./terminal-panel";

// The fragment on show: its card (title, template, description, dependencies, Run) and three
// views: its files, one tab each, in a highlighted code view (the newest followed while it
// streams); what running it produced; and a terminal in its sandbox.

export type View = "code" | "output" | "terminal";

/** Whether two versions of a fragment run the same: same template, same files. */
export const sameVersion = (a: FragmentView | undefined, b: FragmentView | undefined) =>
  Boolean(a && b) &&
  a?.template === b?.template &&
  JSON.stringify(fragmentFiles(a ?? {})) === JSON.stringify(fragmentFiles(b ?? {}));

export function FragmentPanel({
  fragment,
  streaming,
  run,
  onRun,
  onStopOldest,
  unrunnable,
  current,
  previous,
  autoRun,
  onAutoRun,
  view,
  onView: setView,
}: {
  fragment: FragmentView | undefined;
  streaming: boolean;
  run: SandboxRunState;
  onRun: (fragment: FragmentView) => void;
  onStopOldest: () => void;
  /** Why the fragment on show cannot run (a failed or stopped attempt). */
  unrunnable: string | undefined;
  /** The newest finished version, runnable when the one on show is not. */
  current: FragmentView | undefined;
  /** The finished version before the one on show: its changed lines are highlighted. */
  previous: FragmentView | undefined;
  autoRun: boolean;
  onAutoRun: (on: boolean) => void;
  view: View;
  onView: (view: View) => void;
}) {
  const files = fragment ? fragmentFiles(fragment) : [];
  const [selected, setSelected] = useState<string>();
  const newest = files.at(-1)?.file_path;
  const file = files.find((f) => f.file_path === selected) ?? files[0];
  const before = previous
    ? (fragmentFiles(previous).find((f) => f.file_path === file?.file_path)?.code ?? "")
    : undefined;
  const code = file?.code;
  const changed = useMemo(
    () => (before === undefined || code === undefined ? [] : changedLines(before, code)),
    [before, code],
  );

  useEffect(() => {
    if (streaming && newest) setSelected(newest);
  }, [streaming, newest]);

  if (!fragment) {
    return (
      <div className="flex h-full items-center justify-center p-8 text-center text-sm text-zinc-500">
        <p>The app the model writes appears here: its files, as they are written.</p>
      </div>
    );
  }
  const dependencies = fragment.additional_dependencies ?? [];

  return (
    <section aria-label="Fragment" className="flex h-full min-h-0 flex-col">
      <header className="border-b border-zinc-800 px-4 py-3" data-testid="fragment-card">
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="min-w-0 truncate font-semibold text-zinc-100">
            {fragment.title || "Untitled app"}
          </h2>
          {fragment.template ? (
            <span className="rounded bg-zinc-800 px-2 py-0.5 font-mono text-xs text-orange-300">
              {fragment.template}
            </span>
          ) : null}
          {fragment.port ? (
            <span className="text-xs text-zinc-500">port {fragment.port}</span>
          ) : null}
          <RunControls
            fragment={fragment}
            streaming={streaming}
            isRunning={run.status === "running"}
            unrunnable={unrunnable}
            current={current}
            autoRun={autoRun}
            onAutoRun={onAutoRun}
            onRun={(version) => {
              setView("output");
              onRun(version);
            }}
          />
        </div>
        {fragment.description ? (
          <p className="mt-1 text-sm text-zinc-400">{fragment.description}</p>
        ) : null}
        {dependencies.length > 0 ? (
          <p className="mt-1 font-mono text-xs text-zinc-500">+ {dependencies.join(", ")}</p>
        ) : null}
      </header>
      <div role="tablist" aria-label="View" className="flex gap-1 border-b border-zinc-800 px-2">
        {(["code", "output", "terminal"] as const).map((v) => (
          <button
            key={v}
            type="button"
            role="tab"
            aria-selected={view === v}
            onClick={() => setView(v)}
            className={`px-3 py-1.5 text-xs capitalize ${
              view === v ? "text-zinc-100" : "text-zinc-500 hover:text-zinc-300"
            }`}
          >
            {v === "output" && fragment.port ? "preview" : v}
          </button>
        ))}
      </div>
      {view === "output" ? (
        <div className="min-h-0 flex-1">
          <RunOutput
            run={run}
            isOutdated={run.status === "done" && !sameVersion(run.fragment, fragment)}
            onStopOldest={onStopOldest}
          />
        </div>
      ) : null}
      {view === "terminal" ? (
        <div className="min-h-0 flex-1">
          <TerminalPanel sbxId={run.isSandboxGone ? undefined : run.sbxId} />
        </div>
      ) : null}
      <div
        hidden={view !== "code"}
        role="tablist"
        aria-label="Files"
        className="flex gap-1 overflow-x-auto border-b border-zinc-800 px-2"
      >
        {files.map((f) => (
          <button
            key={f.file_path}
            type="button"
            role="tab"
            aria-selected={f.file_path === file?.file_path}
            onClick={() => setSelected(f.file_path)}
            className={`whitespace-nowrap border-b-2 px-3 py-2 font-mono text-xs ${
              f.file_path === file?.file_path
                ? "border-orange-400 text-zinc-100"
                : "border-transparent text-zinc-500 hover:text-zinc-300"
            }`}
          >
            {f.file_path}
          </button>
        ))}
      </div>
      <div hidden={view !== "code"} className="min-h-0 flex-1">
        {file ? <CodeView path={file.file_path} code={file.code} changedLines={changed} /> : null}
      </div>
    </section>
  );
}
