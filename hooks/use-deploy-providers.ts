"use client";

import { useCallback } from "react";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { ProviderConnection, RemoteProvider } from "@/lib/deployments/providers/schemas";
import { useLoaded } from "./use-loaded";

const loadProviders = () =>
  apiFetch<{ providers: ProviderConnection[] }>("/api/settings/deploy-providers");

/** The caller's Vercel and Netlify tokens (as hints), and the actions that change them. */
export function useDeployProviders() {
  const { data, error, reload } = useLoaded(loadProviders);

  const save = useCallback(
    async (provider: RemoteProvider, token: string, teamId?: string) => {
      await apiFetch<ProviderConnection>(`/api/settings/deploy-providers/${provider}`, {
        method: "PUT",
        json: teamId ? { token, teamId } : { token },
      });
      await reload();
    },
    [reload],
  );

  const forget = useCallback(
    async (provider: RemoteProvider) => {
      await apiFetch(`/api/settings/deploy-providers/${provider}`, { method: "DELETE" });
      await reload();
    },
    [reload],
  );

  return { providers: data?.providers, error, save, forget, errorMessage };
}
