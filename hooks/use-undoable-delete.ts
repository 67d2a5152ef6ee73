"use client";

import { useCallback, useEffect, useRef, useState } from "react";

// Deleting with a grace period: the item is marked at once and removed for real only when the
// Undo has run out, when another item is deleted, or when the page goes away.

export function useUndoableDelete<T extends { id: string }>(
  remove: (id: string) => Promise<void>,
  graceMs = 6000,
) {
  const [pending, setPending] = useState<T>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const commit = useRef<() => void>(() => {});

  const schedule = useCallback(
    (item: T) => {
      commit.current();
      const finish = () => {
        clearTimeout(timer.current);
        commit.current = () => {};
        setPending(undefined);
        void remove(item.id).catch(() => {});
      };
      commit.current = finish;
      setPending(item);
      timer.current = setTimeout(finish, graceMs);
    },
    [remove, graceMs],
  );

  const undo = useCallback(() => {
    clearTimeout(timer.current);
    commit.current = () => {};
    setPending(undefined);
  }, []);

  useEffect(() => {
    const flush = () => commit.current();
    window.addEventListener("pagehide", flush);
    return () => {
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, []);

  return { pending, schedule, undo };
}
