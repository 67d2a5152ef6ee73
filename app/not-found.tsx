import Link from "next/link";
import { KilnMark } from "@/components/shell/kiln-mark";

export const metadata = { title: "Page not found · Kiln" };

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-4 p-8 text-center">
      <KilnMark />
      <h1 className="text-2xl font-semibold text-zinc-100">Page not found</h1>
      <p className="max-w-sm text-sm text-zinc-400">
        There is nothing at this address. It may have moved, or the link may be mistyped.
      </p>
      <div className="flex gap-3">
        <Link
          href="/ide"
          className="rounded-md bg-orange-500 px-3 py-2 text-sm font-medium text-black hover:bg-orange-400"
        >
          Open the IDE
        </Link>
        <Link
          href="/settings"
          className="rounded-md border border-zinc-700 px-3 py-2 text-sm text-zinc-200 hover:bg-zinc-800"
        >
          Settings
        </Link>
      </div>
    </main>
  );
}
