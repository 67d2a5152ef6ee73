"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

// Only what works is listed: Tasks joins when its page does.
const items = [
  { href: "/ide", label: "IDE" },
  { href: "/projects", label: "Projects" },
  { href: "/workspace", label: "Workspace" },
  { href: "/deployments", label: "Deployments" },
  { href: "/settings", label: "Settings" },
] as const;

export function AppNav({ isVertical = false }: { isVertical?: boolean }) {
  const pathname = usePathname();
  return (
    <nav
      aria-label="Main"
      className={isVertical ? "flex flex-col gap-1" : "flex items-center gap-1"}
    >
      {items.map((item) => {
        const isActive = pathname === item.href || pathname.startsWith(`${item.href}/`);
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={isActive ? "page" : undefined}
            className={`rounded-md px-3 py-1.5 text-sm font-medium transition-colors ${
              isVertical ? "py-2.5" : ""
            } ${
              isActive
                ? "bg-zinc-800 text-zinc-50"
                : "text-zinc-400 hover:bg-zinc-900 hover:text-zinc-100"
            }`}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
