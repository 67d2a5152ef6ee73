"use client";

import { useCallback, useEffect, useState } from "react";

// Whether a fragment runs by itself when the model finishes or edits it: on unless the user
// turned it off, which this browser remembers.

const storageKey = "kiln.autoRun";

export function useAutoRun() {
  const [isOn, setIsOn] = useState(true);
  useEffect(() => {
    try {
      setIsOn(localStorage.getItem(storageKey) !== "off");
    } catch {
      // No storage: the default holds.
    }
  }, []);
  const set = useCallback((on: boolean) => {
    setIsOn(on);
    try {
      localStorage.setItem(storageKey, on ? "on" : "off");
    } catch {
      // No storage: the choice lasts for this page.
    }
  }, []);
  return [isOn, set] as const;
}
