"use client";

import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { css } from "@codemirror/lang-css";
import { html } from "@codemirror/lang-html";
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { vue } from "@codemirror/lang-vue";
import { Compartment, EditorState, type Extension, RangeSetBuilder } from "@codemirror/state";
import { Decoration, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { useEffect, useRef } from "react";
import { usePrefersDark } from "@/hooks/use-prefers-dark";
import { darkCodeTheme, lightCodeTheme } from "./code-themes";

// Syntax-highlighted code with CodeMirror 6, bundled with Kiln (nothing from a CDN). The editor
// takes focus like a text field, so Ctrl+A selects the code rather than the page and the copy
// keys work; it is read-only until `isEditable`, and Tab always moves on (no tab trapping).
// The document is replaced in place as a streaming fragment grows; the lines an edit changed
// are highlighted.

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

function access(path: string, isEditable: boolean): Extension {
  return [
    EditorState.readOnly.of(!isEditable),
    EditorView.contentAttributes.of({
      "aria-label": `${isEditable ? "Editing" : "Code of"} ${path}`,
      "aria-readonly": String(!isEditable),
      // A stop of its own in the tab order, which also makes the scrolled code reachable.
      tabindex: "0",
      // No on-screen keyboard for reading code on a phone.
      ...(isEditable ? {} : { inputmode: "none" }),
    }),
  ];
}

export function CodeView({
  path,
  code,
  isEditable = false,
  onChange,
  changedLines = noLines,
}: {
  path: string;
  code: string;
  isEditable?: boolean;
  onChange?: (code: string) => void;
  /** 1-based lines the last edit changed, highlighted. */
  changedLines?: readonly number[];
}) {
  const host = useRef<HTMLElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const language = useRef(new Compartment());
  const theme = useRef(new Compartment());
  const editing = useRef(new Compartment());
  const marks = useRef(new Compartment());
  const changed = useRef(onChange);
  changed.current = onChange;
  const isDark = usePrefersDark();

  useEffect(() => {
    if (!host.current) return;
    view.current = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: "",
        extensions: [
          lineNumbers(),
          highlightActiveLine(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          theme.current.of(darkCodeTheme),
          language.current.of([]),
          editing.current.of(access("", false)),
          marks.current.of([]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.state.readOnly) {
              changed.current?.(update.state.doc.toString());
            }
          }),
          EditorView.theme({
            "&": { height: "100%", fontSize: "13px" },
            ".cm-scroller": { overflow: "auto" },
            "&.cm-focused": { outline: "2px solid #fb923c", outlineOffset: "-2px" },
            ".cm-changed-line": { backgroundColor: "rgba(249, 115, 22, 0.16)" },
          }),
        ],
      }),
    });
    return () => view.current?.destroy();
  }, []);

  useEffect(() => {
    view.current?.dispatch({
      effects: [
        language.current.reconfigure(languageFor(path)),
        editing.current.reconfigure(access(path, isEditable)),
      ],
    });
  }, [path, isEditable]);

  useEffect(() => {
    view.current?.dispatch({
      effects: theme.current.reconfigure(isDark ? darkCodeTheme : lightCodeTheme),
    });
  }, [isDark]);

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
      aria-label={path}
    />
  );
}
