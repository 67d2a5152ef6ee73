"use client";

import type { Usage } from "@/lib/ai/schemas";
import { apiFetch } from "@/lib/client/fetch-json";
import { useLoaded } from "./use-loaded";

const loadUsage = () => apiFetch<Usage>("/api/usage");

/** The caller's model usage over the last `days` days, read when the page opens. */
export function useUsage() {
  const { data: usage, error } = useLoaded(loadUsage);
  return { usage, error };
}
