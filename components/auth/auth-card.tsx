import type { ReactNode } from "react";
import { KilnMark } from "@/components/shell/kiln-mark";

export function AuthCard({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle: string;
  children: ReactNode;
}) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center text-center">
          <KilnMark className="h-10 w-10" />
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">{title}</h1>
          <p className="mt-1 text-sm text-zinc-400">{subtitle}</p>
        </div>
        <div className="rounded-xl border border-zinc-800 bg-zinc-900/60 p-6 shadow-xl shadow-black/30">
          {children}
        </div>
      </div>
    </main>
  );
}
