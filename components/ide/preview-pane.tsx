"use client";

import { type FormEvent, useState } from "react";

// The live preview of a web app, with a toolbar: the path within the app (an address bar),
// Back, Reload and Open in new tab. A local preview is served at the root of its own origin
// (`<token>.preview.localhost`), so the frame may keep that origin (allow-same-origin): it is
// never Kiln's, so the app can neither read Kiln's cookies nor act as the signed-in user.
// The app's page is another origin: its own link clicks are not visible here, so Back returns
// to the addresses opened from this bar.

/** The app's path (with query and fragment) of `url` when it is on `origin`, else undefined. */
export function pathWithin(url: string, origin: string): string | undefined {
  try {
    const parsed = new URL(url, origin);
    if (parsed.origin !== origin) return undefined;
    return `${parsed.pathname}${parsed.search}${parsed.hash}`;
  } catch {
    return undefined;
  }
}

/** The address the bar's text opens: a path within the app, made absolute on `origin`. */
export function addressFor(text: string, origin: string): string {
  const value = text.trim() || "/";
  const path = value.startsWith("/") ? value : `/${value}`;
  // Appended to the origin, never resolved against it: `//host/…` stays a path of the app.
  return new URL(`${origin}${path}`).href;
}

export function PreviewPane({ url }: { url: string }) {
  const origin = new URL(url).origin;
  const [history, setHistory] = useState<string[]>([url]);
  const [loads, setLoads] = useState(0);
  const current = history[history.length - 1] ?? url;
  const [typed, setTyped] = useState<string | undefined>(undefined);
  const shown = typed ?? pathWithin(current, origin) ?? current;

  const open = (event: FormEvent) => {
    event.preventDefault();
    const next = addressFor(shown, origin);
    setTyped(undefined);
    if (next === current) setLoads((n) => n + 1);
    else setHistory((list) => [...list, next]);
  };
  const back = () => {
    setTyped(undefined);
    setHistory((list) => (list.length > 1 ? list.slice(0, -1) : list));
  };
  const button = "rounded px-2 py-0.5 text-zinc-300 hover:bg-zinc-800 disabled:text-zinc-600";

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="flex items-center gap-1 border-b border-zinc-800 px-2 py-1 text-xs">
        <button type="button" onClick={back} disabled={history.length < 2} className={button}>
          Back
        </button>
        <button type="button" onClick={() => setLoads((n) => n + 1)} className={button}>
          Reload
        </button>
        <form onSubmit={open} className="flex min-w-0 flex-1">
          <input
            aria-label="Path in the app"
            value={shown}
            onChange={(event) => setTyped(event.target.value)}
            spellCheck={false}
            className="min-w-0 flex-1 rounded bg-zinc-900 px-2 py-0.5 font-mono text-zinc-300 outline-none focus:ring-1 focus:ring-orange-400"
          />
        </form>
        <a
          href={current}
          target="_blank"
          rel="noreferrer"
          className="rounded px-2 py-0.5 text-orange-300 hover:bg-zinc-800"
        >
          Open in new tab
        </a>
      </div>
      <iframe
        key={`${loads}:${history.length}`}
        title="App preview"
        src={current}
        sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-modals allow-downloads"
        className="min-h-0 flex-1 bg-white"
      />
    </div>
  );
}
