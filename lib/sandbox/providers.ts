import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { localProvider } from "@/lib/sandbox/local/local-provider";
import type { ProviderName, SandboxProvider } from "./provider";

// New sandboxes go to E2B when E2B_API_KEY is set, else to this machine. A sandbox keeps the
// provider it was created on, so rows made before a configuration change still resolve. The E2B
// provider (and its SDK, ~90 ms to load) is imported on first use, not at every start.

let e2b: { key: string; provider: SandboxProvider } | undefined;

export function defaultProviderName(): ProviderName {
  return getEnv().E2B_API_KEY ? "e2b" : "local";
}

export async function providerFor(name: ProviderName): Promise<SandboxProvider> {
  if (name === "local") return localProvider;
  const env = getEnv();
  if (!env.E2B_API_KEY) {
    throw new KilnError(
      "SERVICE_UNAVAILABLE",
      "This sandbox runs on E2B, which this server is no longer configured for",
      { reason: "sandbox_provider_unavailable" },
    );
  }
  if (e2b?.key !== env.E2B_API_KEY) {
    const { createE2bProvider } = await import("@/lib/sandbox/e2b/e2b-provider");
    e2b = {
      key: env.E2B_API_KEY,
      provider: createE2bProvider({
        apiKey: env.E2B_API_KEY,
        domain: env.E2B_DOMAIN,
        ...(env.E2B_API_URL ? { apiUrl: env.E2B_API_URL } : {}),
        ...(env.E2B_SANDBOX_URL ? { sandboxUrl: env.E2B_SANDBOX_URL } : {}),
      }),
    };
  }
  return e2b.provider;
}
