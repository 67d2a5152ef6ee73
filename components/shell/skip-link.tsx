"use client";

import { usePathname } from "next/navigation";

// The first stop of the keyboard on every page: straight past the navigation, to the IDE's
// prompt on the IDE and to the page's content elsewhere. Shown only while it has the focus.

export function SkipLink() {
  const pathname = usePathname();
  const isIde = pathname === "/ide" || pathname.startsWith("/ide/");
  const target = isIde ? "prompt" : "main-content";
  return (
    <a
      href={`#${target}`}
      onClick={(event) => {
        const element = document.getElementById(target);
        if (!element) return;
        event.preventDefault();
        element.focus();
      }}
      className="sr-only z-50 rounded-md bg-orange-500 px-3 py-2 text-sm font-medium text-black focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
    >
      {isIde ? "Skip to prompt" : "Skip to content"}
    </a>
  );
}
