"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { v1Fetch } from "@/lib/client/fetch-json";
import { plainError } from "@/lib/client/v1-event-stream";

/** Archive, after a confirmation; the project then leaves the list (its history is kept). */
export function ArchiveControl({
  projectId,
  disabled,
  onError,
}: {
  projectId: string;
  disabled: boolean;
  onError: (message: string | undefined) => void;
}) {
  const router = useRouter();
  const [isConfirming, setIsConfirming] = useState(false);
  const [isArchiving, setIsArchiving] = useState(false);

  async function archive() {
    setIsArchiving(true);
    onError(undefined);
    try {
      await v1Fetch(`/api/v1/projects/${projectId}`, { method: "DELETE" });
      router.push("/projects");
      router.refresh();
    } catch (caught) {
      onError(plainError(caught));
      setIsArchiving(false);
      setIsConfirming(false);
    }
  }

  if (!isConfirming) {
    return (
      <Button variant="secondary" disabled={disabled} onClick={() => setIsConfirming(true)}>
        Archive
      </Button>
    );
  }
  return (
    <div
      role="alertdialog"
      aria-label="Archive this project?"
      className="w-full rounded-lg border border-red-900 bg-red-950/30 p-3 text-sm sm:w-auto"
    >
      <p className="text-red-100">
        Archive this project? It leaves the list; its repository and spec history are kept.
      </p>
      <div className="mt-3 flex gap-2">
        <Button variant="danger" disabled={isArchiving} onClick={archive}>
          {isArchiving ? "Archiving…" : "Confirm archive"}
        </Button>
        <Button variant="ghost" disabled={isArchiving} onClick={() => setIsConfirming(false)}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
