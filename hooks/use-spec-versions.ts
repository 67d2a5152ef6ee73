"use client";

import { useEffect, useState } from "react";
import { v1Fetch } from "@/lib/client/fetch-json";
import { plainError } from "@/lib/client/v1-event-stream";

export interface SpecVersionSummary {
  version: number;
  feedback: string | null;
  approvedAt: string | null;
  createdAt: string;
}

/** A project's spec versions (newest first), read again whenever the latest one changes. */
export function useSpecVersions(projectId: string, latest: number) {
  const [versions, setVersions] = useState<SpecVersionSummary[]>();
  const [error, setError] = useState<string>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new latest version means a new list
  useEffect(() => {
    let isCurrent = true;
    v1Fetch<SpecVersionSummary[]>(`/api/v1/projects/${projectId}/spec/versions`)
      .then((list) => isCurrent && setVersions(list))
      .catch((caught) => isCurrent && setError(plainError(caught)));
    return () => {
      isCurrent = false;
    };
  }, [projectId, latest]);
  return { versions, error };
}

/** The documents of one spec version; those of the latest are already on the page. */
export function useSpecDocuments(
  projectId: string,
  version: number,
  latest: { version: number; documents: Record<string, string> },
) {
  const [loaded, setLoaded] = useState<{ version: number; documents: Record<string, string> }>();
  const [error, setError] = useState<string>();
  const isLatest = version === latest.version;
  useEffect(() => {
    if (isLatest) return;
    let isCurrent = true;
    setError(undefined);
    v1Fetch<{ version: number; documents: Record<string, string> }>(
      `/api/v1/projects/${projectId}/spec/versions/${version}`,
    )
      .then((detail) => isCurrent && setLoaded(detail))
      .catch((caught) => isCurrent && setError(plainError(caught)));
    return () => {
      isCurrent = false;
    };
  }, [projectId, version, isLatest]);
  if (isLatest) return { documents: latest.documents, error: undefined };
  return { documents: loaded?.version === version ? loaded.documents : undefined, error };
}
