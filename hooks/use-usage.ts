"use client";

import { useEffect, useState } from "react";
import { ApiError, apiFetch } from "@/lib/client/fetch-json";

export interface UsageRow {
  provider: string;
  model: string;
  purpose: string;
  calls: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  averageLatencyMs: number;
}

export interface Usage {
  days: number;
  rows: UsageRow[];
}

/** The caller's model usage over the last `days` days, read once when the page opens. */
export function useUsage() {
  const [usage, setUsage] = useState<Usage>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let isCurrent = true;
    apiFetch<Usage>("/api/usage").then(
      (body) => {
        if (isCurrent) setUsage(body);
      },
      (caught: unknown) => {
        if (!isCurrent) return;
        setError(
          caught instanceof ApiError ? caught.message : "Kiln could not be reached. Try again.",
        );
      },
    );
    return () => {
      isCurrent = false;
    };
  }, []);

  return { usage, error };
}
