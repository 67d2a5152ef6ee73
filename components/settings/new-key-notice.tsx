"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

export function NewKeyNotice({
  name,
  secret,
  onDone,
}: {
  name: string;
  secret: string;
  onDone: () => void;
}) {
  const [isCopied, setIsCopied] = useState(false);
  return (
    <div className="space-y-3 rounded-lg border border-orange-500/40 bg-orange-500/5 p-4">
      <Alert tone="warning">
        Copy the key for <strong>{name}</strong> now. Kiln keeps only a hash of it and cannot show
        it again.
      </Alert>
      <div className="flex items-center gap-2">
        <code
          data-testid="new-api-key"
          className="flex-1 overflow-x-auto whitespace-nowrap rounded-md border border-zinc-800 bg-zinc-950 px-3 py-2 font-mono text-sm text-orange-200"
        >
          {secret}
        </code>
        <Button
          variant="secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(secret).catch(() => undefined);
            setIsCopied(true);
          }}
        >
          {isCopied ? "Copied" : "Copy"}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
