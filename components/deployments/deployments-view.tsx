"use client";

import { useCallback, useEffect, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useLoaded } from "@/hooks/use-loaded";
import { errorMessage, v1Fetch, v1FetchPage } from "@/lib/client/fetch-json";
import type { Deployment, DeploymentStatus } from "@/lib/deployments/schemas";
import { DeployForm } from "./deploy-form";
import { DeploymentLogs } from "./deployment-logs";

// Deployments: every app of the user's kept running, with its status and address, its live
// logs, and stop, restart and delete; and a form to deploy a build. While any is deploying, the
// list is read again every 2 s.

const tones: Record<DeploymentStatus, string> = {
  deploying: "border-sky-800 bg-sky-950/40 text-sky-200",
  live: "border-emerald-800 bg-emerald-950/40 text-emerald-200",
  failed: "border-red-900 bg-red-950/50 text-red-200",
  stopped: "border-zinc-700 text-zinc-300",
};

const providerNames: Record<string, string> = {
  local: "This machine",
  vercel: "Vercel",
  netlify: "Netlify",
};

export function DeploymentsView() {
  const load = useCallback(
    async () => (await v1FetchPage<Deployment>("/api/v1/deployments?pageSize=100")).items,
    [],
  );
  const { data: deployments, error, reload } = useLoaded(load);
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [logsOf, setLogsOf] = useState<string>();

  const isDeploying = deployments?.some((d) => d.status === "deploying") ?? false;
  useEffect(() => {
    if (!isDeploying) return;
    const timer = setInterval(() => void reload(), 2000);
    return () => clearInterval(timer);
  }, [isDeploying, reload]);

  async function act(deployment: Deployment, action: "stop" | "restart" | "delete") {
    if (action === "delete" && !window.confirm(`Delete the deployment ${deployment.name}?`)) return;
    setBusy(deployment.id);
    setActionError(undefined);
    try {
      await v1Fetch(
        action === "delete"
          ? `/api/v1/deployments/${deployment.id}`
          : `/api/v1/deployments/${deployment.id}/${action}`,
        action === "delete" ? { method: "DELETE" } : { method: "POST", json: {} },
      );
      if (action === "delete" && logsOf === deployment.id) setLogsOf(undefined);
      await reload();
    } catch (caught) {
      setActionError(errorMessage(caught));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <div className="min-w-0 space-y-8">
      <section aria-labelledby="deploy-title" className="space-y-3">
        <h2 id="deploy-title" className="text-lg font-semibold">
          Deploy an app
        </h2>
        <DeployForm onDeployed={() => void reload()} />
      </section>
      <section aria-labelledby="deployments-title" className="min-w-0 space-y-3">
        <h2 id="deployments-title" className="text-lg font-semibold">
          Your deployments
        </h2>
        {error || actionError ? <Alert tone="error">{actionError ?? error}</Alert> : null}
        {deployments?.length === 0 ? (
          <p className="text-sm text-zinc-400">Nothing is deployed yet.</p>
        ) : null}
        <ul className="space-y-3">
          {deployments?.map((deployment) => (
            <li
              key={deployment.id}
              className="min-w-0 space-y-3 rounded-lg border border-zinc-800 p-4"
              data-testid="deployment"
            >
              <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
                <span className="min-w-0 break-words font-medium">{deployment.name}</span>
                <span
                  data-testid="deployment-status"
                  className={`inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium capitalize ${tones[deployment.status]}`}
                >
                  {deployment.status}
                </span>
                <span className="text-xs text-zinc-400">
                  {providerNames[deployment.provider] ?? deployment.provider}
                  {deployment.restart_count > 0
                    ? ` · restarted ${deployment.restart_count}×${deployment.last_exit ? ` (last: ${deployment.last_exit})` : ""}`
                    : ""}
                </span>
                <span className="ml-auto text-xs text-zinc-500">
                  {new Date(deployment.created_at).toLocaleString()}
                </span>
              </div>
              {deployment.status === "live" ? (
                <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
                  <a
                    href={deployment.url}
                    target="_blank"
                    rel="noreferrer"
                    className="break-all text-orange-300 underline hover:text-orange-200"
                  >
                    {deployment.url}
                  </a>
                  {deployment.port_url ? (
                    <a
                      href={deployment.port_url}
                      target="_blank"
                      rel="noreferrer"
                      className="break-all text-zinc-300 underline hover:text-zinc-100"
                    >
                      {deployment.port_url}
                    </a>
                  ) : null}
                </p>
              ) : null}
              {deployment.error ? <Alert tone="error">{deployment.error}</Alert> : null}
              <div className="flex flex-wrap gap-2">
                <Button
                  variant="secondary"
                  aria-expanded={logsOf === deployment.id}
                  onClick={() => setLogsOf(logsOf === deployment.id ? undefined : deployment.id)}
                >
                  {logsOf === deployment.id ? "Hide logs" : "Logs"}
                </Button>
                {deployment.status === "live" || deployment.status === "deploying" ? (
                  <Button
                    variant="secondary"
                    disabled={busy === deployment.id}
                    onClick={() => void act(deployment, "stop")}
                  >
                    Stop
                  </Button>
                ) : (
                  <Button
                    variant="secondary"
                    disabled={busy === deployment.id}
                    onClick={() => void act(deployment, "restart")}
                  >
                    Restart
                  </Button>
                )}
                <Button
                  variant="danger"
                  disabled={busy === deployment.id}
                  onClick={() => void act(deployment, "delete")}
                >
                  Delete
                </Button>
              </div>
              {logsOf === deployment.id ? (
                <DeploymentLogs id={deployment.id} name={deployment.name} />
              ) : null}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
