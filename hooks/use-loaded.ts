"use client";

import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "@/lib/client/fetch-json";

/**
 * Data read from the API when the component mounts, and again on `reload()` (after a change).
 * `error` is a message to show; the last data read stays until a read succeeds.
 */
export function useLoaded<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();

  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(undefined);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, [load]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, error, reload };
}
