import { EmptyState } from "@/components/shell/empty-state";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "Tasks · Kiln" };

export default function TasksPage() {
  return (
    <>
      <PageHeader
        title="Tasks"
        description="Background coding tasks that run on a repository while you work on something else."
      />
      <EmptyState title="No tasks yet">
        <p>
          Tasks you start on a repository will be listed here with their progress, logs and results.
        </p>
        <p>This part of Kiln is not built yet in this version.</p>
      </EmptyState>
    </>
  );
}
