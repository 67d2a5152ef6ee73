"use client";

import { useCallback, useEffect, useState } from "react";
import type { ApiKey } from "@/lib/api-keys/schemas";
import { ApiError, v1Fetch } from "@/lib/client/fetch-json";

const message = (error: unknown) =>
  error instanceof ApiError ? error.message : "Kiln could not be reached. Try again.";

/** The caller's API keys, and the actions on them; every action re-reads the list. */
export function useApiKeys() {
  const [keys, setKeys] = useState<ApiKey[]>();
  const [error, setError] = useState<string>();

  const reload = useCallback(async () => {
    try {
      setKeys(await v1Fetch<ApiKey[]>("/api/v1/api-keys"));
      setError(undefined);
    } catch (caught) {
      setError(message(caught));
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

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

  return { keys, error, create, revoke, errorMessage: message };
}
