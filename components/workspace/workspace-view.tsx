"use client";

import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { type OpenFile, useWorkspace } from "@/hooks/use-workspace";
import { errorMessage } from "@/lib/client/fetch-json";
import type { TreeNode } from "@/lib/files/schemas";
import { FileEditor } from "./file-editor";
import { FileTreeView, TopLevelDrop } from "./file-tree-view";
import { GithubSync } from "./github-sync";
import { OpenAsApp } from "./open-as-app";

// The workspace: files that outlive chats and sandboxes. A tree to pick from, an editor for the
// chosen file, new files and folders, rename and delete; GitHub import and push beside it.

const parentOf = (path: string) => path.split("/").slice(0, -1).join("/");

const downloadLinkClass =
  "rounded-md px-3 py-2 text-sm font-medium text-zinc-400 hover:bg-zinc-800 hover:text-zinc-100 focus-visible:outline-2 focus-visible:outline-orange-400";

export function WorkspaceView() {
  const workspace = useWorkspace();
  const [selected, setSelected] = useState<TreeNode>();
  const [file, setFile] = useState<OpenFile>();
  const [error, setError] = useState<string>();
  const folder = selected ? (selected.isDirectory ? selected.path : parentOf(selected.path)) : "";

  async function select(node: TreeNode) {
    setSelected(node);
    setError(undefined);
    if (node.isDirectory) return setFile(undefined);
    try {
      setFile(await workspace.open(node.path));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }
  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };
  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    // The button pressed says whether a file or a folder is made.
    const data = new FormData(form, (event.nativeEvent as SubmitEvent).submitter);
    const name = String(data.get("name") ?? "").trim();
    if (!name) return setError("Give the new file or folder a name, such as src/app.js.");
    const path = folder ? `${folder}/${name}` : name;
    void act(async () => {
      await workspace.create(path, data.get("kind") === "folder");
      form.reset();
    });
  }
  function onRename() {
    if (!selected) return;
    const to = window.prompt(`Rename or move ${selected.path} to:`, selected.path)?.trim();
    if (!to || to === selected.path) return;
    void act(async () => {
      await workspace.move(selected.path, to);
      setSelected(undefined);
      setFile(undefined);
    });
  }
  function onDragMove(from: string, to: string) {
    void act(async () => {
      await workspace.move(from, to);
      if (selected && (selected.path === from || selected.path.startsWith(`${from}/`))) {
        setSelected(undefined);
        setFile(undefined);
      }
    });
  }
  function onDelete() {
    if (
      !selected ||
      !window.confirm(
        `Delete ${selected.path}${selected.isDirectory ? " and everything in it" : ""}?`,
      )
    )
      return;
    void act(async () => {
      await workspace.remove(selected.path);
      setSelected(undefined);
      setFile(undefined);
    });
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_minmax(0,1fr)_20rem]">
      <section aria-labelledby="files-title" className="min-w-0 space-y-3">
        <div className="flex items-center justify-between gap-2">
          <h2 id="files-title" className="text-sm font-semibold text-zinc-200">
            Files
          </h2>
          {workspace.tree?.length ? (
            <a href="/api/files/zip" download className={downloadLinkClass}>
              Download zip
            </a>
          ) : null}
        </div>
        {workspace.tree?.length === 0 ? (
          <p className="text-sm text-zinc-400">
            No files yet: create one below, or import a repository from GitHub.
          </p>
        ) : null}
        {workspace.tree?.length ? <TopLevelDrop onMove={onDragMove} /> : null}
        {workspace.tree ? (
          <FileTreeView
            nodes={workspace.tree}
            selected={selected?.path}
            onSelect={select}
            onMove={onDragMove}
          />
        ) : null}
        <form onSubmit={onCreate} className="space-y-2 border-t border-zinc-800 pt-3">
          <TextField
            id="new-entry"
            name="name"
            label={`New in ${folder ? `${folder}/` : "the workspace"}`}
            placeholder="src/app.js"
            maxLength={1024}
          />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" name="kind" value="file" variant="secondary">
              New file
            </Button>
            <Button type="submit" name="kind" value="folder" variant="secondary">
              New folder
            </Button>
          </div>
        </form>
        {workspace.tree?.length ? <OpenAsApp folder={folder} onError={setError} /> : null}
        {selected ? (
          <div className="flex flex-wrap gap-2">
            <Button variant="ghost" onClick={onRename}>
              Rename
            </Button>
            <Button variant="danger" onClick={onDelete}>
              Delete
            </Button>
            <a
              href={`/api/files/zip?${new URLSearchParams({ path: selected.path })}`}
              download
              className={downloadLinkClass}
            >
              Download {selected.isDirectory ? "folder" : "file"} as zip
            </a>
          </div>
        ) : null}
      </section>
      <section aria-label="Editor" className="flex min-w-0 flex-col">
        {error || workspace.error ? <Alert tone="error">{error ?? workspace.error}</Alert> : null}
        {file ? (
          <FileEditor
            file={file}
            onSave={(content, expectedVersion) =>
              workspace.save({ path: file.path, content, expectedVersion })
            }
            onReload={() => selected && void select(selected)}
          />
        ) : (
          <p className="text-sm text-zinc-400">Choose a file to open it.</p>
        )}
      </section>
      <section aria-labelledby="github-sync-title" className="min-w-0 space-y-3">
        <h2 id="github-sync-title" className="text-sm font-semibold text-zinc-200">
          GitHub
        </h2>
        <GithubSync folder={folder} onImported={() => void workspace.reload()} />
      </section>
    </div>
  );
}
