import { KilnError } from "@/lib/errors";
import type { DeploymentRow } from "../deployment-rows";
import { providerNames, type RemoteProvider } from "./schemas";

// Vercel and Netlify keep a deployment serving until it is deleted: neither API pauses one and
// starts it again. Stop and restart on them are refused with what to do instead, rather than
// quietly deleting something the user may want back.

export function refuseOnRemote(row: DeploymentRow, action: "stop" | "restart"): void {
  if (row.provider === "local") return;
  const name = providerNames[row.provider as RemoteProvider];
  throw new KilnError(
    "CONFLICT",
    action === "stop"
      ? `${name} cannot stop a deployment and keep it: delete it to take it down`
      : `${name} deployments are not restarted: deploy it again for a new one`,
    { reason: "remote_provider", details: { provider: row.provider } },
  );
}
