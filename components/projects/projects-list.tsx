"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { EmptyState } from "@/components/shell/empty-state";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useProjectList } from "@/hooks/use-project-list";
import { projectStatuses } from "@/lib/projects/states";
import { ProjectRow } from "./project-row";
import { statusLabels } from "./status-badge";

const inputClass =
  "block w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 placeholder:text-zinc-400 focus:border-orange-400 focus:outline-none focus:ring-1 focus:ring-orange-400";

export const newProjectLinkClass =
  "inline-flex shrink-0 items-center justify-center rounded-md bg-orange-500 px-3 py-2 text-sm font-medium text-black hover:bg-orange-400 focus-visible:outline-2 focus-visible:outline-orange-400";

/** The list's filters as the page's URL carries them, so a reload or a shared link keeps them. */
export interface ProjectsListFilters {
  status: string;
  search: string;
  page: number;
}

export function ProjectsList({ initial }: { initial: ProjectsListFilters }) {
  const [status, setStatus] = useState(initial.status);
  const [search, setSearch] = useState(initial.search);
  const [page, setPage] = useState(initial.page);
  const { result, error, isLoading, isSearchPending } = useProjectList({ status, search, page });
  useEffect(() => {
    const params = new URLSearchParams();
    if (status) params.set("status", status);
    if (search.trim()) params.set("search", search.trim());
    if (page > 1) params.set("page", String(page));
    const query = params.toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  }, [status, search, page]);
  const isFiltered = status !== "" || search.trim() !== "";
  const pagination = result?.pagination;

  // Nothing but (perhaps) archived projects: the way to a first one, filters still at hand.
  const isEmpty = result !== undefined && !isFiltered && pagination?.total === 0;

  return (
    <div className="space-y-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="flex-1 space-y-1.5">
          <label htmlFor="project-search" className="block text-sm font-medium text-zinc-300">
            Search
          </label>
          <input
            id="project-search"
            type="search"
            className={inputClass}
            placeholder="Name or description"
            maxLength={200}
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              setPage(1);
            }}
          />
        </div>
        <div className="space-y-1.5 sm:w-48">
          <label htmlFor="project-status" className="block text-sm font-medium text-zinc-300">
            Status
          </label>
          <select
            id="project-status"
            className={inputClass}
            value={status}
            onChange={(event) => {
              setStatus(event.target.value);
              setPage(1);
            }}
          >
            <option value="">All but archived</option>
            {projectStatuses.map((s) => (
              <option key={s} value={s}>
                {statusLabels[s]}
              </option>
            ))}
          </select>
        </div>
        {isEmpty ? null : (
          <Link href="/projects/new" className={newProjectLinkClass}>
            New project
          </Link>
        )}
      </div>

      {error ? <Alert tone="error">{error}</Alert> : null}

      {isEmpty ? (
        <EmptyState title="No projects yet">
          <p>
            Describe an app, answer a few questions, review the spec Kiln writes, and approve it for
            a build. Archived projects are under the status “Archived”.
          </p>
          <p className="pt-3">
            <Link href="/projects/new" className={newProjectLinkClass}>
              New project
            </Link>
          </p>
        </EmptyState>
      ) : (
        <div
          className="overflow-hidden rounded-lg border border-zinc-800"
          aria-busy={isLoading || isSearchPending}
        >
          {result === undefined && !error ? (
            <p className="px-4 py-6 text-center text-sm text-zinc-400">Loading…</p>
          ) : null}
          {result && result.items.length === 0 ? (
            <div className="space-y-3 px-4 py-8 text-center text-sm text-zinc-400">
              <p>No projects match {search.trim() ? `“${search.trim()}”` : "this status"}.</p>
              <Button
                variant="secondary"
                onClick={() => {
                  setSearch("");
                  setStatus("");
                  setPage(1);
                }}
              >
                Clear filters
              </Button>
            </div>
          ) : null}
          {result?.items.length ? (
            <ul className="divide-y divide-zinc-800">
              {result.items.map((project) => (
                <ProjectRow key={project.id} project={project} />
              ))}
            </ul>
          ) : null}
        </div>
      )}

      {pagination && pagination.total > 0 ? (
        <nav aria-label="Pages" className="flex items-center justify-between gap-3 text-sm">
          <span className="text-zinc-400" data-testid="project-count">
            {pagination.total} {pagination.total === 1 ? "project" : "projects"} · page{" "}
            {pagination.page} of {Math.max(1, pagination.totalPages)}
          </span>
          <span className="flex gap-2">
            <Button
              variant="secondary"
              disabled={page <= 1 || isLoading}
              onClick={() => setPage(page - 1)}
            >
              Previous
            </Button>
            <Button
              variant="secondary"
              disabled={page >= pagination.totalPages || isLoading}
              onClick={() => setPage(page + 1)}
            >
              Next
            </Button>
          </span>
        </nav>
      ) : null}
    </div>
  );
}
