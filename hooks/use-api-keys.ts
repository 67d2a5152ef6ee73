"use client";

import { useCallback } from "react";
import type { ApiKey } from "@/lib/api-keys/schemas";
import { errorMessage, v1Fetch } from "@/lib/client/fetch-json";
import { useLoaded } from "./use-loaded";

const loadKeys = () => v1Fetch<ApiKey[]>("/api/v1/api-keys");

/** The caller's API keys, and the actions on them; every action re-reads the list. */
export function useApiKeys() {
  const { data: keys, error, reload } = useLoaded(loadKeys);

  const create = useCallback(
    async (name: string) => {
      const created = await v1Fetch<ApiKey & { key: string }>("/api/v1/api-keys", {
        method: "POST",
        json: { name },
      });
      await reload();
      return created;
    },
    [reload],
  );

  const revoke = useCallback(
    async (id: string) => {
      await v1Fetch(`/api/v1/api-keys/${id}`, { method: "DELETE" });
      await reload();
    },
    [reload],
  );

  return { keys, error, create, revoke, errorMessage };
}
