import { PageHeader } from "@/components/shell/page-header";
import { WorkspaceView } from "@/components/workspace/workspace-view";

export const metadata = { title: "Workspace · Kiln" };

export default function WorkspacePage() {
  return (
    <>
      <PageHeader
        title="Workspace"
        description="Your files, kept across chats and sandboxes: edit them here, import them from GitHub, push them back."
      />
      <WorkspaceView />
    </>
  );
}
