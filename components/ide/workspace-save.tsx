"use client";

import { useState } from "react";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import { saveToWorkspace } from "@/lib/client/save-to-workspace";
import { barButton } from "./bar-button";

// The code pane's way into the workspace. An app from a chat goes into a folder of its own (To
// workspace); a chat opened on a workspace folder saves back to that folder (POST
// /api/chats/:id/workspace): the app's files, or those of its sandbox, never over a change made
// there since.

export function WorkspaceSave(props: {
  chatId: string | undefined;
  /** The workspace folder the chat was opened on ("" for all of it), or null. */
  workspacePath: string | null | undefined;
  /** The folder name To workspace starts from. */
  name: string;
  files: { file_path: string; code: string }[];
  disabled: boolean;
  onNote(note: { text: string; isError?: boolean } | undefined): void;
}) {
  const { workspacePath, chatId, files, onNote } = props;
  const [isSaving, setIsSaving] = useState(false);
  const where = workspacePath ? `${workspacePath}/` : "the workspace";

  const keep = async () => {
    onNote(undefined);
    try {
      const folder = await saveToWorkspace(props.name, files);
      onNote({ text: `Saved to your workspace in ${folder}/` });
    } catch (error) {
      onNote({ text: errorMessage(error), isError: true });
    }
  };
  const saveBack = async (source: "fragment" | "sandbox") => {
    onNote(undefined);
    setIsSaving(true);
    try {
      const saved = await apiFetch<{ written: string[]; skippedBinary: string[] }>(
        `/api/chats/${chatId}/workspace`,
        { method: "POST", json: { source } },
      );
      const skipped = saved.skippedBinary.length
        ? ` (binary files not saved: ${saved.skippedBinary.join(", ")})`
        : "";
      onNote({
        text: saved.written.length
          ? `Saved ${saved.written.join(", ")} to ${where}${skipped}`
          : `Nothing new to save: ${where} has these files already${skipped}`,
      });
    } catch (error) {
      onNote({ text: errorMessage(error), isError: true });
    } finally {
      setIsSaving(false);
    }
  };

  if (typeof workspacePath !== "string" || !chatId) {
    return (
      <button
        type="button"
        className={barButton}
        onClick={() => void keep()}
        disabled={props.disabled || files.length === 0}
        title="Keep these files in your workspace, in a folder of their own"
      >
        To workspace
      </button>
    );
  }
  return (
    <>
      <button
        type="button"
        className={barButton}
        onClick={() => void saveBack("fragment")}
        disabled={props.disabled || isSaving || files.length === 0}
        title={`Write these files back to ${where}, where they were opened from`}
      >
        Save to workspace
      </button>
      <button
        type="button"
        className={barButton}
        onClick={() => void saveBack("sandbox")}
        disabled={props.disabled || isSaving}
        title={`Write the files of this chat's sandbox (as changed there) to ${where}`}
      >
        Save sandbox files
      </button>
    </>
  );
}
