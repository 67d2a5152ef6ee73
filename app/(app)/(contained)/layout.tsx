import type { ReactNode } from "react";

// Pages of ordinary width. The IDE sits outside this group and takes the whole window.
export default function ContainedLayout({ children }: { children: ReactNode }) {
  return <div className="mx-auto w-full max-w-6xl flex-1 px-6 py-10">{children}</div>;
}
