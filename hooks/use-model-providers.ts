"use client";

import { useCallback } from "react";
import type { ProviderId } from "@/lib/ai/providers-list";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import { useLoaded } from "./use-loaded";

/** What the server keeps for one of the caller's providers; the key itself never comes back. */
export interface ModelProvider {
  id: string;
  provider: ProviderId;
  baseURL: string | null;
  keyHint: string | null;
  updatedAt: string;
}

export interface SaveModelProviderBody {
  apiKey?: string;
  baseURL?: string;
}

const loadProviders = () =>
  apiFetch<{ providers: ModelProvider[] }>("/api/settings/model-providers").then(
    (b) => b.providers,
  );

/** The caller's own model providers, and the actions on them; every action re-reads the list. */
export function useModelProviders() {
  const { data: providers, error, reload } = useLoaded(loadProviders);

  const save = useCallback(
    async (provider: ProviderId, body: SaveModelProviderBody) => {
      const saved = await apiFetch<ModelProvider>(`/api/settings/model-providers/${provider}`, {
        method: "PUT",
        json: body,
      });
      await reload();
      return saved;
    },
    [reload],
  );

  const remove = useCallback(
    async (provider: ProviderId) => {
      await apiFetch(`/api/settings/model-providers/${provider}`, { method: "DELETE" });
      await reload();
    },
    [reload],
  );

  return { providers, error, save, remove, errorMessage };
}
