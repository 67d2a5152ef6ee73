import { notFound } from "next/navigation";
import { ProjectView } from "@/components/projects/project-view";
import { KilnError } from "@/lib/errors";
import { requirePageCaller } from "@/lib/http/page-caller";
import { getProject } from "@/lib/projects/projects";
import { projectIdSchema } from "@/lib/projects/schemas";

export const metadata = { title: "Project · Kiln" };

export default async function ProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  if (!projectIdSchema.safeParse(projectId).success) notFound();
  const { user } = await requirePageCaller();
  const project = await getProject(user.id, projectId).catch((error: unknown) => {
    if (error instanceof KilnError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  return <ProjectView initial={project} />;
}
