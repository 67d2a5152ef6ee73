import { NewProjectForm } from "@/components/projects/new-project-form";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "New project · Kiln" };

export default function NewProjectPage() {
  return (
    <>
      <PageHeader
        title="New project"
        description="Describe the app. Kiln asks what it needs to know, then writes a spec for you to review."
      />
      <NewProjectForm />
    </>
  );
}
