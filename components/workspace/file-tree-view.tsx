"use client";

import type { TreeNode } from "@/lib/files/schemas";

// The workspace as a tree: directories first, each entry a button that opens it (a directory
// opens as the folder new files go into). The chosen entry is marked for screen readers too.

export function FileTreeView(props: {
  nodes: TreeNode[];
  selected: string | undefined;
  onSelect(node: TreeNode): void;
  depth?: number;
}) {
  const depth = props.depth ?? 0;
  return (
    <ul className={depth === 0 ? "space-y-0.5" : "ml-3 space-y-0.5 border-l border-zinc-800 pl-2"}>
      {props.nodes.map((node) => (
        <li key={node.path}>
          <button
            type="button"
            onClick={() => props.onSelect(node)}
            aria-current={props.selected === node.path ? "true" : undefined}
            data-testid="workspace-entry"
            className={`flex w-full min-w-0 items-center gap-2 rounded px-2 py-1 text-left text-sm hover:bg-zinc-800 focus-visible:outline-2 focus-visible:outline-orange-400 ${
              props.selected === node.path ? "bg-zinc-800 text-zinc-50" : "text-zinc-300"
            }`}
          >
            <span aria-hidden="true" className="text-zinc-500">
              {node.isDirectory ? "▸" : "·"}
            </span>
            <span className="truncate">{node.name}</span>
            {node.isDirectory ? <span className="sr-only">(folder)</span> : null}
          </button>
          {node.isDirectory && node.children?.length ? (
            <FileTreeView
              nodes={node.children as TreeNode[]}
              selected={props.selected}
              onSelect={props.onSelect}
              depth={depth + 1}
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}
