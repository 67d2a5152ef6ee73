"use client";

import { useEffect, useState } from "react";
import { type PageInfo, v1FetchPage } from "@/lib/client/fetch-json";
import { plainError } from "@/lib/client/v1-event-stream";
import type { ProjectListItem } from "@/lib/projects/schemas";

export const projectPageSize = 20;
const searchDelayMs = 300;

export interface ProjectListQuery {
  /** "" lists every project that is not archived. */
  status: string;
  search: string;
  page: number;
}

/** `value`, once it has stopped changing for `delayMs`. */
function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * One page of the caller's projects for a query; search waits until typing pauses, and an
 * answer that arrives after a newer query was sent is dropped.
 */
export function useProjectList(query: ProjectListQuery) {
  const search = useDebounced(query.search.trim(), searchDelayMs);
  const [result, setResult] = useState<{ items: ProjectListItem[]; pagination: PageInfo }>();
  const [error, setError] = useState<string>();
  const [isLoading, setIsLoading] = useState(true);

  useEffect(() => {
    let isCurrent = true;
    const params = new URLSearchParams({
      page: String(query.page),
      pageSize: String(projectPageSize),
    });
    if (query.status) params.set("status", query.status);
    if (search) params.set("search", search);
    setIsLoading(true);
    v1FetchPage<ProjectListItem>(`/api/v1/projects?${params}`)
      .then((page) => {
        if (!isCurrent) return;
        setResult(page);
        setError(undefined);
      })
      .catch((caught) => isCurrent && setError(plainError(caught)))
      .finally(() => isCurrent && setIsLoading(false));
    return () => {
      isCurrent = false;
    };
  }, [query.page, query.status, search]);

  return { result, error, isLoading, isSearchPending: search !== query.search.trim() };
}
