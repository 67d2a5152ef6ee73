"use client";

import { useEffect, useRef, useState } from "react";
import { errorMessage, v1Fetch } from "@/lib/client/fetch-json";
import type { FragmentView } from "@/lib/client/ide-types";

// The IDE's Deploy: the chat's newest app (or, in a chat not saved yet, the fragment on show)
// deployed on this machine through POST /api/v1/deploy, then followed until it is live or has
// failed. The Deployments page keeps it from there.

export interface DeploymentState {
  status: "idle" | "deploying" | "live" | "failed";
  id?: string;
  url?: string;
  error?: string;
}

interface DeploymentView {
  id: string;
  status: "deploying" | "live" | "failed" | "stopped";
  url: string;
  error: string | null;
}

export function useDeployment(chatId: string | undefined) {
  const [state, setState] = useState<DeploymentState>({ status: "idle" });
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  async function deploy(fragment: FragmentView) {
    setState({ status: "deploying" });
    try {
      const source = chatId ? { chatId } : { fragment };
      const started = await v1Fetch<{ id: string }>("/api/v1/deploy", {
        method: "POST",
        json: { name: fragment.title || "App", ...source },
      });
      setState({ status: "deploying", id: started.id });
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (!alive.current) return;
        const now = await v1Fetch<DeploymentView>(`/api/v1/deployments/${started.id}`);
        if (now.status === "live") return setState({ status: "live", id: now.id, url: now.url });
        if (now.status !== "deploying") {
          return setState({
            status: "failed",
            id: now.id,
            error: now.error ?? `The deployment is ${now.status}`,
          });
        }
      }
    } catch (caught) {
      if (alive.current) setState({ status: "failed", error: errorMessage(caught) });
    }
  }

  return { state, deploy };
}
