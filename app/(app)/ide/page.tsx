import { EmptyState } from "@/components/shell/empty-state";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "IDE · Kiln" };

export default function IdePage() {
  return (
    <>
      <PageHeader
        title="IDE"
        description="Describe an app, watch a model write it, run it in a sandbox and edit it by chatting."
      />
      <EmptyState title="No chats yet">
        <p>
          Your chats with the model, the apps they produce, their live previews, files and a
          terminal will appear here.
        </p>
        <p>This part of Kiln is not built yet in this version.</p>
      </EmptyState>
    </>
  );
}
