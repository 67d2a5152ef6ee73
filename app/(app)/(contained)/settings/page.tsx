import { ApiKeysPanel } from "@/components/settings/api-keys-panel";
import { DeployProvidersPanel } from "@/components/settings/deploy-providers-panel";
import { GithubPanel } from "@/components/settings/github-panel";
import { ModelProvidersPanel } from "@/components/settings/model-providers-panel";
import { UsagePanel } from "@/components/settings/usage-panel";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageCaller } from "@/lib/http/page-caller";

export const metadata = { title: "Settings · Kiln" };

export default async function SettingsPage() {
  const { user } = await requirePageCaller();
  return (
    <>
      <PageHeader
        title="Settings"
        description="Your account, the keys that let scripts act as you, your model providers, GitHub, deployment providers and usage."
      />
      <div className="space-y-10">
        <section aria-labelledby="account-title" className="rounded-lg border border-zinc-800 p-5">
          <h2 id="account-title" className="text-lg font-semibold">
            Account
          </h2>
          <dl className="mt-4 grid grid-cols-[8rem_1fr] gap-y-2 text-sm">
            <dt className="text-zinc-400">Email</dt>
            <dd data-testid="account-email" className="min-w-0 break-all">
              {user.email}
            </dd>
            <dt className="text-zinc-400">Role</dt>
            <dd>{user.isAdmin ? "Admin" : "Member"}</dd>
            <dt className="text-zinc-400">Plan</dt>
            <dd className="capitalize">{user.tier}</dd>
          </dl>
        </section>
        <ApiKeysPanel />
        <ModelProvidersPanel />
        <GithubPanel />
        <DeployProvidersPanel />
        <UsagePanel />
      </div>
    </>
  );
}
