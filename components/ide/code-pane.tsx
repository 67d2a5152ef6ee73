"use client";

import { useEffect, useMemo, useState } from "react";
import { changedLines } from "@/lib/client/changed-lines";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { FragmentView, MessageView } from "@/lib/client/ide-types";
import { zipFiles } from "@/lib/client/zip";
import { fragmentFiles } from "@/lib/fragments/files";
import { barButton } from "./bar-button";
import { CodeView } from "./code-view";
import { FileTree } from "./file-tree";
import { WorkspaceSave } from "./workspace-save";

// The code of the fragment on show: a file tree when it has more than one file, the editor,
// and Copy, Download (a zip of every file) and Edit. Edit opens the files for changes; Save
// keeps them as the chat's next version (POST /api/chats/:id/versions), as a change by chat does.
// Into the workspace: workspace-save.tsx.

/** The fragment with `drafts` (path → code) in place of its files' code. */
function withDrafts(fragment: FragmentView, drafts: Record<string, string>): FragmentView {
  return {
    ...fragment,
    code: (fragment.file_path && drafts[fragment.file_path]) ?? fragment.code,
    ...(fragment.files
      ? { files: fragment.files.map((f) => ({ ...f, code: drafts[f.file_path] ?? f.code })) }
      : {}),
  };
}

function download(name: string, files: { file_path: string; code: string }[]) {
  const archive = zipFiles(files.map((f) => ({ path: f.file_path, content: f.code })));
  const url = URL.createObjectURL(new Blob([archive as BlobPart], { type: "application/zip" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `${name}.zip`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

const fileName = (title: string | undefined) =>
  (title ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "app";

export function CodePane(props: {
  fragment: FragmentView;
  /** The finished version before this one: the lines the edit changed are highlighted. */
  previous?: FragmentView | undefined;
  streaming: boolean;
  chatId: string | undefined;
  /** The workspace folder the chat was opened on ("" for all of it), or null. */
  workspacePath?: string | null;
  onSaved: (message: MessageView) => void;
}) {
  const { fragment } = props;
  const files = fragmentFiles(fragment);
  const [selected, setSelected] = useState<string>();
  const [drafts, setDrafts] = useState<Record<string, string>>();
  const [note, setNote] = useState<{ text: string; isError?: boolean }>();
  const [isSaving, setIsSaving] = useState(false);
  const newest = files.at(-1)?.file_path;
  const { streaming } = props;

  // While the model writes, the newest file is followed, up to the last one it wrote even when
  // that file and the end of the writing arrive together; choosing a file stops following.
  const [isFollowing, setIsFollowing] = useState(false);
  useEffect(() => {
    if (streaming) setIsFollowing(true);
  }, [streaming]);
  useEffect(() => {
    if (isFollowing && newest) setSelected(newest);
  }, [isFollowing, newest]);
  // After the selection above (effects run in order), the end of the writing ends following.
  useEffect(() => {
    if (!streaming) setIsFollowing(false);
  }, [streaming]);
  const choose = (path: string) => {
    setIsFollowing(false);
    setSelected(path);
  };
  // Another fragment on show (written or edited by chat, another chat opened, this edit saved)
  // ends an unsaved edit: its drafts belong to the fragment they were typed into.
  useEffect(() => {
    if (fragment) setDrafts(undefined);
  }, [fragment]);

  const file = files.find((f) => f.file_path === selected) ?? files[0];
  const isEditing = drafts !== undefined;
  const editedPaths = new Set(
    files
      .filter((f) => drafts?.[f.file_path] !== undefined && drafts[f.file_path] !== f.code)
      .map((f) => f.file_path),
  );
  const shownCode = file ? (drafts?.[file.file_path] ?? file.code) : "";
  const before = props.previous
    ? (fragmentFiles(props.previous).find((f) => f.file_path === file?.file_path)?.code ?? "")
    : undefined;
  const code = file?.code;
  const changed = useMemo(
    () => (before === undefined || code === undefined ? [] : changedLines(before, code)),
    [before, code],
  );

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shownCode);
      setNote({ text: `Copied ${file?.file_path}` });
    } catch {
      setNote({
        text: "The browser did not allow copying: select the code and copy it",
        isError: true,
      });
    }
  };
  const save = async () => {
    if (!props.chatId || !drafts) return;
    setIsSaving(true);
    setNote(undefined);
    try {
      const message = await apiFetch<MessageView>(`/api/chats/${props.chatId}/versions`, {
        method: "POST",
        json: { fragment: withDrafts(fragment, drafts) },
      });
      props.onSaved(message);
      setDrafts(undefined);
      setNote({ text: "Saved as a new version" });
    } catch (error) {
      setNote({ text: errorMessage(error), isError: true });
    } finally {
      setIsSaving(false);
    }
  };

  const canEdit = !streaming && Boolean(props.chatId) && files.length > 0;
  return (
    <div className="@container flex h-full min-h-0 flex-col">
      <div className="flex flex-wrap items-center gap-1 border-b border-zinc-800 px-2 py-1">
        {files.length > 1 ? (
          <>
            <label htmlFor="file-select" className="sr-only">
              File
            </label>
            <select
              id="file-select"
              value={file?.file_path}
              onChange={(event) => choose(event.target.value)}
              className="min-w-0 max-w-[50%] rounded border border-zinc-700 bg-zinc-900 px-1 py-0.5 font-mono text-xs text-zinc-200 @xl:hidden"
            >
              {files.map((f) => (
                <option key={f.file_path} value={f.file_path}>
                  {f.file_path}
                  {editedPaths.has(f.file_path) ? " •" : ""}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <span
          className={`min-w-0 truncate font-mono text-xs text-zinc-300 ${files.length > 1 ? "hidden @xl:inline" : ""}`}
        >
          {file?.file_path}
        </span>
        <span
          role="status"
          className={`mx-2 truncate text-xs ${note?.isError ? "text-red-300" : "text-zinc-400"}`}
        >
          {note?.text}
        </span>
        <span className="ml-auto flex items-center gap-1">
          {isEditing ? (
            <>
              <button type="button" className={barButton} onClick={() => setDrafts(undefined)}>
                Cancel
              </button>
              <button
                type="button"
                onClick={() => void save()}
                disabled={isSaving || editedPaths.size === 0}
                className="rounded bg-orange-500 px-2 py-1 text-xs font-medium text-black hover:bg-orange-400 disabled:opacity-50"
              >
                {isSaving ? "Saving…" : "Save version"}
              </button>
            </>
          ) : (
            <>
              <button
                type="button"
                className={barButton}
                onClick={() => void copy()}
                disabled={!file}
              >
                Copy
              </button>
              <button
                type="button"
                className={barButton}
                onClick={() => download(fileName(fragment.title), files)}
                disabled={streaming || files.length === 0}
              >
                Download
              </button>
              <WorkspaceSave
                chatId={props.chatId}
                workspacePath={props.workspacePath}
                name={fileName(fragment.title)}
                files={files}
                disabled={streaming}
                onNote={setNote}
              />
              <button
                type="button"
                className={barButton}
                onClick={() => {
                  setNote(undefined);
                  setDrafts({});
                }}
                disabled={!canEdit}
                title={props.chatId ? undefined : "Only an app in a saved chat can be edited"}
              >
                Edit code
              </button>
            </>
          )}
        </span>
      </div>
      <div className="flex min-h-0 flex-1">
        {files.length > 1 ? (
          <div className="hidden w-44 shrink-0 border-r border-zinc-800 @xl:flex @xl:flex-col">
            <FileTree
              paths={files.map((f) => f.file_path)}
              selected={file?.file_path}
              edited={editedPaths}
              onSelect={choose}
            />
          </div>
        ) : null}
        <div className="min-w-0 flex-1">
          {file ? (
            <CodeView
              path={file.file_path}
              code={shownCode}
              isEditable={isEditing}
              changedLines={isEditing ? undefined : changed}
              onChange={(code) => setDrafts((all) => ({ ...all, [file.file_path]: code }))}
            />
          ) : null}
        </div>
      </div>
    </div>
  );
}
