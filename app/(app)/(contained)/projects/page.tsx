import { EmptyState } from "@/components/shell/empty-state";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "Projects · Kiln" };

export default function ProjectsPage() {
  return (
    <>
      <PageHeader
        title="Projects"
        description="Spec-driven builds: description, clarifying questions, spec, approval, build runs."
      />
      <EmptyState title="No projects yet">
        <p>Each project you create will be listed here with its status and its latest build run.</p>
        <p>This part of Kiln is not built yet in this version.</p>
      </EmptyState>
    </>
  );
}
