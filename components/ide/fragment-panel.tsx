"use client";

import { useEffect, useState } from "react";
import { type FragmentView, filesOf } from "@/lib/client/ide-types";
import { CodeView } from "./code-view";

// The fragment on show: its card (title, template, description, dependencies) and its files,
// one tab each, in a highlighted code view. While it streams, the newest file is followed.

export function FragmentPanel({
  fragment,
  streaming,
}: {
  fragment: FragmentView | undefined;
  streaming: boolean;
}) {
  const files = fragment ? filesOf(fragment) : [];
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
          ) : null}
        </div>
        {fragment.description ? (
          <p className="mt-1 text-sm text-zinc-400">{fragment.description}</p>
        ) : null}
        {dependencies.length > 0 ? (
          <p className="mt-1 font-mono text-xs text-zinc-500">+ {dependencies.join(", ")}</p>
        ) : null}
      </header>
      <div
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
      <div className="min-h-0 flex-1">
        {file ? <CodeView path={file.file_path} code={file.code} /> : null}
      </div>
    </section>
  );
}
