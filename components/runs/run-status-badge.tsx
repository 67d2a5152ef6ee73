import type { RunStatus, TaskStatus } from "@/lib/runs/schemas";

const tones: Record<RunStatus | TaskStatus, string> = {
  pending: "border-zinc-700 text-zinc-300",
  queued: "border-zinc-700 text-zinc-300",
  decomposing: "border-sky-800 bg-sky-950/40 text-sky-200",
  executing: "border-orange-800 bg-orange-950/40 text-orange-200",
  running: "border-orange-800 bg-orange-950/40 text-orange-200",
  merging: "border-sky-800 bg-sky-950/40 text-sky-200",
  verifying: "border-amber-800 bg-amber-950/40 text-amber-200",
  succeeded: "border-emerald-800 bg-emerald-950/40 text-emerald-200",
  failed: "border-red-900 bg-red-950/50 text-red-200",
  cancelled: "border-zinc-800 text-zinc-400",
};

/** A run's or a task's status, as a word in a coloured pill. */
export function RunStatusBadge({ status }: { status: RunStatus | TaskStatus }) {
  return (
    <span
      data-testid="run-status"
      className={`inline-flex shrink-0 items-center rounded-full border px-2 py-0.5 text-xs font-medium capitalize ${tones[status]}`}
    >
      {status}
    </span>
  );
}
