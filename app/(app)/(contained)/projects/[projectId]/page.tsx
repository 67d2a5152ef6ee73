import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { ProjectView } from "@/components/projects/project-view";
import { KilnError } from "@/lib/errors";
import { requirePageCaller } from "@/lib/http/page-caller";
import { getProject } from "@/lib/projects/projects";
import { projectIdSchema } from "@/lib/projects/schemas";

type Props = { params: Promise<{ projectId: string }> };

// Read once per request, for the title and the page alike.
const loadProject = cache(async (projectId: string) => {
  if (!projectIdSchema.safeParse(projectId).success) notFound();
  const { user } = await requirePageCaller();
  return getProject(user.id, projectId).catch((error: unknown) => {
    if (error instanceof KilnError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const project = await loadProject((await params).projectId);
  return { title: `${project.name} · Kiln` };
}

export default async function ProjectPage({ params }: Props) {
  return <ProjectView initial={await loadProject((await params).projectId)} />;
}
