import Link from "next/link";
import type { ReactNode } from "react";
import { AppNav } from "@/components/shell/app-nav";
import { KilnMark } from "@/components/shell/kiln-mark";
import { LogoutButton } from "@/components/shell/logout-button";
import { MobileMenu } from "@/components/shell/mobile-menu";
import { SkipLink } from "@/components/shell/skip-link";
import { requirePageCaller } from "@/lib/http/page-caller";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const caller = await requirePageCaller();
  return (
    <div className="flex min-h-dvh flex-col">
      <SkipLink />
      <header className="sticky top-0 z-30 h-14 border-b border-zinc-800 bg-zinc-950/90 backdrop-blur">
        <div className="relative flex h-full items-center gap-6 px-4 lg:px-6">
          <Link href="/ide" className="flex items-center gap-2 font-semibold">
            <KilnMark />
            Kiln
          </Link>
          <div className="hidden lg:block">
            <AppNav />
          </div>
          <div className="ml-auto hidden items-center gap-3 lg:flex">
            <span className="text-sm text-zinc-400" data-testid="user-email">
              {caller.user.email}
            </span>
            <LogoutButton />
          </div>
          <MobileMenu email={caller.user.email} />
        </div>
      </header>
      <main id="main-content" tabIndex={-1} className="flex flex-1 flex-col focus:outline-none">
        {children}
      </main>
    </div>
  );
}
