import Link from "next/link";
import type { ReactNode } from "react";
import { AppNav } from "@/components/shell/app-nav";
import { KilnMark } from "@/components/shell/kiln-mark";
import { LogoutButton } from "@/components/shell/logout-button";
import { requirePageCaller } from "@/lib/http/page-caller";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const caller = await requirePageCaller();
  return (
    <div className="flex min-h-screen flex-col">
      <header className="sticky top-0 z-10 border-b border-zinc-800 bg-zinc-950/90 backdrop-blur">
        {/* On a phone the nav scrolls within the header, never the page. */}
        <div className="flex h-14 items-center gap-3 px-4 sm:gap-6 sm:px-6">
          <Link
            href="/ide"
            aria-label="Kiln"
            className="flex shrink-0 items-center gap-2 font-semibold"
          >
            <KilnMark />
            <span className="hidden sm:inline">Kiln</span>
          </Link>
          <div className="min-w-0 flex-1 overflow-x-auto">
            <AppNav />
          </div>
          <div className="flex shrink-0 items-center gap-3">
            <span
              className="hidden max-w-64 truncate text-sm text-zinc-400 md:inline"
              data-testid="user-email"
            >
              {caller.user.email}
            </span>
            <LogoutButton />
          </div>
        </div>
      </header>
      <main className="flex flex-1 flex-col">{children}</main>
    </div>
  );
}
