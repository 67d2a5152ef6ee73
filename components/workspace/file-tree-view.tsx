"use client";

import { type DragEvent, useState } from "react";
import type { TreeNode } from "@/lib/files/schemas";

// The workspace as a tree: directories first, each entry a button that opens it (a directory
// opens as the folder new files go into). The chosen entry is marked for screen readers too.
// With `onMove`, an entry dragged onto a folder moves into it (Rename does the same from the
// keyboard); a folder never goes into itself.

const dragType = "application/x-kiln-workspace-path";

/** Where `from` would land in `folder`, or undefined when the move makes no sense. */
export function moveTarget(from: string, folder: string): string | undefined {
  const name = from.slice(from.lastIndexOf("/") + 1);
  const to = folder ? `${folder}/${name}` : name;
  if (to === from || folder === from || folder.startsWith(`${from}/`)) return undefined;
  return to;
}

export function FileTreeView(props: {
  nodes: TreeNode[];
  selected: string | undefined;
  onSelect(node: TreeNode): void;
  onMove?(from: string, to: string): void;
  depth?: number;
}) {
  const depth = props.depth ?? 0;
  const [over, setOver] = useState<string>();
  const dropOn = (folder: string) => ({
    onDragOver(event: DragEvent) {
      if (!props.onMove || !event.dataTransfer.types.includes(dragType)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      setOver(folder);
    },
    onDragLeave() {
      setOver(undefined);
    },
    onDrop(event: DragEvent) {
      setOver(undefined);
      const from = event.dataTransfer.getData(dragType);
      const to = from ? moveTarget(from, folder) : undefined;
      if (!to || !props.onMove) return;
      event.preventDefault();
      event.stopPropagation();
      props.onMove(from, to);
    },
  });
  return (
    <ul className={depth === 0 ? "space-y-0.5" : "ml-3 space-y-0.5 border-l border-zinc-800 pl-2"}>
      {props.nodes.map((node) => (
        <li key={node.path}>
          <button
            type="button"
            onClick={() => props.onSelect(node)}
            aria-current={props.selected === node.path ? "true" : undefined}
            data-testid="workspace-entry"
            draggable={props.onMove ? true : undefined}
            onDragStart={(event) => {
              event.dataTransfer.setData(dragType, node.path);
              event.dataTransfer.effectAllowed = "move";
            }}
            {...(node.isDirectory ? dropOn(node.path) : {})}
            className={`flex w-full min-w-0 items-center gap-2 rounded px-2 py-1 text-left text-sm hover:bg-zinc-800 focus-visible:outline-2 focus-visible:outline-orange-400 ${
              props.selected === node.path ? "bg-zinc-800 text-zinc-50" : "text-zinc-300"
            } ${over === node.path ? "ring-1 ring-orange-400" : ""}`}
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
              onMove={props.onMove}
              depth={depth + 1}
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** A strip that takes a dragged entry to the top level of the workspace. */
export function TopLevelDrop({ onMove }: { onMove(from: string, to: string): void }) {
  const [isOver, setIsOver] = useState(false);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; Rename moves from the keyboard
    <div
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes(dragType)) return;
        event.preventDefault();
        setIsOver(true);
      }}
      onDragLeave={() => setIsOver(false)}
      onDrop={(event) => {
        setIsOver(false);
        const from = event.dataTransfer.getData(dragType);
        const to = from ? moveTarget(from, "") : undefined;
        if (!to) return;
        event.preventDefault();
        onMove(from, to);
      }}
      className={`rounded border border-dashed px-2 py-1 text-xs ${
        isOver ? "border-orange-400 text-orange-300" : "border-zinc-800 text-zinc-500"
      }`}
    >
      Drop here to move to the top level
    </div>
  );
}
