"use client";

// A fragment's files as a tree of folders, for apps of more than one file. Folders are headings
// of their files; each file is a button, the open one marked as current, an edited one with a
// dot.

interface Folder {
  name: string;
  folders: Map<string, Folder>;
  files: string[];
}

function treeOf(paths: string[]): Folder {
  const root: Folder = { name: "", folders: new Map(), files: [] };
  for (const path of paths) {
    const parts = path.split("/");
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (!next) {
        next = { name: part, folders: new Map(), files: [] };
        folder.folders.set(part, next);
      }
      folder = next;
    }
    folder.files.push(path);
  }
  return root;
}

export function FileTree(props: {
  paths: string[];
  selected: string | undefined;
  edited: ReadonlySet<string>;
  onSelect: (path: string) => void;
}) {
  const entries = (folder: Folder, depth: number) => (
    <ul className="space-y-px">
      {[...folder.folders.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((child) => (
          <li key={child.name}>
            <span
              className="block truncate py-1 font-mono text-xs text-zinc-400"
              style={{ paddingLeft: `${0.5 + depth * 0.75}rem` }}
            >
              {child.name}/
            </span>
            {entries(child, depth + 1)}
          </li>
        ))}
      {folder.files.map((path) => {
        const isSelected = path === props.selected;
        return (
          <li key={path}>
            <button
              type="button"
              onClick={() => props.onSelect(path)}
              aria-current={isSelected ? "true" : undefined}
              title={path}
              style={{ paddingLeft: `${0.5 + depth * 0.75}rem` }}
              className={`flex w-full items-center gap-1 truncate rounded py-1 pr-2 text-left font-mono text-xs ${
                isSelected
                  ? "bg-zinc-800 text-zinc-50"
                  : "text-zinc-300 hover:bg-zinc-900 hover:text-zinc-100"
              }`}
            >
              <span className="truncate">{path.split("/").at(-1)}</span>
              {props.edited.has(path) ? (
                <>
                  <span aria-hidden className="text-orange-300" title="Edited">
                    •
                  </span>
                  <span className="sr-only"> (edited)</span>
                </>
              ) : null}
            </button>
          </li>
        );
      })}
    </ul>
  );
  return (
    <nav aria-label="Files" className="min-h-0 overflow-y-auto p-1" data-testid="file-tree">
      {entries(treeOf(props.paths), 0)}
    </nav>
  );
}
