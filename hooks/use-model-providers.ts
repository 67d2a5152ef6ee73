"use client";

import { useCallback } from "react";
import type { ProviderId } from "@/lib/ai/providers-list";
import type { ModelCredential, SaveCredentialBody } from "@/lib/ai/schemas";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import { useLoaded } from "./use-loaded";

const loadProviders = () =>
  apiFetch<{ providers: ModelCredential[] }>("/api/settings/model-providers").then(
    (b) => b.providers,
  );

/** The caller's own model providers, and the actions on them; every action re-reads the list. */
export function useModelProviders() {
  const { data: providers, error, reload } = useLoaded(loadProviders);

  const save = useCallback(
    async (provider: ProviderId, body: SaveCredentialBody) => {
      const saved = await apiFetch<ModelCredential>(`/api/settings/model-providers/${provider}`, {
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
