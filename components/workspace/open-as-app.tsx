"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";

// A workspace folder opened as an app in the IDE: a chat whose app is the folder's files
// (POST /api/files/chat), so the model edits them and Save to the folder writes them back.
// "Run" also starts it in a sandbox as soon as the IDE has it.

export function OpenAsApp({ folder, onError }: { folder: string; onError(message: string): void }) {
  const router = useRouter();
  const [isOpening, setIsOpening] = useState(false);
  const open = async (run: boolean) => {
    setIsOpening(true);
    try {
      const { chatId } = await apiFetch<{ chatId: string }>("/api/files/chat", {
        method: "POST",
        json: { path: folder },
      });
      router.push(`/ide?${new URLSearchParams({ chat: chatId, ...(run ? { run: "1" } : {}) })}`);
    } catch (caught) {
      onError(errorMessage(caught));
      setIsOpening(false);
    }
  };
  const what = folder ? `${folder}/` : "the whole workspace";
  return (
    <div className="space-y-2 border-t border-zinc-800 pt-3">
      <p className="text-xs text-zinc-400">
        As an app: <span className="break-all font-mono text-zinc-300">{what}</span>
      </p>
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" disabled={isOpening} onClick={() => void open(true)}>
          Run in IDE
        </Button>
        <Button variant="ghost" disabled={isOpening} onClick={() => void open(false)}>
          Chat on these files
        </Button>
      </div>
    </div>
  );
}
