import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { oneDarkTheme } from "@codemirror/theme-one-dark";
import { EditorView } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

// The code editor's two themes. Token colours follow One Dark's groups, each chosen to keep
// 4.5:1 against its background and the active line's (One Dark's own comments, tag names and
// keywords fall below that): the dark one on One Dark's editor, the light one on white.

function highlight(c: Record<string, string>): Extension {
  return syntaxHighlighting(
    HighlightStyle.define([
      { tag: t.keyword, color: c.keyword },
      { tag: [t.name, t.deleted, t.character, t.propertyName, t.macroName], color: c.name },
      { tag: [t.function(t.variableName), t.labelName], color: c.function },
      {
        tag: [t.color, t.constant(t.name), t.standard(t.name), t.atom, t.bool],
        color: c.constant,
      },
      { tag: [t.definition(t.name), t.separator], color: c.text },
      {
        tag: [
          t.typeName,
          t.className,
          t.number,
          t.changed,
          t.annotation,
          t.modifier,
          t.self,
          t.namespace,
        ],
        color: c.type,
      },
      {
        tag: [t.operator, t.operatorKeyword, t.url, t.escape, t.regexp, t.special(t.string)],
        color: c.operator,
      },
      { tag: [t.meta, t.comment], color: c.comment },
      { tag: t.link, color: c.comment, textDecoration: "underline" },
      { tag: t.heading, fontWeight: "bold", color: c.name },
      { tag: t.strong, fontWeight: "bold" },
      { tag: t.emphasis, fontStyle: "italic" },
      { tag: [t.processingInstruction, t.string, t.inserted], color: c.string },
      { tag: t.invalid, color: c.invalid },
    ]),
  );
}

export const darkCodeTheme: Extension = [
  oneDarkTheme,
  highlight({
    keyword: "#d291e4",
    name: "#ef8891",
    function: "#61afef",
    constant: "#d19a66",
    text: "#abb2bf",
    type: "#e5c07b",
    operator: "#56b6c2",
    comment: "#9da5b4",
    string: "#98c379",
    invalid: "#ffffff",
  }),
];

export const lightCodeTheme: Extension = [
  EditorView.theme({
    "&": { backgroundColor: "#ffffff", color: "#18181b" },
    ".cm-gutters": { backgroundColor: "#f4f4f5", color: "#52525b", border: "none" },
    ".cm-activeLine": { backgroundColor: "#f4f4f5" },
    ".cm-activeLineGutter": { backgroundColor: "#e4e4e7" },
  }),
  highlight({
    keyword: "#7a0d87",
    name: "#a31515",
    function: "#1450a3",
    constant: "#8a4a00",
    text: "#27272a",
    type: "#735c00",
    operator: "#0b6873",
    comment: "#5b6270",
    string: "#2f6b12",
    invalid: "#cc0000",
  }),
];
