import { DeploymentsView } from "@/components/deployments/deployments-view";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "Deployments · Kiln" };

export default function DeploymentsPage() {
  return (
    <>
      <PageHeader
        title="Deployments"
        description="Apps Kiln keeps running: on this machine, or on Vercel or Netlify with your own token."
      />
      <DeploymentsView />
    </>
  );
}
