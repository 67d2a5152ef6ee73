import type { ReactNode } from "react";

const tones = {
  error: "border-red-900 bg-red-950/50 text-red-200",
  warning: "border-amber-800 bg-amber-950/40 text-amber-200",
  success: "border-emerald-900 bg-emerald-950/40 text-emerald-200",
} as const;

export function Alert({ tone, children }: { tone: keyof typeof tones; children: ReactNode }) {
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      className={`rounded-md border px-3 py-2 text-sm ${tones[tone]}`}
    >
      {children}
    </div>
  );
}
