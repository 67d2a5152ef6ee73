import Link from "next/link";
import type { ProjectListItem } from "@/lib/projects/schemas";
import { StatusBadge } from "./status-badge";

const formatTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

export function ProjectRow({ project }: { project: ProjectListItem }) {
  const run = project.latestRun;
  return (
    <li data-testid="project-row" className="relative px-4 py-4 hover:bg-zinc-900/60">
      <div className="flex items-start justify-between gap-3">
        <Link
          href={`/projects/${project.id}`}
          className="min-w-0 break-words font-medium text-zinc-100 after:absolute after:inset-0 focus-visible:outline-2 focus-visible:outline-orange-400"
        >
          {project.name}
        </Link>
        <StatusBadge status={project.status} />
      </div>
      {project.description ? (
        <p className="mt-1 line-clamp-2 break-words text-sm text-zinc-400">{project.description}</p>
      ) : null}
      <p className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-400">
        <span data-testid="project-latest-run">
          {run ? `Latest run #${run.runNumber}: ${run.status}` : "No runs yet"}
        </span>
        <span>Updated {formatTime(project.updatedAt)}</span>
      </p>
    </li>
  );
}
