"use client";

import { useCallback, useEffect, useState } from "react";
import { CodeView } from "@/components/ide/code-view";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { errorMessage, v1Fetch } from "@/lib/client/fetch-json";
import { formatSize } from "@/lib/client/format-size";
import type { DirectoryListing, FileContent } from "@/lib/project-files/schemas";
import { runBranch, taskBranch } from "@/lib/runs/event-types";
import type { RunDetail } from "@/lib/runs/schemas";

// The run's files at any ref: its result, one of its tasks' branches, the commit it started
// from, or main; a directory at a time, a file in the code viewer (images shown, other binary
// files named with their size).

const imageTypes: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

interface RefChoice {
  value: string;
  label: string;
}

/** The refs worth browsing for this run, the most useful first. */
export function runRefs(run: RunDetail): RefChoice[] {
  const refs: RefChoice[] = [];
  if (run.resultCommit) {
    refs.push({ value: run.resultCommit, label: `Result (${run.resultCommit.slice(0, 7)})` });
  }
  refs.push({ value: runBranch(run.runNumber), label: `Run branch ${runBranch(run.runNumber)}` });
  for (const task of run.tasks) {
    refs.push({ value: taskBranch(task), label: `Task ${task.sequence}: ${task.slug}` });
  }
  if (run.baseCommit) {
    refs.push({ value: run.baseCommit, label: `Start (${run.baseCommit.slice(0, 7)})` });
  }
  refs.push({ value: "main", label: "main" });
  return refs;
}

export function RunFiles({ run }: { run: RunDetail }) {
  const refs = runRefs(run);
  // Until the user picks one: the run's result once there is one (it moves there when the run
  // ends), else the commit it started from, which exists from the start.
  const [chosen, setChosen] = useState<string>();
  const ref = chosen ?? run.resultCommit ?? run.baseCommit ?? "main";
  const [dir, setDir] = useState("");
  const [listing, setListing] = useState<DirectoryListing>();
  const [file, setFile] = useState<FileContent>();
  const [error, setError] = useState<string>();
  const [isLoading, setIsLoading] = useState(false);
  const filesBase = `/api/v1/projects/${run.projectId}/files`;

  const load = useCallback(async () => {
    setIsLoading(true);
    setError(undefined);
    try {
      const query = new URLSearchParams({ ref, path: dir });
      setListing(await v1Fetch<DirectoryListing>(`${filesBase}?${query}`));
    } catch (caught) {
      setListing(undefined);
      setError(errorMessage(caught));
    } finally {
      setIsLoading(false);
    }
  }, [filesBase, ref, dir]);

  useEffect(() => {
    void load();
  }, [load]);

  async function open(path: string) {
    setError(undefined);
    try {
      const encoded = path.split("/").map(encodeURIComponent).join("/");
      setFile(
        await v1Fetch<FileContent>(`${filesBase}/${encoded}?${new URLSearchParams({ ref })}`),
      );
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }

  const parts = dir === "" ? [] : dir.split("/");
  const extension = file?.path.split(".").pop()?.toLowerCase() ?? "";
  return (
    <section aria-labelledby="files-title" className="min-w-0 space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="files-title" className="text-lg font-semibold">
          Files
        </h2>
        <div className="flex min-w-0 items-end gap-2">
          <div className="min-w-0 space-y-1">
            <label htmlFor="files-ref" className="block text-xs font-medium text-zinc-400">
              At
            </label>
            <select
              id="files-ref"
              className="block w-full max-w-72 truncate rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 focus:border-orange-400 focus:outline-none focus:ring-1 focus:ring-orange-400"
              value={ref}
              onChange={(event) => {
                setChosen(event.target.value);
                setFile(undefined);
              }}
            >
              {refs.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          <Button variant="secondary" onClick={() => void load()} disabled={isLoading}>
            Refresh
          </Button>
        </div>
      </div>
      {error ? <Alert tone="error">{error}</Alert> : null}
      <div className="grid min-w-0 gap-4 lg:grid-cols-[16rem_minmax(0,1fr)]">
        <nav aria-label="Files of the run" className="min-w-0 rounded-lg border border-zinc-800">
          <ol className="flex flex-wrap gap-1 border-b border-zinc-800 px-3 py-2 text-xs">
            <li>
              <button
                type="button"
                className="text-zinc-300 hover:text-orange-300"
                onClick={() => setDir("")}
              >
                root
              </button>
            </li>
            {parts.map((part, index) => (
              <li key={parts.slice(0, index + 1).join("/")} className="flex gap-1">
                <span className="text-zinc-600">/</span>
                <button
                  type="button"
                  className="break-all text-zinc-300 hover:text-orange-300"
                  onClick={() => setDir(parts.slice(0, index + 1).join("/"))}
                >
                  {part}
                </button>
              </li>
            ))}
          </ol>
          <ul className="max-h-96 overflow-y-auto py-1 text-sm" data-testid="run-file-list">
            {listing && listing.entries.length === 0 ? (
              <li className="px-3 py-1.5 text-zinc-400">Nothing here.</li>
            ) : null}
            {listing?.entries.map((entry) => {
              const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
              return (
                <li key={entry.name}>
                  <button
                    type="button"
                    className={`flex w-full min-w-0 items-baseline justify-between gap-2 px-3 py-1.5 text-left hover:bg-zinc-900 ${
                      file?.path === path ? "bg-zinc-900 text-orange-300" : "text-zinc-200"
                    }`}
                    aria-current={file?.path === path ? "true" : undefined}
                    onClick={() => (entry.type === "directory" ? setDir(path) : void open(path))}
                  >
                    <span className="min-w-0 break-all">
                      {entry.type === "directory" ? `${entry.name}/` : entry.name}
                    </span>
                    {entry.size !== undefined ? (
                      <span className="shrink-0 text-xs text-zinc-500">
                        {formatSize(entry.size)}
                      </span>
                    ) : null}
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="min-w-0">
          {!file ? (
            <p className="rounded-lg border border-dashed border-zinc-800 px-4 py-8 text-center text-sm text-zinc-400">
              Choose a file to read it.
            </p>
          ) : file.encoding === "utf-8" ? (
            <div className="h-96 min-w-0 overflow-hidden rounded-lg border border-zinc-800">
              <CodeView path={file.path} code={file.content} />
            </div>
          ) : imageTypes[extension] ? (
            // biome-ignore lint/performance/noImgElement: a data URL of the repository's own file
            <img
              src={`data:${imageTypes[extension]};base64,${file.content}`}
              alt={file.path}
              className="max-h-96 max-w-full rounded-lg border border-zinc-800"
            />
          ) : (
            <p className="rounded-lg border border-zinc-800 px-4 py-8 text-sm text-zinc-300">
              {file.path} is a binary file of {formatSize(file.size)}.
            </p>
          )}
          {file ? (
            <p className="mt-2 text-xs text-zinc-500" data-testid="run-file-caption">
              {file.path} at {file.commitSha.slice(0, 7)} · {formatSize(file.size)}
            </p>
          ) : null}
        </div>
      </div>
    </section>
  );
}
