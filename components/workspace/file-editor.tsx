"use client";

import { useEffect, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { OpenFile } from "@/hooks/use-workspace";
import { ApiError, errorMessage } from "@/lib/client/fetch-json";

// One workspace file, editable when it is text. A save carries the version that was opened: if
// the file changed meanwhile (another tab, an import), the save is refused and says so, and the
// text typed here stays on screen to copy.

export function FileEditor(props: {
  file: OpenFile;
  onSave(content: string, expectedVersion: number): Promise<number>;
  onReload(): void;
}) {
  const [text, setText] = useState(props.file.content);
  const [version, setVersion] = useState(props.file.version);
  const [note, setNote] = useState<{ tone: "error" | "success" | "warning"; text: string }>();
  const [isSaving, setIsSaving] = useState(false);
  useEffect(() => {
    setText(props.file.content);
    setVersion(props.file.version);
    setNote(undefined);
  }, [props.file]);

  if (props.file.encoding === "base64") {
    return (
      <p className="text-sm text-zinc-400" data-testid="binary-file">
        {props.file.path} is a binary file of {props.file.size_bytes} bytes; it cannot be edited
        here.
      </p>
    );
  }
  const isChanged = text !== props.file.content || version !== props.file.version;

  async function save() {
    setIsSaving(true);
    setNote(undefined);
    try {
      const next = await props.onSave(text, version);
      setVersion(next);
      setNote({ tone: "success", text: "Saved." });
    } catch (caught) {
      setNote(
        caught instanceof ApiError && caught.status === 409
          ? {
              tone: "warning",
              text: "This file changed since you opened it, so it was not saved. Copy your text, then reload the file.",
            }
          : { tone: "error", text: errorMessage(caught) },
      );
    } finally {
      setIsSaving(false);
    }
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="min-w-0 break-all font-mono text-sm text-zinc-200">{props.file.path}</h2>
        <span className="flex gap-2">
          <Button variant="secondary" onClick={props.onReload}>
            Reload
          </Button>
          <Button onClick={save} disabled={isSaving || !isChanged}>
            {isSaving ? "Saving…" : "Save"}
          </Button>
        </span>
      </div>
      <label htmlFor="workspace-editor" className="sr-only">
        Content of {props.file.path}
      </label>
      <textarea
        id="workspace-editor"
        value={text}
        onChange={(event) => setText(event.target.value)}
        spellCheck={false}
        className="min-h-72 flex-1 resize-y rounded-md border border-zinc-800 bg-zinc-950 p-3 font-mono text-sm text-zinc-100 focus-visible:outline-2 focus-visible:outline-orange-400"
      />
      {note ? <Alert tone={note.tone}>{note.text}</Alert> : null}
    </div>
  );
}
