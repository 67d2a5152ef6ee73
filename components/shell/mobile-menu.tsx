"use client";

import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { AppNav } from "./app-nav";
import { LogoutButton } from "./logout-button";

// Below the desktop breakpoint the main navigation, the account and Log out fold into a menu.

export function MobileMenu({ email }: { email: string }) {
  const [isOpen, setIsOpen] = useState(false);
  const pathname = usePathname();

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page closes the menu
  useEffect(() => setIsOpen(false), [pathname]);
  useEffect(() => {
    if (!isOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setIsOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [isOpen]);

  return (
    <div className="ml-auto lg:hidden">
      <button
        type="button"
        aria-expanded={isOpen}
        aria-controls="mobile-menu"
        onClick={() => setIsOpen((open) => !open)}
        className="rounded-md border border-zinc-700 px-3 py-1.5 text-sm text-zinc-200 hover:bg-zinc-800"
      >
        Menu
      </button>
      {isOpen ? (
        <div
          id="mobile-menu"
          className="absolute inset-x-0 top-14 z-40 space-y-3 border-b border-zinc-800 bg-zinc-950 p-4 shadow-xl"
        >
          <AppNav isVertical />
          <div className="flex items-center justify-between gap-3 border-t border-zinc-800 pt-3">
            <span className="min-w-0 truncate text-sm text-zinc-400">{email}</span>
            <div className="shrink-0">
              <LogoutButton />
            </div>
          </div>
        </div>
      ) : null}
    </div>
  );
}
