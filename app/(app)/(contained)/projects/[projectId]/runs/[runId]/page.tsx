import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { RunView } from "@/components/runs/run-view";
import { KilnError } from "@/lib/errors";
import { requirePageCaller } from "@/lib/http/page-caller";
import { getRun } from "@/lib/runs/get-run";
import { runParamsSchema } from "@/lib/runs/schemas";

type Props = { params: Promise<{ projectId: string; runId: string }> };

// Read once per request, for the title and the page alike.
const loadRun = cache(async (projectId: string, runId: string) => {
  if (!runParamsSchema.safeParse({ projectId, runId }).success) notFound();
  const { user } = await requirePageCaller();
  return getRun({ userId: user.id, projectId, runId }).catch((error: unknown) => {
    if (error instanceof KilnError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { projectId, runId } = await params;
  const run = await loadRun(projectId, runId);
  return { title: `Build #${run.runNumber} · Kiln` };
}

export default async function RunPage({ params }: Props) {
  const { projectId, runId } = await params;
  return <RunView initial={await loadRun(projectId, runId)} />;
}
