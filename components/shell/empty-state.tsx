import type { ReactNode } from "react";

/** What a page will hold once its part of Kiln exists; never sample data in its place. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="mx-auto mt-16 max-w-xl rounded-xl border border-dashed border-zinc-800 px-8 py-12 text-center">
      <h2 className="text-lg font-semibold text-zinc-100">{title}</h2>
      <div className="mt-3 space-y-2 text-sm leading-6 text-zinc-400">{children}</div>
    </div>
  );
}
