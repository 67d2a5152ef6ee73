"use client";

import { useEffect, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { v1Fetch } from "@/lib/client/fetch-json";
import { plainError } from "@/lib/client/v1-event-stream";

interface SpecDiff {
  from: number;
  to: number;
  documents: { name: string; changed: boolean; diff: string }[];
}

const lineTone = (line: string) => {
  if (line.startsWith("@@")) return "bg-sky-950/40 text-sky-300";
  if (line.startsWith("+")) return "bg-emerald-950/60 text-emerald-200";
  if (line.startsWith("-")) return "bg-red-950/60 text-red-200";
  return "text-zinc-400";
};

/** What changed between two versions, document by document, as a coloured unified diff. */
export function SpecDiffView({
  projectId,
  from,
  to,
}: {
  projectId: string;
  from: number;
  to: number;
}) {
  const [diff, setDiff] = useState<SpecDiff>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let isCurrent = true;
    setDiff(undefined);
    setError(undefined);
    v1Fetch<SpecDiff>(`/api/v1/projects/${projectId}/spec/diff?from=${from}&to=${to}`)
      .then((result) => isCurrent && setDiff(result))
      .catch((caught) => isCurrent && setError(plainError(caught)));
    return () => {
      isCurrent = false;
    };
  }, [projectId, from, to]);

  if (error) return <Alert tone="error">{error}</Alert>;
  if (!diff) return <p className="text-sm text-zinc-400">Loading the changes…</p>;
  if (from === to) {
    return <p className="text-sm text-zinc-400">Pick two different versions to compare.</p>;
  }
  return (
    <div className="space-y-4" data-testid="spec-diff">
      {diff.documents.map((document) => (
        <section key={document.name} className="rounded-lg border border-zinc-800">
          <h3 className="flex items-center justify-between border-b border-zinc-800 px-3 py-2 text-sm font-medium">
            <span className="font-mono text-zinc-200">{document.name}</span>
            <span className={document.changed ? "text-amber-300" : "text-zinc-400"}>
              {document.changed ? "changed" : "no changes"}
            </span>
          </h3>
          {document.changed ? (
            <pre className="overflow-x-auto py-2 font-mono text-xs leading-5">
              {document.diff.split("\n").map((line, index) => (
                <div
                  // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed text
                  key={index}
                  data-diff={line[0] === "+" ? "added" : line[0] === "-" ? "removed" : undefined}
                  className={`min-w-max px-3 whitespace-pre ${lineTone(line)}`}
                >
                  {line || " "}
                </div>
              ))}
            </pre>
          ) : null}
        </section>
      ))}
    </div>
  );
}
