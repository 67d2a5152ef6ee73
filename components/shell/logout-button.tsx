"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { apiFetch } from "@/lib/client/fetch-json";

export function LogoutButton() {
  const router = useRouter();
  const [isPending, setIsPending] = useState(false);
  return (
    <Button
      variant="ghost"
      disabled={isPending}
      onClick={async () => {
        setIsPending(true);
        await apiFetch("/api/auth/logout", { method: "POST" }).catch(() => undefined);
        router.replace("/login");
        router.refresh();
      }}
    >
      Log out
    </Button>
  );
}
