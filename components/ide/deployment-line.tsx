import type { DeploymentState } from "@/hooks/use-deployment";

/** Where the IDE's Deploy stands: coming up, live at its address, or why it failed. */
export function DeploymentLine({ state }: { state: DeploymentState }) {
  if (state.status === "idle") return null;
  return (
    <p role="status" className="mt-1 min-w-0 break-all text-xs" data-testid="deployment-line">
      {state.status === "deploying" ? (
        <span className="text-zinc-400">Deploying: building and starting the app…</span>
      ) : state.status === "live" ? (
        <>
          <span className="text-emerald-300">Live at </span>
          <a
            href={state.url}
            target="_blank"
            rel="noreferrer"
            className="text-orange-300 underline hover:text-orange-200"
          >
            {state.url}
          </a>
          <span className="text-zinc-400"> · kept in </span>
          <a href="/deployments" className="text-zinc-300 underline hover:text-zinc-100">
            Deployments
          </a>
        </>
      ) : (
        <span className="text-red-300">Not deployed: {state.error}</span>
      )}
    </p>
  );
}
