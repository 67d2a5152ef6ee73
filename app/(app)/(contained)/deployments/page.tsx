import { EmptyState } from "@/components/shell/empty-state";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "Deployments · Kiln" };

export default function DeploymentsPage() {
  return (
    <>
      <PageHeader title="Deployments" description="Preview deployments of what Kiln built." />
      <EmptyState title="No deployments yet">
        <p>Every preview you deploy will be listed here with its address and status.</p>
        <p>This part of Kiln is not built yet in this version.</p>
      </EmptyState>
    </>
  );
}
