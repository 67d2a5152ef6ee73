"use client";

import { css } from "@codemirror/lang-css";
import { html } from "@codemirror/lang-html";
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { vue } from "@codemirror/lang-vue";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, type Extension, RangeSetBuilder } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import { Decoration, EditorView, highlightActiveLine, lineNumbers } from "@codemirror/view";
import { useEffect, useRef } from "react";

// Read-only, syntax-highlighted code with CodeMirror 6, bundled with Kiln (nothing from a CDN).
// The document is replaced in place as a streaming fragment grows.

function languageFor(path: string): Extension {
  const extension = path.split(".").pop()?.toLowerCase() ?? "";
  switch (extension) {
    case "py":
      return python();
    case "ts":
    case "tsx":
      return javascript({ typescript: true, jsx: extension === "tsx" });
    case "js":
    case "jsx":
    case "mjs":
    case "cjs":
      return javascript({ jsx: extension === "jsx" });
    case "html":
    case "htm":
      return html();
    case "css":
      return css();
    case "vue":
      return vue();
    default:
      return [];
  }
}

const changedLine = Decoration.line({ class: "cm-changed-line" });
const noLines: readonly number[] = [];

/** Marks the given 1-based lines of the editor's document (those an edit changed). */
function changedLineMarks(view: EditorView, lines: readonly number[]): Extension {
  const builder = new RangeSetBuilder<Decoration>();
  for (const number of lines) {
    if (number <= view.state.doc.lines) {
      const line = view.state.doc.line(number);
      builder.add(line.from, line.from, changedLine);
    }
  }
  return EditorView.decorations.of(builder.finish());
}

export function CodeView({
  path,
  code,
  changedLines = noLines,
}: {
  path: string;
  code: string;
  /** 1-based lines the last edit changed, highlighted. */
  changedLines?: readonly number[];
}) {
  const host = useRef<HTMLElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const language = useRef(new Compartment());
  const marks = useRef(new Compartment());

  useEffect(() => {
    if (!host.current) return;
    view.current = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: "",
        extensions: [
          lineNumbers(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          oneDark,
          language.current.of([]),
          marks.current.of([]),
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          EditorView.theme({
            "&": { height: "100%", fontSize: "13px" },
            ".cm-scroller": { overflow: "auto" },
            ".cm-changed-line": { backgroundColor: "rgba(249, 115, 22, 0.16)" },
          }),
        ],
      }),
    });
    return () => view.current?.destroy();
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(languageFor(path)) });
  }, [path]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.state.doc.toString() === code) return;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: code } });
  }, [code]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.state.doc.toString() !== code) return;
    editor.dispatch({ effects: marks.current.reconfigure(changedLineMarks(editor, changedLines)) });
  }, [code, changedLines]);

  return (
    <section
      ref={host}
      className="h-full min-h-0"
      data-testid="code-view"
      data-changed-lines={changedLines.join(",")}
      aria-label={`Code of ${path}`}
    />
  );
}
