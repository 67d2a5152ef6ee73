"use client";

import type { TemplateListItem } from "@/lib/templates/schemas";

// What an empty chat offers: example prompts that run on this server (each on a template it
// can run, sent at a click), and the templates it cannot run, with the reason, before anyone
// spends a model call on them.

const examples = [
  {
    template: "static-html",
    prompt: "A landing page for my bakery with opening hours and prices",
  },
  {
    template: "code-interpreter-v1",
    prompt: "Plot a sine and a cosine wave from 0 to 2π and print their maximum values",
  },
  {
    template: "node-server",
    prompt: "An Express API that returns a random quote as JSON at /quote",
  },
  {
    template: "nextjs-developer",
    prompt: "A Next.js todo list where tasks can be added and ticked off",
  },
] as const;

export function ChatExamples(props: {
  templates: TemplateListItem[];
  onExample: (prompt: string, template: string) => void;
}) {
  const usable = new Set(props.templates.filter((t) => t.available).map((t) => t.id));
  const unavailable = props.templates.filter((t) => !t.available);
  const shown = examples.filter((e) => usable.has(e.template));
  const nameOf = (id: string) => props.templates.find((t) => t.id === id)?.name ?? id;

  return (
    <div className="mx-auto mt-8 max-w-md space-y-4 text-sm" data-testid="chat-examples">
      <h2 className="text-center font-medium text-zinc-200">
        Describe an app, or try one of these
      </h2>
      <ul className="space-y-2">
        {shown.map((example) => (
          <li key={example.template}>
            <button
              type="button"
              onClick={() => props.onExample(example.prompt, example.template)}
              className="w-full rounded-lg border border-zinc-800 px-3 py-2 text-left text-zinc-200 hover:border-orange-400 hover:bg-zinc-900 focus-visible:outline-2 focus-visible:outline-orange-400"
            >
              {example.prompt}
              <span className="mt-0.5 block font-mono text-xs text-zinc-400">
                {nameOf(example.template)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {unavailable.length > 0 ? (
        <div className="rounded-lg border border-zinc-800 px-3 py-2 text-xs text-zinc-400">
          <p className="font-medium text-zinc-300">Not available on this server</p>
          <ul className="mt-1 space-y-1">
            {unavailable.map((t) => (
              <li key={t.id} data-testid={`unavailable-${t.id}`}>
                {t.reason ?? `The ${t.name} template cannot run here.`}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
