"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { useSpecDocuments, useSpecVersions } from "@/hooks/use-spec-versions";
import { specDocumentNames } from "@/lib/specs/schemas";
import { SpecDiffView } from "./spec-diff";
import { SpecMarkdown } from "./spec-markdown";

const selectClass =
  "rounded-md border border-zinc-700 bg-zinc-900 px-2 py-1.5 text-sm text-zinc-100 focus:border-orange-400 focus:outline-none focus:ring-1 focus:ring-orange-400";

const formatTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** The spec's documents, one tab each, any version of them, and what changed between two. */
export function SpecReview({
  projectId,
  latest,
}: {
  projectId: string;
  latest: { version: number; documents: Record<string, string> };
}) {
  const { versions, error: versionsError } = useSpecVersions(projectId, latest.version);
  const [picked, setPicked] = useState<{ version: number; forLatest: number }>();
  // A new version (regenerated) is shown as soon as it exists.
  const version = picked?.forLatest === latest.version ? picked.version : latest.version;
  const [tab, setTab] = useState<string>(specDocumentNames[0]);
  const [mode, setMode] = useState<"documents" | "changes">("documents");
  const [compareFrom, setCompareFrom] = useState<number>();
  const { documents, error } = useSpecDocuments(projectId, version, latest);
  const from = compareFrom !== undefined && compareFrom < version ? compareFrom : version - 1;
  const summary = versions?.find((v) => v.version === version);
  // The four documents in their usual order, then any others a version holds.
  const names = [
    ...specDocumentNames,
    ...Object.keys(documents ?? {}).filter(
      (name) => !(specDocumentNames as readonly string[]).includes(name),
    ),
  ];

  return (
    <section aria-labelledby="spec-title" className="min-w-0 space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="spec-title" className="text-lg font-semibold">
          Spec
        </h2>
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <label className="flex items-center gap-2 text-zinc-400">
            Version
            <select
              className={selectClass}
              value={version}
              onChange={(event) =>
                setPicked({ version: Number(event.target.value), forLatest: latest.version })
              }
            >
              {(versions ?? [{ version: latest.version, approvedAt: null }]).map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.version === latest.version ? " (latest)" : ""}
                  {v.approvedAt ? " · approved" : ""}
                </option>
              ))}
            </select>
          </label>
          {version > 1 ? (
            <fieldset className="flex rounded-md border border-zinc-700 p-0.5">
              <legend className="sr-only">Show</legend>
              {(["documents", "changes"] as const).map((m) => (
                <button
                  key={m}
                  type="button"
                  aria-pressed={mode === m}
                  onClick={() => setMode(m)}
                  className={`rounded px-2.5 py-1 ${mode === m ? "bg-zinc-800 text-zinc-50" : "text-zinc-400 hover:text-zinc-100"}`}
                >
                  {m === "documents" ? "Documents" : "Changes"}
                </button>
              ))}
            </fieldset>
          ) : null}
        </div>
      </div>

      {summary ? (
        <p className="text-sm text-zinc-400" data-testid="spec-version-info">
          Version {summary.version}, written {formatTime(summary.createdAt)}
          {summary.feedback ? (
            <>
              {" "}
              from the feedback “<span className="text-zinc-300">{summary.feedback}</span>”
            </>
          ) : null}
          {summary.approvedAt ? `; approved ${formatTime(summary.approvedAt)}` : ""}.
        </p>
      ) : null}
      {versionsError || error ? <Alert tone="error">{versionsError ?? error}</Alert> : null}

      {mode === "changes" && version > 1 ? (
        <div className="space-y-3">
          <label className="flex items-center gap-2 text-sm text-zinc-400">
            Compare v{version} with
            <select
              className={selectClass}
              value={from}
              onChange={(event) => setCompareFrom(Number(event.target.value))}
            >
              {Array.from({ length: version - 1 }, (_, i) => version - 1 - i).map((n) => (
                <option key={n} value={n}>
                  v{n}
                </option>
              ))}
            </select>
          </label>
          <SpecDiffView projectId={projectId} from={from} to={version} />
        </div>
      ) : (
        <div className="rounded-lg border border-zinc-800">
          <div
            role="tablist"
            aria-label="Spec documents"
            className="flex overflow-x-auto border-b border-zinc-800"
          >
            {names.map((name) => (
              <button
                key={name}
                type="button"
                role="tab"
                aria-selected={tab === name}
                onClick={() => setTab(name)}
                className={`shrink-0 border-b-2 px-3 py-2 font-mono text-sm ${tab === name ? "border-orange-400 text-zinc-50" : "border-transparent text-zinc-400 hover:text-zinc-100"}`}
              >
                {name}
              </button>
            ))}
          </div>
          <div role="tabpanel" aria-label={tab} className="p-4 sm:p-6">
            {documents ? (
              <SpecMarkdown content={documents[tab] ?? ""} />
            ) : (
              <p className="text-sm text-zinc-400">Loading version {version}…</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
