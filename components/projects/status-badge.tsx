import type { ProjectStatus } from "@/lib/projects/states";

export const statusLabels: Record<ProjectStatus, string> = {
  draft: "Draft",
  clarifying: "Questions",
  spec_review: "Spec review",
  approved: "Approved",
  building: "Building",
  built: "Built",
  failed: "Failed",
  archived: "Archived",
};

const tones: Record<ProjectStatus, string> = {
  draft: "border-zinc-700 text-zinc-300",
  clarifying: "border-sky-800 bg-sky-950/40 text-sky-200",
  spec_review: "border-amber-800 bg-amber-950/40 text-amber-200",
  approved: "border-emerald-800 bg-emerald-950/40 text-emerald-200",
  building: "border-orange-800 bg-orange-950/40 text-orange-200",
  built: "border-emerald-800 bg-emerald-950/40 text-emerald-200",
  failed: "border-red-900 bg-red-950/50 text-red-200",
  archived: "border-zinc-800 text-zinc-400",
};

export function StatusBadge({ status }: { status: ProjectStatus }) {
  return (
    <span
      data-testid="project-status"
      className={`inline-flex shrink-0 items-center rounded-full border px-2 py-0.5 text-xs font-medium ${tones[status]}`}
    >
      {statusLabels[status]}
    </span>
  );
}
