import type { Components } from "react-markdown";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";

// A spec document as the page shows it. react-markdown builds React elements from the Markdown
// and ignores raw HTML in it (no rehype-raw here), so nothing a model writes becomes markup;
// links stay plain text unless they are http(s).

const components: Components = {
  h1: ({ node: _node, ...props }) => (
    <h1 className="mb-4 text-2xl font-semibold text-zinc-50" {...props} />
  ),
  h2: ({ node: _node, ...props }) => (
    <h2
      className="mt-8 mb-3 border-b border-zinc-800 pb-1 text-xl font-semibold text-zinc-100"
      {...props}
    />
  ),
  h3: ({ node: _node, ...props }) => (
    <h3 className="mt-6 mb-2 text-base font-semibold text-zinc-100" {...props} />
  ),
  p: ({ node: _node, ...props }) => <p className="my-3 leading-7 text-zinc-300" {...props} />,
  ul: ({ node: _node, ...props }) => (
    <ul className="my-3 list-disc space-y-1 pl-6 text-zinc-300" {...props} />
  ),
  ol: ({ node: _node, ...props }) => (
    <ol className="my-3 list-decimal space-y-1 pl-6 text-zinc-300" {...props} />
  ),
  code: ({ node: _node, ...props }) => (
    <code className="rounded bg-zinc-900 px-1 py-0.5 font-mono text-[0.85em]" {...props} />
  ),
  pre: ({ node: _node, ...props }) => (
    <pre className="my-3 overflow-x-auto rounded-md bg-zinc-900 p-3 text-sm" {...props} />
  ),
  a: ({ href, children }) =>
    href && /^https?:\/\//.test(href) ? (
      <a
        href={href}
        rel="noreferrer noopener"
        target="_blank"
        className="text-orange-300 underline"
      >
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  table: ({ node: _node, ...props }) => (
    <div className="my-4 overflow-x-auto rounded-md border border-zinc-800">
      <table className="w-full text-left text-sm" {...props} />
    </div>
  ),
  thead: ({ node: _node, ...props }) => (
    <thead className="bg-zinc-900 text-xs uppercase tracking-wide text-zinc-400" {...props} />
  ),
  th: ({ node: _node, ...props }) => <th className="px-3 py-2 font-medium" {...props} />,
  td: ({ node: _node, ...props }) => (
    <td className="border-t border-zinc-800 px-3 py-2 align-top" {...props} />
  ),
  img: ({ alt }) => <span>{alt}</span>,
};

export function SpecMarkdown({ content }: { content: string }) {
  return (
    <div className="min-w-0 break-words text-sm" data-testid="spec-document">
      <Markdown remarkPlugins={[remarkGfm]} components={components}>
        {content}
      </Markdown>
    </div>
  );
}
