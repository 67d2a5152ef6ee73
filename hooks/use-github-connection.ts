"use client";

import { useCallback } from "react";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { GithubConnection, GithubUser } from "@/lib/github/schemas";
import { useLoaded } from "./use-loaded";

const loadConnection = () => apiFetch<GithubConnection>("/api/settings/github");

/** Whether the caller's GitHub is connected, and the actions that change it. */
export function useGithubConnection() {
  const { data: connection, error, reload } = useLoaded(loadConnection);

  const connect = useCallback(
    async (token: string) => {
      await apiFetch<GithubConnection>("/api/settings/github", { method: "PUT", json: { token } });
      await reload();
    },
    [reload],
  );

  const disconnect = useCallback(async () => {
    await apiFetch("/api/settings/github", { method: "DELETE" });
    await reload();
  }, [reload]);

  /** Asks GitHub, through Kiln, who the token signs in as. */
  const test = useCallback(() => apiFetch<GithubUser>("/api/github/user"), []);

  return { connection, error, connect, disconnect, test, errorMessage };
}
