import { ProjectsList } from "@/components/projects/projects-list";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "Projects · Kiln" };

export default function ProjectsPage() {
  return (
    <>
      <PageHeader
        title="Projects"
        description="Spec-driven builds: description, clarifying questions, spec, approval, build runs."
      />
      <ProjectsList />
    </>
  );
}
