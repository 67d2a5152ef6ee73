"use client";

import { useEffect, useState } from "react";
import type { useSandboxRun } from "@/hooks/use-sandbox-run";
import type { FragmentView } from "@/lib/client/ide-types";
import { fragmentFiles } from "@/lib/fragments/files";
import { CodeView } from "./code-view";
import { RunOutput } from "./run-output";
import { TerminalPanel } from "./terminal-panel";

// The fragment on show: its card (title, template, description, dependencies, Run) and three
// views: its files, one tab each, in a highlighted code view (the newest followed while it
// streams); what running it produced; and a terminal in its sandbox.

export type View = "code" | "output" | "terminal";

export function FragmentPanel({
  fragment,
  streaming,
  run,
  view,
  onView: setView,
}: {
  fragment: FragmentView | undefined;
  streaming: boolean;
  run: ReturnType<typeof useSandboxRun>;
  view: View;
  onView: (view: View) => void;
}) {
  const files = fragment ? fragmentFiles(fragment) : [];
  const [selected, setSelected] = useState<string>();
  const newest = files.at(-1)?.file_path;

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
  const file = files.find((f) => f.file_path === selected) ?? files[0];
  const dependencies = fragment.additional_dependencies ?? [];

  return (
    <section aria-label="Fragment" className="flex h-full min-h-0 flex-col">
      <header className="border-b border-zinc-800 px-4 py-3" data-testid="fragment-card">
        <div className="flex items-center gap-2">
          <h2 className="truncate font-semibold text-zinc-100">
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
          {streaming ? (
            <span role="status" className="ml-auto animate-pulse text-xs text-orange-300">
              Writing…
            </span>
          ) : (
            <button
              type="button"
              onClick={() => {
                setView("output");
                void run.run(fragment);
              }}
              disabled={run.status === "running"}
              className="ml-auto rounded bg-orange-500 px-3 py-1 text-sm font-medium text-zinc-950 hover:bg-orange-400 disabled:opacity-50"
            >
              {run.status === "running" ? "Running…" : "Run"}
            </button>
          )}
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
          <RunOutput run={run} />
        </div>
      ) : null}
      {view === "terminal" ? (
        <div className="min-h-0 flex-1">
          <TerminalPanel sbxId={run.sbxId} />
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
        {file ? <CodeView path={file.file_path} code={file.code} /> : null}
      </div>
    </section>
  );
}
